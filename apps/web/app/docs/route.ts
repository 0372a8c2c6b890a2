import { ApiReference } from "@scalar/nextjs-api-reference";

// Scalar's interactive reference of /openapi.json, with its script and no fonts from other hosts.
export const GET = ApiReference({
  url: "/openapi.json",
  cdn: "/docs/scalar.js",
  pageTitle: "Enroll API reference",
  withDefaultFonts: false,
  // Its toolbar offers to share or generate SDKs through scalar.com; this reference stays local.
  showDeveloperTools: "never",
});
