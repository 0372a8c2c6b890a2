/**
 * Runs first in every script of the root package.json, `pnpm install`'s included: refuses, in one
 * sentence, a Node.js that `engines.node` there does not allow, before anything loads the TypeScript
 * sources, which an older Node.js cannot even parse (it stops at the first `.ts` with
 * ERR_UNKNOWN_FILE_EXTENSION and a stack). Plain JavaScript for that reason, and with no
 * dependency, since it runs before they are installed, on a Node.js that may not install them; so
 * it reads ranges itself, those that `engines.node` uses: `^x.y.z` and `>=x.y.z`, joined by `||`.
 */
import { readFileSync } from "node:fs";

const supported = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines.node;
const found = process.versions.node;

if (!supported.split("||").some((comparator) => allows(comparator.trim(), found))) {
  console.error(
    `Node.js ${found} cannot run Enroll, which needs Node.js ${supported} (engines.node in package.json): ` +
      "install Node.js 24 with `npm install --global node@24`, then run this again.",
  );
  process.exit(1);
}

/** Whether `version` (such as 24.5.0) meets `comparator` (such as ^22.19.0 or >=24.5.0). */
function allows(comparator, version) {
  const [, operator, bound] = /^(\^|>=)(\d+\.\d+\.\d+)$/.exec(comparator) ?? [];
  if (!bound) throw new Error(`scripts/check-node.mjs reads ^x.y.z and >=x.y.z only, not ${comparator}`);
  const [major, minor, patch] = version.split(".").map((part) => Number.parseInt(part, 10));
  const [boundMajor, boundMinor, boundPatch] = bound.split(".").map(Number);
  const atLeast = major - boundMajor || minor - boundMinor || patch - boundPatch;
  return atLeast >= 0 && (operator === ">=" || major === boundMajor);
}
