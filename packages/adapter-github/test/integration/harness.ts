import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type EcrFixture, githubDriver } from "@ecr-push/e2e";

export type ActionRun = Awaited<ReturnType<typeof githubDriver.run>>;

/**
 * Runs the built action as the runner does (the GitHub driver): the step's inputs (and every input
 * default) as INPUT_*, and the runner's GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP.
 */
export function runAction(
  fixture: EcrFixture,
  withInputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): Promise<ActionRun> {
  return githubDriver.run(fixture, withInputs, { env });
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
