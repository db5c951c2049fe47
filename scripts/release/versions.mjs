#!/usr/bin/env node
// Keeps every version a user sees in step with @ecr-push/cli's, the product version:
//   - package.json of core, ecr-local and the three adapters (changesets' "fixed" group moves them
//     together; this checks they did);
//   - the Azure task (task.json) and extension (vss-extension.json): the task's major stays 1, the
//     contract `ECRPushImage@1` pipelines name, so the product version X.Y.Z becomes
//     1.(X*1000+Y).Z: 0.2.3 is 1.2.3, and 1.0.0 is 1.1000.0, still above every 0.x (the agent and
//     the marketplace take the highest version);
//   - the Codefresh step: step.yaml's metadata.version and every `ghcr.io/ecr-push/codefresh-step:TAG`
//     (stepsTemplate, Dockerfile, README) name the product version;
//   - the GitLab component: every `ghcr.io/ecr-push/gitlab-job:TAG` (the `job-image` input's default
//     in templates/ecr-push.yml, the Dockerfile, the README) names the product version.
//
//   node scripts/release/versions.mjs           check; exit 1 with one line per file out of step
//   node scripts/release/versions.mjs --write   rewrite them (after `changeset version`)
//   --root DIR                                  work on another checkout (the unit test uses a copy)
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const CODEFRESH_IMAGE = "ghcr.io/ecr-push/codefresh-step";
export const GITLAB_IMAGE = "ghcr.io/ecr-push/gitlab-job";
const PACKAGES = [
  "core",
  "ecr-local",
  "adapter-azure",
  "adapter-github",
  "adapter-codefresh",
  "adapter-gitlab",
];
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/;

/** The Azure task version for a product version: { Major: 1, Minor: X*1000+Y, Patch: Z }. */
export function azureTaskVersion(productVersion) {
  const match = SEMVER.exec(productVersion);
  if (!match) throw new Error(`@ecr-push/cli has version "${productVersion}", which is not X.Y.Z.`);
  const [major, minor, patch] = match.slice(1).map(Number);
  if (minor >= 1000)
    throw new Error(`@ecr-push/cli ${productVersion}: a minor of 1000 or more has no Azure task version.`);
  return { Major: 1, Minor: major * 1000 + minor, Patch: patch };
}

const show = (v) => `${v.Major}.${v.Minor}.${v.Patch}`;

/**
 * Every versioned field: { file, found, expected, write(text) -> text }. `write` makes the
 * smallest edit that sets the expected value, so formatting and comments are kept.
 */
export function fields(root = repoRoot) {
  const read = (file) => readFileSync(path.join(root, file), "utf8");
  const product = JSON.parse(read("packages/cli/package.json")).version;
  const task = azureTaskVersion(product);
  const list = [];

  for (const name of PACKAGES) {
    const file = `packages/${name}/package.json`;
    list.push({
      file,
      found: JSON.parse(read(file)).version,
      expected: product,
      write: (text) => text.replace(/("version":\s*)"[^"]*"/, `$1"${product}"`),
    });
  }

  const taskFile = "packages/adapter-azure/task/task.json";
  const taskVersion = JSON.parse(read(taskFile)).version;
  list.push({
    file: taskFile,
    found: show(taskVersion),
    expected: show(task),
    write: (text) =>
      text.replace(
        /("version":\s*)\{[^}]*\}/,
        `$1{ "Major": ${task.Major}, "Minor": ${task.Minor}, "Patch": ${task.Patch} }`,
      ),
  });

  const extensionFile = "packages/adapter-azure/vss-extension.json";
  list.push({
    file: extensionFile,
    found: JSON.parse(read(extensionFile)).version,
    expected: show(task),
    write: (text) => text.replace(/("version":\s*)"[^"]*"/, `$1"${show(task)}"`),
  });

  const stepFile = "packages/adapter-codefresh/step.yaml";
  // metadata.version: the one `version:` indented by two spaces (the top-level one is the format's).
  const stepVersion = /^ {2}version:\s*["']?([^"'\s]+)["']?\s*$/m.exec(read(stepFile))?.[1] ?? "(none)";
  list.push({
    file: `${stepFile} (metadata.version)`,
    path: stepFile,
    found: stepVersion,
    expected: product,
    write: (text) => text.replace(/^( {2}version:\s*).*$/m, `$1${product}`),
  });

  const imageTags = (image, files) => {
    const tag = new RegExp(`${image.replace(/[.]/g, "\\.")}:([0-9A-Za-z._-]+)`, "g");
    for (const file of files) {
      const tags = [...read(file).matchAll(tag)].map((m) => m[1]);
      const stale = [...new Set(tags.filter((t) => t !== product))];
      list.push({
        file: `${file} (${image})`,
        path: file,
        found: stale.length ? stale.join(", ") : tags.length ? product : "(not named)",
        expected: product,
        write: (text) => text.replace(tag, `${image}:${product}`),
      });
    }
  };
  imageTags(CODEFRESH_IMAGE, [
    stepFile,
    "packages/adapter-codefresh/Dockerfile",
    "packages/adapter-codefresh/README.md",
  ]);
  imageTags(GITLAB_IMAGE, [
    "templates/ecr-push.yml",
    "packages/adapter-gitlab/Dockerfile",
    "packages/adapter-gitlab/README.md",
  ]);
  return { product, fields: list };
}

function main(argv) {
  const writeMode = argv.includes("--write");
  const rootAt = argv.indexOf("--root");
  const root = rootAt >= 0 ? path.resolve(argv[rootAt + 1] ?? ".") : repoRoot;
  let result;
  try {
    result = fields(root);
  } catch (error) {
    console.error(`versions: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const stale = result.fields.filter((f) => f.found !== f.expected);
  if (!writeMode) {
    for (const f of stale)
      console.error(
        `versions: ${f.file} has ${f.found}, expected ${f.expected} for @ecr-push/cli ${result.product}; run \`node scripts/release/versions.mjs --write\`.`,
      );
    if (stale.length === 0)
      console.log(`versions: everything is in step with @ecr-push/cli ${result.product}.`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const f of stale) {
    const file = path.join(root, f.path ?? f.file);
    writeFileSync(file, f.write(readFileSync(file, "utf8")));
    console.log(`versions: ${f.file}: ${f.found} -> ${f.expected}`);
  }
  const left = fields(root).fields.filter((f) => f.found !== f.expected);
  for (const f of left) console.error(`versions: could not set ${f.file} to ${f.expected}; edit it by hand.`);
  return left.length === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
