import { fileURLToPath } from "node:url";
import { type EcrFixture, type EntryRun, TEST_KEYS } from "@ecr-push/e2e";
import { expect } from "vitest";

export const CLI = fileURLToPath(new URL("../../dist/ecr-push.js", import.meta.url));
export const KEYS = TEST_KEYS;

/** Runs the built CLI as a user in a CI job would, against the fixture's local endpoint. */
export function cli(
  fixture: EcrFixture,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<EntryRun> {
  return fixture.runNode(CLI, args, env);
}

/** Every run must leave nothing behind, print no raw Node warning, and show no secret. */
export function expectClean(run: EntryRun, ...secrets: string[]): void {
  expect(run.leftovers).toEqual([]);
  expect(run.stderr).not.toMatch(/^\(node:\d+\)/m);
  for (const secret of [KEYS.secretAccessKey, ...secrets]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}
