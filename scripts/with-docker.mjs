// Runs a command with DOCKER_HOST pointing at a working Docker engine: the one already answering,
// or a private dockerd started in a temporary directory and stopped afterwards (needs root).
// Usage: node scripts/with-docker.mjs COMMAND [ARGS...]
import { spawn } from "node:child_process";
import { findOrStartDockerd } from "@ecr-push/testkit";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node scripts/with-docker.mjs COMMAND [ARGS...]");
  process.exit(2);
}
const engine = await findOrStartDockerd();
const env = { ...process.env };
if (typeof engine === "string") {
  console.error(`with-docker: no Docker engine: ${engine}`);
  // Tests decide what that means: they fail on CI and skip loudly elsewhere.
} else {
  env.DOCKER_HOST = engine.host;
  if (engine.owned)
    console.error(
      `with-docker: started a private dockerd at ${engine.host} (storage driver ${engine.storageDriver})`,
    );
}
const child = spawn(command, args, { stdio: "inherit", env });
const forward = (signal) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const code = await new Promise((resolve) => child.on("close", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
if (typeof engine !== "string") await engine.stop();
process.exit(code);
