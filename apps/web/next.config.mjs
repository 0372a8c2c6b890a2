// JavaScript, not TypeScript: Next.js would otherwise load its SWC compiler into the production
// server's process (about 25 MB of resident memory) only to read this file.
import { fileURLToPath } from "node:url";

const monorepoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** @type {import("next").NextConfig} */
const config = {
  // The workspace packages ship TypeScript source; Next compiles them with the app.
  transpilePackages: ["@enroll/api", "@enroll/db", "@enroll/validators"],
  outputFileTracingRoot: monorepoRoot,
  turbopack: { root: monorepoRoot },
  // `next dev` serves its scripts and hot reload only to localhost; 127.0.0.1 is the same machine.
  allowedDevOrigins: ["127.0.0.1"],
  poweredByHeader: false,
  typedRoutes: true,
};

export default config;
