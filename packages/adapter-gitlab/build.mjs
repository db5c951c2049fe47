// Bundles the job's entry into dist/ (see scripts/bundle.mjs). dist/ is self-contained: the job
// image copies it alone and the component's script runs `node /opt/ecr-push/index.js`, so it
// carries its own package.json marking the bundle as ES modules.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { bundle } from "../../scripts/bundle.mjs";

const packageDir = import.meta.dirname ?? new URL(".", import.meta.url).pathname;
await bundle({ packageDir, entries: { index: "src/main.ts" } });
writeFileSync(path.join(packageDir, "dist", "package.json"), `${JSON.stringify({ type: "module" })}\n`);
