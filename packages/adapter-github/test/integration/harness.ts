import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EcrFixture, EntryRun } from "@ecr-push/e2e";
import { inputEnv } from "../action-yml.js";

/** The built bundle action.yml runs. */
export const ACTION = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

export interface ActionRun extends EntryRun {
  /** GITHUB_OUTPUT as written, each random heredoc delimiter replaced by `EOF`. */
  outputFile: string;
  summary: string;
  /** What the run left in RUNNER_TEMP (should be nothing). */
  runnerTempLeftovers: string[];
}

/**
 * Runs the built action as the runner does: a child Node process with the step's inputs (and
 * every input default) as INPUT_*, and the runner's GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP.
 */
export async function runAction(
  fixture: EcrFixture,
  withInputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-gh-runner-"));
  try {
    const outputPath = path.join(dir, "output");
    const summaryPath = path.join(dir, "summary.md");
    const runnerTemp = path.join(dir, "temp");
    writeFileSync(outputPath, "");
    writeFileSync(summaryPath, "");
    mkdirSync(runnerTemp);
    const run = await fixture.runNode(ACTION, [], {
      ...inputEnv(withInputs),
      GITHUB_ACTIONS: "true",
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      RUNNER_TEMP: runnerTemp,
      ...env,
    });
    return {
      ...run,
      outputFile: readFileSync(outputPath, "utf8").replace(/ghadelimiter_[0-9a-f-]{36}/g, "EOF"),
      summary: readFileSync(summaryPath, "utf8"),
      runnerTempLeftovers: readdirSync(runnerTemp),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT content for `outputs`, in order, as @actions/core writes it (heredocs). */
export function outputFileOf(outputs: [string, string][]): string {
  return outputs.map(([name, value]) => `${name}<<EOF\n${value}\nEOF\n`).join("");
}

/** The job's OIDC token service: answers `GET <url>&audience=...` with a bearer token, as GitHub does. */
export async function startTokenEndpoint(options: { token: string; requestToken: string; status?: number }) {
  const requests: { audience: string | null; authorization: string | undefined }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({ audience: url.searchParams.get("audience"), authorization: req.headers.authorization });
    const status =
      options.status ?? (req.headers.authorization === `Bearer ${options.requestToken}` ? 200 : 401);
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(status === 200 ? { value: options.token } : { message: "no token for you" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requests,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/_apis/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: options.requestToken,
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `::error::` lines of a run (what the runner shows as the step's failure). */
export function errorCommands(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("::error::"));
}
