#!/usr/bin/env node
// `pnpm package:azure`: packs the Azure DevOps extension (.vsix) with tfx-cli from the built task
// folder, then opens the .vsix and checks what the marketplace and the agent will read: task.json
// as in the repository, the bundled entry with every chunk, the icons, and versions in step with
// @ecr-push/cli (see versions.mjs). The root script builds the task first.
//
//   node scripts/release/azure.mjs [--out FILE]   default: packages/adapter-azure/dist/ecr-push-VERSION.vsix
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { azureTaskVersion } from "./versions.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const packageDir = path.join(root, "packages/adapter-azure");
const taskDir = path.join(packageDir, "dist", "ECRPushImage");

/** The entries of a zip file, by name, read from its central directory. */
export function unzip(file) {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file} is not a zip file.`);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map();
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

function filesUnder(dir, prefix = "") {
  return readdirSync(dir).flatMap((name) =>
    statSync(path.join(dir, name)).isDirectory()
      ? filesUnder(path.join(dir, name), `${prefix}${name}/`)
      : [`${prefix}${name}`],
  );
}

/** What is wrong with the .vsix, one sentence each; empty when it is ready to publish. */
export function checkVsix(file) {
  const problems = [];
  const entries = unzip(file);
  const json = (name) => JSON.parse(readFileSync(path.join(packageDir, name), "utf8"));
  const product = json("../cli/package.json").version;
  const extension = json("vss-extension.json");
  const task = json("task/task.json");
  const expected = azureTaskVersion(product);

  const packedTask = entries.get("dist/ECRPushImage/task.json");
  if (!packedTask) problems.push("it has no dist/ECRPushImage/task.json.");
  else if (JSON.stringify(JSON.parse(String(packedTask))) !== JSON.stringify(task))
    problems.push("its task.json differs from packages/adapter-azure/task/task.json: rebuild the task.");
  for (const target of Object.values(task.execution ?? {}).map((e) => e.target)) {
    if (!entries.has(`dist/ECRPushImage/${target}`))
      problems.push(`it lacks the entry ${target} that task.json runs.`);
  }
  // Every file of the built task folder (entry, chunks, icon, package.json), byte for byte.
  for (const name of filesUnder(taskDir)) {
    const packed = entries.get(`dist/ECRPushImage/${name}`);
    if (!packed) problems.push(`it lacks dist/ECRPushImage/${name}.`);
    else if (!packed.equals(readFileSync(path.join(taskDir, name))))
      problems.push(`its dist/ECRPushImage/${name} differs from the built one.`);
  }
  if (!entries.has("dist/ECRPushImage/icon.png"))
    problems.push("it has no task icon (dist/ECRPushImage/icon.png).");
  if (!entries.has(extension.icons.default))
    problems.push(`it has no extension icon (${extension.icons.default}).`);

  const manifest = String(entries.get("extension.vsixmanifest") ?? "");
  const identity = /<Identity\b[^>]*\bVersion="([^"]+)"/.exec(manifest)?.[1];
  if (identity !== extension.version)
    problems.push(`its manifest has version ${identity}, not vss-extension.json's ${extension.version}.`);
  const show = (v) => `${v.Major}.${v.Minor}.${v.Patch}`;
  if (show(task.version) !== show(expected) || extension.version !== show(expected))
    problems.push(
      `task.json ${show(task.version)} and vss-extension.json ${extension.version} should both be ${show(expected)} for @ecr-push/cli ${product}: run \`node scripts/release/versions.mjs --write\`.`,
    );
  const contributions = String(entries.get("extension.vsomanifest") ?? "");
  for (const type of ["ms.vss-distributed-task.task", "ms.vss-endpoint.service-endpoint-type"])
    if (!contributions.includes(type)) problems.push(`it contributes no ${type}.`);
  return { problems, version: extension.version, entries: entries.size };
}

function main(argv) {
  const outAt = argv.indexOf("--out");
  const extension = JSON.parse(readFileSync(path.join(packageDir, "vss-extension.json"), "utf8"));
  const out = path.resolve(
    outAt >= 0
      ? (argv[outAt + 1] ?? "")
      : path.join(packageDir, "dist", `ecr-push-${extension.version}.vsix`),
  );
  if (!existsSync(path.join(taskDir, "index.js"))) {
    console.error(
      "azure: the task is not built; run `pnpm turbo run build --filter=@ecr-push/adapter-azure...`.",
    );
    return 1;
  }
  const tfx = path.join(packageDir, "node_modules", ".bin", process.platform === "win32" ? "tfx.cmd" : "tfx");
  const packed = spawnSync(
    tfx,
    [
      "extension",
      "create",
      "--root",
      packageDir,
      "--manifest-globs",
      "vss-extension.json",
      "--output-path",
      out,
      "--no-prompt",
    ],
    { cwd: packageDir, encoding: "utf8", shell: process.platform === "win32" },
  );
  if (packed.status !== 0) {
    console.error(
      `azure: tfx extension create failed: ${(packed.stderr || packed.stdout || String(packed.error)).trim()}`,
    );
    return 1;
  }
  const { problems, version, entries } = checkVsix(out);
  const shown = out.startsWith(root + path.sep) ? path.relative(root, out) : out;
  for (const problem of problems) console.error(`azure: ${shown}: ${problem}`);
  if (problems.length > 0) return 1;
  console.log(`azure: wrote ${shown} (version ${version}, ${entries} files, ${statSync(out).size} bytes).`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
