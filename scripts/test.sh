#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test: lint, type checks, unit tests, and the
# integration and end-to-end tests on a real Docker engine, skopeo and the local ECR endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Everything below runs on Node 24, which setup fetched: pnpm, turbo, vitest and every `node` the
# tests spawn (elsewhere than linux-x64, the node on PATH).
if node24=$(./scripts/node.sh 24); then export PATH="$(dirname "$node24"):$PATH"; fi
pnpm lint
pnpm typecheck --output-logs=errors-only
# The GitHub Action runs its committed bundle: setup's build must leave it exactly as committed.
node scripts/release/github-action.mjs --no-build
rm -rf packages/*/test-results
status=0
node scripts/with-docker.mjs pnpm test || status=$?
node scripts/test-summary.mjs || true
exit $status
