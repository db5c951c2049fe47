#!/usr/bin/env node
// `pnpm package:codefresh`: builds the Codefresh step image under the tag step.yaml's stepsTemplate
// names, ghcr.io/ecr-push/codefresh-step:VERSION with VERSION = @ecr-push/cli's version, after
// checking step.yaml, the Dockerfile and the README all name that tag (see versions.mjs). The root
// script builds dist/ first. Extra arguments go to `docker build` (e.g. --build-arg BASE_IMAGE=...).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CODEFRESH_IMAGE, fields } from "./versions.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const packageDir = path.join(root, "packages/adapter-codefresh");

function main(argv) {
  const { product, fields: all } = fields(root);
  const stale = all.filter((f) => f.file.includes("adapter-codefresh") && f.found !== f.expected);
  for (const f of stale)
    console.error(
      `codefresh: ${f.file} has ${f.found}, expected ${f.expected}; run \`node scripts/release/versions.mjs --write\`.`,
    );
  if (stale.length > 0) return 1;
  if (!existsSync(path.join(packageDir, "dist", "index.js"))) {
    console.error(
      "codefresh: the step is not built; run `pnpm turbo run build --filter=@ecr-push/adapter-codefresh...`.",
    );
    return 1;
  }
  const image = `${CODEFRESH_IMAGE}:${product}`;
  const docker = process.env.DOCKER_PATH || "docker";
  const built = spawnSync(docker, ["build", "--tag", image, ...argv, packageDir], { stdio: "inherit" });
  if (built.error || built.status !== 0) {
    console.error(`codefresh: docker build failed (${built.error?.message ?? `exit ${built.status}`}).`);
    return 1;
  }
  console.log(`codefresh: built ${image}; push it with \`docker push ${image}\`.`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
