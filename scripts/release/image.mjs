// What `pnpm package:codefresh` and `pnpm package:gitlab` share: check that every file naming the
// image's tag names the product version (versions.mjs), that the package is built, then
// `docker build` the package folder (its .dockerignore keeps the context to dist/) under that tag.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fields } from "./versions.mjs";

/**
 * Builds `image:VERSION` from `packages/<pkg>`; returns the exit code. `label` starts each line
 * printed, extra `argv` goes to `docker build` (e.g. --build-arg BASE_IMAGE=...).
 */
export function buildPackageImage({ root, label, pkg, image, argv }) {
  const packageDir = path.join(root, "packages", pkg);
  const { product, fields: all } = fields(root);
  // Every field of the package's files, and of the image's tag wherever it is named (a template).
  const stale = all.filter(
    (f) => (f.file.includes(`packages/${pkg}/`) || f.file.includes(image)) && f.found !== f.expected,
  );
  for (const f of stale)
    console.error(
      `${label}: ${f.file} has ${f.found}, expected ${f.expected}; run \`node scripts/release/versions.mjs --write\`.`,
    );
  if (stale.length > 0) return 1;
  if (!existsSync(path.join(packageDir, "dist", "index.js"))) {
    console.error(`${label}: it is not built; run \`pnpm turbo run build --filter=@ecr-push/${pkg}...\`.`);
    return 1;
  }
  const tagged = `${image}:${product}`;
  const docker = process.env.DOCKER_PATH || "docker";
  const built = spawnSync(docker, ["build", "--tag", tagged, ...argv, packageDir], { stdio: "inherit" });
  if (built.error || built.status !== 0) {
    console.error(`${label}: docker build failed (${built.error?.message ?? `exit ${built.status}`}).`);
    return 1;
  }
  console.log(`${label}: built ${tagged}; push it with \`docker push ${tagged}\`.`);
  return 0;
}
