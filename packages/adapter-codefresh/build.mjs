// Bundles the step's entry into dist/ (see scripts/bundle.mjs). dist/ is self-contained: the step
// image copies it alone and runs `node dist/index.js`, so it carries its own package.json marking
// the bundle as ES modules.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { bundle } from "../../scripts/bundle.mjs";

const packageDir = import.meta.dirname ?? new URL(".", import.meta.url).pathname;
await bundle({ packageDir, entries: { index: "src/main.ts" } });
writeFileSync(path.join(packageDir, "dist", "package.json"), `${JSON.stringify({ type: "module" })}\n`);
