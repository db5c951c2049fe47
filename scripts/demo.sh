#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job against the embedded local ECR endpoint.
# demo.mjs finds a Docker engine itself (or starts a private dockerd when root can); when there is
# none, or dockerd cannot start, it pushes an image it writes in-process with no Docker at all.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if node24=$(./scripts/node.sh 24); then export PATH="$(dirname "$node24"):$PATH"; fi
exec node scripts/demo.mjs
