import type { ReactNode } from "react";

/**
 * The app's one card on the page, under its name, with a link to the API reference below it (on
 * the admin listener, the admin API's). `wide` for a page of tables rather than a form.
 */
export function Card({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  return (
    <main>
      <div className={wide ? "card wide" : "card"}>
        <p className="brand">Enroll</p>
        {children}
      </div>
      <footer>
        <a href="/docs">API reference</a>
      </footer>
    </main>
  );
}
