#!/usr/bin/env node
// `pnpm package:gitlab`: builds the GitLab component's job image under the tag the component's
// `job-image` input defaults to, ghcr.io/ecr-push/gitlab-job:VERSION with VERSION = @ecr-push/cli's
// version, after checking templates/ecr-push.yml, the Dockerfile, the README and the package all
// name that version (see versions.mjs). The root script builds dist/ first. Extra arguments go to
// `docker build` (e.g. --build-arg BASE_IMAGE=... --build-arg DOCKER_CLI_IMAGE=...).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackageImage } from "./image.mjs";
import { GITLAB_IMAGE } from "./versions.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = buildPackageImage({
    root,
    label: "gitlab",
    pkg: "adapter-gitlab",
    image: GITLAB_IMAGE,
    argv: process.argv.slice(2),
  });
}
