#!/usr/bin/env node
// `pnpm package:codefresh`: builds the Codefresh step image under the tag step.yaml's stepsTemplate
// names, ghcr.io/ecr-push/codefresh-step:VERSION with VERSION = @ecr-push/cli's version, after
// checking step.yaml, the Dockerfile and the README all name that tag (see versions.mjs). The root
// script builds dist/ first. Extra arguments go to `docker build` (e.g. --build-arg BASE_IMAGE=...).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackageImage } from "./image.mjs";
import { CODEFRESH_IMAGE } from "./versions.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = buildPackageImage({
    root,
    label: "codefresh",
    pkg: "adapter-codefresh",
    image: CODEFRESH_IMAGE,
    argv: process.argv.slice(2),
  });
}
