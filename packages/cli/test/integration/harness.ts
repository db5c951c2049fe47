import { fileURLToPath } from "node:url";
import { type EcrFixture, type EntryRun, TEST_KEYS } from "@ecr-push/e2e";

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
