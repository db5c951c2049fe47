import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { codefreshDriver, type EcrFixture, type EntryRun, errorLines, TEST_KEYS } from "@ecr-push/e2e";
import { expect } from "vitest";

/** A Codefresh shared volume: a temporary CF_VOLUME_PATH, removed with `close()`. */
export function cfVolume(): { path: string; exported(): string; close(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "cf-volume-"));
  return {
    path: dir,
    exported: () => readFileSync(path.join(dir, "env_vars_to_export"), "utf8"),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs the built step as Codefresh would (the Codefresh driver): its arguments (and step.yaml's
 * defaults for those left out) as environment variables, with the CF_VOLUME_PATH `env` gives, if any.
 */
export function runStep(fixture: EcrFixture, env: Record<string, string | undefined>): Promise<EntryRun> {
  return codefreshDriver.run(fixture, env, { dir: env.CF_VOLUME_PATH ?? false });
}

/** The exact lines the step exports for a push of `tags` to `repository`. */
export function expectedExports(fixture: EcrFixture, repository: string, tags: string[], digest: string) {
  const uris = tags.map((tag) => `${fixture.local.registry}/${repository}:${tag}`);
  return [
    `ECR_IMAGE_URI=${uris[0]}`,
    `ECR_IMAGE_URIS=${uris.join(",")}`,
    `ECR_IMAGE_DIGEST=${digest}`,
    `ECR_REGISTRY=${fixture.local.registry}`,
  ].join("\n");
}

/** The digest the exports name (checked against the registry by the caller). */
export function exportedDigest(exported: string): string {
  return /^ECR_IMAGE_DIGEST=(sha256:[a-f0-9]{64})$/m.exec(exported)?.[1] ?? "";
}

/** Nothing left behind, no raw Node warning, no secret in the logs or the exported variables. */
export function expectClean(run: EntryRun, exported: string, ...secrets: string[]) {
  expect(run.leftovers).toEqual([]);
  expect(run.stderr).not.toMatch(/^\(node:\d+\)/m);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  for (const secret of [TEST_KEYS.secretAccessKey, ...secrets]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
    expect(exported).not.toContain(secret);
  }
}

/** Exactly one `error: ` line (the one sentence), and that line. */
export function oneError(run: EntryRun): string {
  const errors = errorLines(run.stderr, "error: ");
  expect(errors, run.stderr).toHaveLength(1);
  return errors[0] ?? "";
}
