#!/usr/bin/env node
// `pnpm release:check`: what must hold before `changeset publish` and a tag (the root script builds
// the CLI and the action first). Each check prints its own result; the exit code is 1 if any failed.
//   1. versions in step with @ecr-push/cli (versions.mjs)
//   2. the hosts' README tables match task.json, action.yml, step.yaml (docs.mjs --check)
//   3. publint finds nothing in the two npm packages, @ecr-push/cli and @ecr-push/core
//   4. the committed action bundle is the one the sources build (github-action.mjs)
//   5. packages/cli/LICENSE and packages/core/LICENSE are the root LICENSE
// The pack-and-install dry run of the CLI is packages/cli/test/integration/pack.test.ts; the .vsix
// is checked by `pnpm package:azure`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = (name) =>
  path.join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

const checks = [
  ["versions", process.execPath, ["scripts/release/versions.mjs"]],
  ["docs", process.execPath, ["scripts/docs.mjs", "--check"]],
  ["publint @ecr-push/cli", bin("publint"), ["--strict", "packages/cli"]],
  ["publint @ecr-push/core", bin("publint"), ["--strict", "packages/core"]],
  ["github action bundle", process.execPath, ["scripts/release/github-action.mjs", "--no-build"]],
];

let failed = 0;

// The npm packages carry a copy of the root LICENSE (npm packs only files inside the package).
const license = readFileSync(path.join(root, "LICENSE"), "utf8");
for (const pkg of ["cli", "core"]) {
  const file = path.join(root, "packages", pkg, "LICENSE");
  if (!existsSync(file) || readFileSync(file, "utf8") !== license) {
    failed++;
    console.error(
      `release:check: packages/${pkg}/LICENSE differs from LICENSE; copy the root LICENSE there.`,
    );
  }
}
for (const [name, command, args] of checks) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32" && command !== process.execPath,
  });
  if (result.error || result.status !== 0) {
    failed++;
    console.error(`release:check: ${name} failed.`);
  }
}
console.log(failed === 0 ? "release:check: ready to release." : `release:check: ${failed} check(s) failed.`);
process.exitCode = failed === 0 ? 0 : 1;
