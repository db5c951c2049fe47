// Bundles the CLI into dist/ with esbuild. Code splitting keeps start-up small: the AWS SDK,
// the engine and the local endpoint load only when a command needs them.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
rmSync(new URL("./dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { "ecr-push": "src/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Prefer packages' ESM builds: they tree-shake, and their dynamic imports keep named exports.
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: false,
  legalComments: "none",
  chunkNames: "chunks/[name]-[hash]",
  define: { ECR_PUSH_VERSION: JSON.stringify(version) },
  banner: {
    // Some SDK dependencies are CommonJS and call require(); give the ESM bundle one.
    js: "#!/usr/bin/env node\nimport { createRequire as __ecrPushCreateRequire } from 'node:module';\nconst require = __ecrPushCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: "warning",
});
