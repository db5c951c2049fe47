// Bundles the CLI into dist/ (see scripts/bundle.mjs): the AWS SDK, the engine and the local
// endpoint load only when a command needs them. That split build is what npm ships.
//
// Then one more output, dist/single/ecr-push.mjs: the same CLI as one self-contained file (no
// chunks; every lazily imported module, the local endpoint included, inlined), for a machine that
// has Node.js and nothing else: copy the file there and run `node ecr-push.mjs push ...`.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { bundle } from "../../scripts/bundle.mjs";

const packageDir = import.meta.dirname ?? new URL(".", import.meta.url).pathname;

await bundle({
  packageDir,
  entries: { "ecr-push": "src/main.ts" },
  banner: "#!/usr/bin/env node\n",
});

/** The single file must stay small enough to copy around: the same budget as the host bundles. */
const SINGLE_MAX_BYTES = 1024 * 1024;
const single = path.join(packageDir, "dist", "single", "ecr-push.mjs");
const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
await build({
  absWorkingDir: packageDir,
  entryPoints: ["src/main.ts"],
  outfile: single,
  bundle: true,
  // No splitting: esbuild then inlines what `import()` loads, so nothing is read from beside the file.
  splitting: false,
  format: "esm",
  platform: "node",
  target: "node22",
  mainFields: ["module", "main"],
  minify: true,
  legalComments: "none",
  define: { ECR_PUSH_VERSION: JSON.stringify(version) },
  banner: {
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    js: "#!/usr/bin/env node\nimport { createRequire as __ecrPushCreateRequire } from 'node:module';\nconst require = __ecrPushCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
const size = statSync(single).size;
if (size > SINGLE_MAX_BYTES)
  throw new Error(
    `dist/single/ecr-push.mjs is ${size} bytes, over the 1 MiB budget for the single-file CLI.`,
  );
