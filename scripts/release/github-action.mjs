#!/usr/bin/env node
// A tag must carry a working action: GitHub runs `runs.main` of action.yml straight from the
// repository, so the bundle (packages/adapter-github/dist: index.js and its chunks) is committed.
// This builds it where action.yml says and fails when the committed copy differs from the build.
//
//   node scripts/release/github-action.mjs               build, then check git has exactly that
//   node scripts/release/github-action.mjs --out DIR     build into DIR only (no git; the test compares)
//   --no-build                                           check what is in dist now
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "../bundle.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const packageDir = path.join(root, "packages/adapter-github");
const YAML = createRequire(path.join(packageDir, "package.json"))("yaml");

/** The file action.yml runs, relative to the repository root, with / separators. */
export function actionMain() {
  const action = YAML.parse(readFileSync(path.join(root, "action.yml"), "utf8"));
  return String(action.runs?.main ?? "");
}

/** Bundles the action as packages/adapter-github/build.mjs does, into `outDir` (absolute). */
export async function buildAction(outDir) {
  await bundle({
    packageDir,
    outdir: path.relative(packageDir, outDir),
    entries: { index: "src/main.ts" },
  });
}

function git(args) {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (result.error || result.status !== 0)
    throw new Error(`git ${args.join(" ")} failed: ${(result.stderr || String(result.error)).trim()}`);
  return result.stdout;
}

async function main(argv) {
  const main = actionMain();
  const distDir = path.join(packageDir, "dist");
  if (path.relative(root, path.join(distDir, "index.js")).split(path.sep).join("/") !== main) {
    console.error(
      `github-action: action.yml runs "${main}", not packages/adapter-github/dist/index.js; fix runs.main.`,
    );
    return 1;
  }
  const outAt = argv.indexOf("--out");
  if (outAt >= 0) {
    const out = path.resolve(argv[outAt + 1] ?? "");
    await buildAction(out);
    console.log(`github-action: built into ${out}`);
    return 0;
  }
  if (!argv.includes("--no-build")) await buildAction(distDir);
  if (!existsSync(path.join(root, main))) {
    console.error(
      `github-action: ${main} was not built; run \`pnpm turbo run build --filter=@ecr-push/adapter-github...\`.`,
    );
    return 1;
  }
  const dist = path.relative(root, distDir).split(path.sep).join("/");
  // Modified, deleted and new (untracked) files all count: chunk names change with their content.
  const changes = git(["status", "--porcelain", "--untracked-files=all", "--", dist]).trim();
  if (changes) {
    const count = changes.split("\n").length;
    console.error(
      `github-action: ${dist} differs from the commit in ${count} file(s); commit the rebuilt bundle before tagging:`,
    );
    console.error(changes);
    return 1;
  }
  git(["diff", "--exit-code", "--quiet", "--", dist]);
  console.log(`github-action: ${main} and its chunks are committed as built.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2)).catch((error) => {
    console.error(`github-action: ${error instanceof Error ? error.message : error}`);
    return 1;
  });
}
