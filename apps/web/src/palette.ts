/**
 * The app's colours, light and dark, as CSS custom properties on :root. The sign-up pages and the
 * API reference at /docs both take them from here, so the two look like one app in either scheme.
 */
const light = {
  bg: "#f4f5f7",
  card: "#ffffff",
  text: "#16181d",
  muted: "#5b6270",
  border: "#dfe2e8",
  // Form controls need 3:1 against the card (WCAG 1.4.11); the card's own edge does not.
  "field-border": "#8a919e",
  accent: "#3346d3",
  "accent-text": "#ffffff",
  danger: "#b42318",
  "code-bg": "#f1f3f6",
};

const dark: typeof light = {
  bg: "#0f1115",
  card: "#181b22",
  text: "#eef0f4",
  muted: "#a3a9b6",
  border: "#2a2f39",
  "field-border": "#6b7282",
  accent: "#7c8cff",
  "accent-text": "#0f1115",
  danger: "#ff8a80",
  "code-bg": "#11141a",
};

const declarations = (colours: typeof light) =>
  Object.entries(colours)
    .map(([name, value]) => `--${name}: ${value};`)
    .join(" ");

export const paletteCss =
  `:root { color-scheme: light dark; ${declarations(light)} }\n` +
  `@media (prefers-color-scheme: dark) { :root { ${declarations(dark)} } }`;
