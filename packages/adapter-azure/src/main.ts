// The task's entry, run by the agent's Node (Node20_1 or Node24 handler in task.json).
import tl from "azure-pipelines-task-lib";
import { runTask } from "./task.js";

// Node prints process warnings (such as the AWS SDK's notice about Node versions) to stderr, where
// the agent shows them as errors: they go to the debug log instead.
process.removeAllListeners("warning");
process.on("warning", (warning) =>
  tl.debug(`${warning.name}: ${warning.message.replace(/\s+/g, " ").trim()}`),
);

const controller = new AbortController();
// The agent cancels a job with SIGINT, then SIGTERM: abort so core removes its temporary files and tags.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => controller.abort(new Error(`The task was cancelled (${signal}).`)));
}

const pushed = await runTask({
  tl,
  env: process.env,
  write: (text) => process.stdout.write(text),
  signal: controller.signal,
});
if (!pushed) process.exitCode = 1;
