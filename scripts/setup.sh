#!/usr/bin/env bash
# Prepares a fresh machine for ecr-push development: Debian packages for the real test parts
# (Docker engine, skopeo, docker-registry, tinyproxy), Node 24, 22 and 20, pnpm, the workspace
# dependencies, and a build.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v docker >/dev/null 2>&1 || need_apt+=(docker.io)
command -v skopeo >/dev/null 2>&1 || need_apt+=(skopeo)
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
# podman: the registry engine exports local images with it where docker is absent.
command -v podman >/dev/null 2>&1 || need_apt+=(podman)
# A real forward proxy for the HTTPS_PROXY/NO_PROXY tests.
command -v tinyproxy >/dev/null 2>&1 || need_apt+=(tinyproxy)
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${need_apt[*]} with apt-get" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (no apt-get here); continuing" >&2
  fi
fi

# Official Node 24, 22 and 20 from the npm registry, cached between runs (scripts/node.sh): the
# tests run on 24 and run each shipped entry on the others. The rest of setup runs on 24 too.
status=0
nodes=$(./scripts/node.sh 24 22 20) || status=$?
case $status in
  0) export PATH="$(dirname "$(printf '%s\n' "$nodes" | head -n 1)"):$PATH" ;;
  3) echo "setup: keeping $(node --version) from PATH" >&2 ;;
  *) exit "$status" ;;
esac

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 22 ]; then
  echo "setup: Node.js 22 or later is required (found $(node --version))" >&2
  exit 1
fi

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version" >&2
  npm install -g --silent "pnpm@$pnpm_version" >/dev/null 2>&1
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm build --output-logs=errors-only
