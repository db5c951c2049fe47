import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EcrFixture, EntryRun } from "@ecr-push/e2e";
import { TEST_KEYS } from "@ecr-push/e2e";
import type { LocalEcr } from "@ecr-push/ecr-local";

/** The built CLI, as users run it. */
export const CLI = fileURLToPath(new URL("../../cli/dist/ecr-push.js", import.meta.url));

/** Why the built CLI cannot run, or undefined when it can. */
export function cliMissing(): string | undefined {
  return existsSync(CLI) ? undefined : `${CLI} does not exist (run pnpm build)`;
}

/** A job with no Docker at all: daemonless sources need none. */
export const NO_DOCKER = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };

let snapshot: string | undefined;

/**
 * A private copy of the built CLI (a self-contained bundle), taken at first use: a rebuild of
 * packages/cli while a long test runs cannot pull the files from under it.
 */
function cliSnapshot(): string {
  if (!snapshot) {
    const copy = mkdtempSync(path.join(tmpdir(), "ecr-push-cli-"));
    cpSync(path.dirname(CLI), copy, { recursive: true });
    snapshot = path.join(copy, path.basename(CLI));
  }
  return snapshot;
}

/** Removes the copy (call in afterAll). */
export function removeCliSnapshot(): void {
  if (snapshot) rmSync(path.dirname(snapshot), { recursive: true, force: true });
  snapshot = undefined;
}

export function pushWithCli(
  fixture: EcrFixture,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<EntryRun> {
  return fixture.runNode(cliSnapshot(), ["push", ...args], { ...NO_DOCKER, ...env });
}

/** Registry retries the product logged with --debug ("...; retrying in N ms"). */
export function retriesLogged(run: EntryRun): number {
  return run.stderr.match(/; retrying in \d+ ms/g)?.length ?? 0;
}

/** No secret in any output, nothing left in the private TMPDIR. */
export function secretsIn(run: EntryRun, ...secrets: string[]): string[] {
  return [TEST_KEYS.secretAccessKey, ...secrets].filter(
    (secret) => run.stdout.includes(secret) || run.stderr.includes(secret),
  );
}

/** Runs `fn` over `items`, `width` at a time, keeping results in order. */
export async function inPool<T, R>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/**
 * What a tag points at, read straight from the endpoint (no proxy, no product code): the manifest's
 * digest, and the blobs it names that the repository does not hold (none for a complete image).
 */
export async function storedImage(
  local: LocalEcr,
  password: string,
  repository: string,
  tag: string,
): Promise<{ digest: string; blobs: string[]; missing: string[]; bytes: number } | undefined> {
  const authorization = `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}`;
  const base = `http://${local.registry}/v2/${repository}`;
  const response = await fetch(`${base}/manifests/${tag}`, {
    headers: { Authorization: authorization, Accept: MANIFEST_TYPES },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET manifest ${repository}:${tag}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const manifest = JSON.parse(bytes.toString("utf8")) as {
    config: { digest: string; size: number };
    layers: { digest: string; size: number }[];
  };
  const blobs = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  const missing: string[] = [];
  for (const blob of blobs) {
    const head = await fetch(`${base}/blobs/${blob}`, {
      method: "HEAD",
      headers: { Authorization: authorization },
    });
    if (head.status !== 200) missing.push(blob);
  }
  // One copy of the image on the wire: its blobs and the manifest.
  const size = [manifest.config, ...manifest.layers].reduce((sum, blob) => sum + blob.size, bytes.length);
  return {
    digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
    blobs,
    missing,
    bytes: size,
  };
}
