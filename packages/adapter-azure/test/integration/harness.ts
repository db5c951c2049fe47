import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  azureDriver,
  type EcrFixture,
  SERVICE_CONNECTION_ID,
  serviceConnection,
  TEST_KEYS,
  taskInputEnv,
} from "@ecr-push/e2e";

export const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
export const BUILT_TASK = path.join(PACKAGE_DIR, "dist", "ECRPushImage");
export const KEYS = TEST_KEYS;
export const ENDPOINT_ID = SERVICE_CONNECTION_ID;

/**
 * The built task folder copied alone into a temp dir, as the agent unpacks it: no node_modules
 * anywhere above it, so a run proves the bundle needs no install step.
 */
export function copyTaskFolder(): { dir: string; entry: string; remove(): void } {
  if (!existsSync(path.join(BUILT_TASK, "index.js"))) {
    throw new Error(
      `Build the task first (pnpm turbo run build --filter=@ecr-push/adapter-azure...): ${BUILT_TASK} is missing.`,
    );
  }
  const root = mkdtempSync(path.join(tmpdir(), "ecr-push-azure-task-"));
  const dir = path.join(root, "ECRPushImage");
  cpSync(BUILT_TASK, dir, { recursive: true });
  return {
    dir,
    entry: path.join(dir, "index.js"),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

type Env = Record<string, string | undefined>;

/** INPUT_* as the agent sets them for a step's inputs; an AWS service connection as ENDPOINT_AUTH_*. */
export { serviceConnection, taskInputEnv as inputs };

/** No AWS keys in the environment: credentials must come from what the task is given. */
export const NO_ENV_KEYS: Env = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_REGION: undefined,
};

/**
 * Runs the task entry as the agent does (the Azure driver): a child Node with the job's
 * environment, task.json's defaults for the inputs `env` leaves out, and a fresh Agent.TempDirectory
 * (where task-lib keeps its vault key, emptied by the agent after each job).
 */
export function runTask(fixture: EcrFixture, entry: string, env: Env) {
  return azureDriver.run(fixture, {}, { entry, env });
}

/** The logging commands of one kind, e.g. `task.setvariable`. */
export function commands(lines: string[], name: string): string[] {
  return lines.filter((line) => line.startsWith(`##vso[${name}`));
}

/**
 * Each given secret is registered with `##vso[task.setsecret]` before the task prints anything of
 * its own (the first `##[group]`); no registered value (these, the registry password, STS session
 * keys) appears anywhere else in stdout or stderr.
 */
export function expectMaskedFirst(run: { lines: string[]; stderr: string }, ...secrets: string[]): void {
  const SETSECRET = "##vso[task.setsecret]";
  const firstOwnLine = run.lines.findIndex((line) => line.startsWith("##[group]"));
  for (const [n, secret] of secrets.entries()) {
    const registered = run.lines.indexOf(`${SETSECRET}${secret}`);
    if (registered < 0) throw new Error(`secret #${n} was never registered with setsecret`);
    if (firstOwnLine >= 0 && registered > firstOwnLine) throw new Error(`secret #${n} was registered late`);
  }
  const registered = run.lines
    .filter((line) => line.startsWith(SETSECRET))
    .map((line) => line.slice(SETSECRET.length));
  if (registered.length < secrets.length + 1) throw new Error("the registry password was not registered");
  for (const [n, secret] of registered.entries()) {
    const elsewhere = run.lines.some((line) => line.includes(secret) && line !== `${SETSECRET}${secret}`);
    if (elsewhere || run.stderr.includes(secret))
      throw new Error(`registered secret #${n} appears outside setsecret`);
  }
}
