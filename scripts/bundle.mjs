// The one esbuild configuration every shipped entry uses (CLI, Azure task, GitHub Action, Codefresh
// step): ESM for Node 22+, minified, split so code a run does not need is never loaded.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

/**
 * Bundles `entries` ({ outName: sourcePath }) of the package in `packageDir` into `outdir`.
 * Returns esbuild's metafile. `banner` is prepended to every output file.
 */
export async function bundle({ packageDir, entries, outdir = "dist", banner = "", define = {} }) {
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  const out = path.join(packageDir, outdir);
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: entries,
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Prefer packages' ESM builds: they tree-shake, and their dynamic imports keep named exports.
    mainFields: ["module", "main"],
    minify: true,
    legalComments: "none",
    chunkNames: "chunks/[name]-[hash]",
    define: { ECR_PUSH_VERSION: JSON.stringify(version), ...define },
    banner: {
      // Some dependencies are CommonJS and call require(); give the ESM bundle one.
      js: `${banner}import { createRequire as __ecrPushCreateRequire } from 'node:module';\nconst require = __ecrPushCreateRequire(import.meta.url);`,
    },
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile;
}
