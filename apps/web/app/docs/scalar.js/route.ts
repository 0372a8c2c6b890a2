import { readFile } from "node:fs/promises";
import path from "node:path";

// Next.js runs from the app's folder, where pnpm links the app's own dependencies.
const bundle = path.join(process.cwd(), "node_modules/@scalar/api-reference/dist/browser/standalone.js");

// Scalar's prebuilt browser bundle, served from the installed package so the reference works offline.
export async function GET() {
  return new Response(await readFile(bundle), {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
