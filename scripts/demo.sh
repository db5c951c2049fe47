#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job against the embedded local ECR endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec node scripts/with-docker.mjs node scripts/demo.mjs
