// The task's entry, run by the agent's Node 24 (the Node24 handler in task.json).
import { startHostProcess } from "@ecr-push/core";
import tl from "azure-pipelines-task-lib";
import { runTask } from "./run.js";

// The agent cancels a job with SIGINT, then SIGTERM: the push is aborted and removes its temporary
// files and tags, and the task ends with 128 + the signal number. Process warnings go to the
// debug log, where the agent does not show them as errors.
const host = startHostProcess({ warning: (line) => tl.debug(line) });
const pushed = await runTask({
  tl,
  env: process.env,
  write: (text) => process.stdout.write(text),
  signal: host.signal,
});
process.exitCode = host.exitCode(pushed ? 0 : 1);
