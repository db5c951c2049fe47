// Builds the task folder dist/ECRPushImage: task.json, icon and the bundled entry (task-lib and
// core included, see scripts/bundle.mjs), runnable by the agent's Node with no install step.
import { copyFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bundle } from "../../scripts/bundle.mjs";

const packageDir = import.meta.dirname ?? new URL(".", import.meta.url).pathname;
const taskDir = path.join(packageDir, "dist", "ECRPushImage");
const MAX_BYTES = 1024 * 1024;

await bundle({ packageDir, outdir: "dist/ECRPushImage", entries: { index: "src/main.ts" } });
for (const file of ["task.json", "icon.png"])
  copyFileSync(path.join(packageDir, "task", file), path.join(taskDir, file));
// The bundle is ESM; the agent runs `node index.js` in a folder with no package.json of its own.
writeFileSync(path.join(taskDir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);

const size = (dir) =>
  readdirSync(dir).reduce((sum, name) => {
    const file = path.join(dir, name);
    return sum + (statSync(file).isDirectory() ? size(file) : statSync(file).size);
  }, 0);
const total = size(taskDir);
if (total > MAX_BYTES) throw new Error(`The task folder is ${total} bytes, over the 1 MB budget.`);
console.log(`dist/ECRPushImage: ${(total / 1024).toFixed(0)} KiB`);
