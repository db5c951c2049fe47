import { runCli } from "../../src/cli.js";

/** Runs the CLI in-process with no environment, capturing what it prints. */
export async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
