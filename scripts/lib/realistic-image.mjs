// A realistic image for benches: compressible layers made of this machine's own files, the kind CI
// pushes every day, instead of random data (which skips compression and hides its cost):
//   binaries    about 150 MB: node's executable and shared libraries from /usr/lib
//   text        about 50 MB: man pages (already gzipped), copyright files and C headers (plain text)
//   javascript  about 35 MB: this repository's node_modules
//   app         1 MiB, the only layer that differs between v1 and v2
// Every layer holds a small file of fresh random bytes (its salt), so no registry, builder cache or
// docker distribution cache knows any layer of a new build. Built with the classic builder, FROM
// scratch and COPY only: no network.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const MB = 1000 * 1000;
const MiB = 1024 * 1024;

/** The base layers, in build order: where their files come from and how many bytes each takes. */
export const BASE_LAYERS = [
  {
    name: "binaries",
    budget: 150 * MB,
    sources: [process.execPath, "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/bin"],
  },
  {
    name: "text",
    // Shares: gzipped man pages, then plain text until the layer is full.
    budget: 50 * MB,
    sources: [
      { from: "/usr/share/man", budget: 20 * MB },
      { from: "/usr/share/doc", budget: 15 * MB, only: (file) => path.basename(file) === "copyright" },
      { from: "/usr/include" },
      { from: "/usr/share/perl" },
    ],
  },
  {
    name: "javascript",
    budget: 35 * MB,
    sources: [path.join(REPO_ROOT, "node_modules", ".pnpm")],
  },
];

function docker(dockerHost, args, options = {}) {
  const result = spawnSync("docker", args, {
    encoding: "utf8",
    maxBuffer: 64 * MiB,
    ...options,
    // The classic builder: buildx may be missing, and it needs no network for FROM scratch.
    env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: "0", ...options.env },
  });
  if (result.status !== 0)
    throw new Error(
      `docker ${args.slice(0, 2).join(" ")} exited ${result.status}: ${(result.stderr ?? "").trim()}`,
    );
  return result.stdout;
}

/** Regular files under `from` (or `from` itself), depth first in name order, so a build picks the same files each time. */
function* regularFiles(from) {
  let stat;
  try {
    stat = lstatSync(from);
  } catch {
    return;
  }
  if (stat.isFile()) {
    yield { file: from, size: stat.size };
    return;
  }
  if (!stat.isDirectory()) return;
  let entries;
  try {
    entries = readdirSync(from).sort();
  } catch {
    return;
  }
  for (const entry of entries) yield* regularFiles(path.join(from, entry));
}

/**
 * Puts files into `dir` at their own absolute paths until `budget` bytes: hard links where the
 * context is on the same file system (no copy, the build reads them as files), copies elsewhere.
 */
function fill(dir, source, budget) {
  const { from, only, budget: own } = typeof source === "string" ? { from: source } : source;
  const limit = Math.min(budget, own ?? budget);
  let taken = 0;
  for (const { file, size } of regularFiles(from)) {
    if (only && !only(file)) continue;
    // Skip what would overshoot; a smaller file further on may still fit.
    if (taken + size > limit) {
      if (limit - taken < 64 * 1024) break;
      continue;
    }
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    try {
      linkSync(file, target);
    } catch {
      try {
        copyFileSync(file, target);
      } catch {
        continue; // unreadable: leave it out
      }
    }
    taken += size;
  }
  return taken;
}

/**
 * Builds `${name}:base` (the three base layers, freshly salted) and, on it, `${name}:v1` and
 * `${name}:v2`, which differ only in their 1 MiB app layer. Returns the tags, the bytes each layer
 * holds and remove(), which untags all three.
 */
export function buildRealisticImages({ dockerHost, name = "bench/realistic" }) {
  const dir = mkdtempSync(path.join(tmpdir(), "realistic-image-"));
  const tags = { base: `${name}:base`, v1: `${name}:v1`, v2: `${name}:v2` };
  const layers = [];
  try {
    const base = path.join(dir, "base");
    const lines = ["FROM scratch"];
    for (const layer of BASE_LAYERS) {
      const layerDir = path.join(base, layer.name);
      let bytes = 0;
      for (const source of layer.sources) bytes += fill(layerDir, source, layer.budget - bytes);
      const salt = randomBytes(16);
      writeFileSync(path.join(layerDir, `.salt-${layer.name}`), salt.toString("hex"));
      layers.push({ name: layer.name, bytes: bytes + 32 });
      lines.push(`COPY ${layer.name}/ /`);
    }
    writeFileSync(path.join(base, "Dockerfile"), `${lines.join("\n")}\n`);
    docker(dockerHost, ["build", "-q", "-t", tags.base, base]);
    rmSync(base, { recursive: true, force: true });
    for (const version of ["v1", "v2"]) {
      const app = path.join(dir, version);
      mkdirSync(path.join(app, "app"), { recursive: true });
      // Random: an app layer is small, and this one must differ between v1 and v2.
      writeFileSync(path.join(app, "app", "app.bin"), randomBytes(MiB));
      writeFileSync(path.join(app, "Dockerfile"), `FROM ${tags.base}\nCOPY app/ /app/\n`);
      docker(dockerHost, ["build", "-q", "-t", tags[version], app]);
    }
    layers.push({ name: "app", bytes: MiB });
  } catch (error) {
    removeTags(dockerHost, Object.values(tags));
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    ...tags,
    layers,
    remove: () => removeTags(dockerHost, Object.values(tags)),
  };
}

/** Untags images, ignoring those already gone. */
function removeTags(dockerHost, tags) {
  spawnSync("docker", ["image", "rm", "-f", ...tags], { env: { ...process.env, DOCKER_HOST: dockerHost } });
}

/** Writes `image` as a docker-archive (what `docker save` writes) to `file`. */
export function saveImage(dockerHost, image, file) {
  docker(dockerHost, ["save", "-o", file, image]);
}
