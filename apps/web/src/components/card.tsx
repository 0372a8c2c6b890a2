import type { ReactNode } from "react";

/** The app's one card on the page, under its name, with a link to the API reference below it. */
export function Card({ children }: { children: ReactNode }) {
  return (
    <main>
      <div className="card">
        <p className="brand">Enroll</p>
        {children}
      </div>
      <footer>
        <a href="/docs">API reference</a>
      </footer>
    </main>
  );
}
