// Bundles the action into dist/index.js (see scripts/bundle.mjs), the file action.yml runs.
import { bundle } from "../../scripts/bundle.mjs";

await bundle({
  packageDir: import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  entries: { index: "src/main.ts" },
});
