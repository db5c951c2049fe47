import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type EcrFixture, type EntryRun, errorLines, gitlabDriver, TEST_KEYS } from "@ecr-push/e2e";
import { expect } from "vitest";
import type { ComponentInput } from "../../src/inputs.js";

/** A job's project folder (CI_PROJECT_DIR, the job's working directory), removed with `close()`. */
export function projectDir(): { path: string; dotenv(): string; hasDotenv(): boolean; close(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "gitlab-project-"));
  const file = path.join(dir, "ecr-push.env");
  return {
    path: dir,
    dotenv: () => readFileSync(file, "utf8"),
    hasDotenv: () => existsSync(file),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs the built entry as the job's script does (the GitLab driver): in the project folder, with
 * GitLab's predefined variables and every ECR_PUSH_* variable the template sets, from `inputs` or
 * else the input's default.
 */
export function runJob(
  fixture: EcrFixture,
  project: string,
  inputs: Partial<Record<ComponentInput, string>>,
  extra: Record<string, string | undefined> = {},
): Promise<EntryRun> {
  return gitlabDriver.run(fixture, inputs as Record<string, string>, { dir: project, env: extra });
}

/** The exact dotenv report of a push of `tags` to `repository`. */
export function expectedDotenv(fixture: EcrFixture, repository: string, tags: string[], digest: string) {
  const uris = tags.map((tag) => `${fixture.local.registry}/${repository}:${tag}`);
  return [
    `ECR_IMAGE_URI=${uris[0]}`,
    `ECR_IMAGE_URIS=${uris.join(",")}`,
    `ECR_IMAGE_DIGEST=${digest}`,
    `ECR_REGISTRY=${fixture.local.registry}`,
    "",
  ].join("\n");
}

/** The digest the report names (checked against the registry by the caller). */
export function reportedDigest(dotenv: string): string {
  return /^ECR_IMAGE_DIGEST=(sha256:[a-f0-9]{64})$/m.exec(dotenv)?.[1] ?? "";
}

/** Nothing left behind, no raw Node warning or stack, no secret in the log or the report. */
export function expectClean(run: EntryRun, dotenv: string, ...secrets: string[]) {
  expect(run.leftovers).toEqual([]);
  expect(run.stderr).not.toMatch(/^\(node:\d+\)/m);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
  for (const secret of [TEST_KEYS.secretAccessKey, ...secrets]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
    expect(dotenv).not.toContain(secret);
  }
}

/** Exactly one `error: ` line (the one sentence), and that line. */
export function oneError(run: EntryRun): string {
  const errors = errorLines(run.stderr, "error: ");
  expect(errors, run.stderr).toHaveLength(1);
  return errors[0] ?? "";
}
