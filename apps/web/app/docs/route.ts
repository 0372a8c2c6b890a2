import { getScriptTags } from "@scalar/client-side-rendering";
import { paletteCss } from "@/palette";

/**
 * Scalar's interactive reference of /openapi.json, with its script served by the app and no fonts
 * from other hosts. The page around it is ours rather than Scalar's, for `lang`, the app's icon,
 * and the app's colours: Scalar follows the system's colour scheme as the app does (its own toggle
 * is hidden so that the two cannot disagree) and reads its colours from the app's palette.
 */
const scalarConfiguration = {
  url: "/openapi.json",
  withDefaultFonts: false,
  // Its toolbar offers to share or generate SDKs through scalar.com; this reference stays local.
  showDeveloperTools: "never",
  hideDarkModeToggle: true,
};

const scalarColours = `
body.light-mode,
body.dark-mode {
  --scalar-background-1: var(--card);
  --scalar-background-2: var(--bg);
  --scalar-background-3: var(--border);
  --scalar-border-color: var(--border);
  --scalar-color-1: var(--text);
  --scalar-color-2: var(--muted);
  --scalar-color-3: var(--muted);
  --scalar-color-accent: var(--accent);
}`;

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Enroll API reference</title>
    <link rel="icon" href="/icon.svg" type="image/svg+xml" />
    <style>
${paletteCss}
${scalarColours}
    </style>
  </head>
  <body>
    <div id="app"></div>${getScriptTags(scalarConfiguration, "/docs/scalar.js")}
  </body>
</html>
`;

export const GET = () => new Response(page, { headers: { "Content-Type": "text/html; charset=utf-8" } });
