// Every shipped entry on every Node its hosts run it with: the suite runs on Node 24 (scripts/test.sh),
// and each built entry also runs here on Node 22 (the lowest engines.node) and, for the Azure task,
// on the Node of each execution handler task.json declares. Same outputs, and not one Node warning.
// The Node binaries are the ones scripts/node.sh fetched (README, Supported Node.js versions).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EcrFixture, type EntryRun } from "@ecr-push/e2e";
import {
  AZURE_HANDLER_NODE,
  buildTestImage,
  cachedNode,
  dockerForTests,
  isCI,
  nodeWarningLines,
  realPartAvailable,
  run,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTS, type Host, type HostResult, type Scenario } from "./hosts.js";

const packages = fileURLToPath(new URL("../../..", import.meta.url));
const taskJson = JSON.parse(readFileSync(path.join(packages, "adapter-azure", "task", "task.json"), "utf8"));
const handlers = Object.keys(taskJson.execution) as string[];

/** The Node majors each entry must run on, newest first (the first run is the one others must equal). */
function majorsOf(host: Host): number[] {
  const majors = new Set([24, 22]);
  if (host.name === "Azure Pipelines task")
    for (const handler of handlers) majors.add(AZURE_HANDLER_NODE[handler] ?? Number.NaN);
  return [...majors].sort((a, b) => b - a);
}

/**
 * Preloaded into every entry run here: prints each process warning on stderr as it is emitted, even
 * one the entry's warning handler would route to a debug log or drop (startHostProcess removes
 * the other listeners), so the test sees every warning any Node emits, not only the printed ones.
 */
const WARNING_PROBE = `--import=data:text/javascript;base64,${Buffer.from(
  `const probe = (w) => process.stderr.write("(node-warning-probe) " + w.name + ": " + String(w.message).replace(/\\s+/g, " ") + "\\n");
process.on("warning", probe);
const removeAll = process.removeAllListeners;
process.removeAllListeners = function (...names) {
  const result = removeAll.apply(this, names);
  if (names.length === 0 || names[0] === "warning") process.on("warning", probe);
  return result;
};`,
).toString("base64")}`;

const CASES = HOSTS.flatMap((host) => majorsOf(host).map((major) => ({ host, major })));
const AZURE = HOSTS.find((h) => h.name === "Azure Pipelines task") as Host;
const slug = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, "-");
const pushTo = (repository: string): Scenario => ({
  image: "node-versions/app:1",
  repository,
  tags: ["1.0.0", "stable"],
  createRepository: true,
});

/** The cached Node of `major`, checked to be that release; undefined when the test may skip. */
async function nodeOf(major: number) {
  const node = cachedNode(major);
  if (!realPartAvailable(`Node ${major}`, typeof node === "string" ? node : undefined)) return undefined;
  if (typeof node === "string") return undefined;
  // scripts/node.sh checked this when it unpacked it; a binary replaced since would not say so.
  expect((await run(node.path, ["--version"])).stdout.trim()).toBe(`v${node.version}`);
  return node;
}
const dockerHost = dockerForTests();

describe("the Node versions each entry is tested on", () => {
  it("covers every Azure execution handler task.json declares, and no unknown one", () => {
    for (const handler of handlers) expect(AZURE_HANDLER_NODE[handler], handler).toBeGreaterThanOrEqual(20);
    expect(majorsOf(AZURE)).toEqual(expect.arrayContaining(handlers.map((h) => AZURE_HANDLER_NODE[h])));
  });

  it("covers the lowest engines.node of each shipped package", () => {
    for (const name of [
      "cli",
      "core",
      "adapter-azure",
      "adapter-github",
      "adapter-codefresh",
      "adapter-gitlab",
    ]) {
      const manifest = JSON.parse(readFileSync(path.join(packages, name, "package.json"), "utf8"));
      const lowest = Number(/^>=(\d+)/.exec(manifest.engines?.node ?? "")?.[1]);
      expect([name, lowest]).toEqual([name, 22]);
    }
  });

  it.runIf(isCI())("runs this suite, and the `node` its tests spawn, on Node 24 on CI", async () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
    const spawned = await run("node", ["-p", "process.execPath + ' ' + process.version"]);
    expect(spawned.stdout.trim()).toBe(`${process.execPath} ${process.version}`);
  });
});

describe.runIf(dockerHost)("each entry on each Node its hosts use", () => {
  const host = dockerHost as string;
  let fixture: EcrFixture;
  /** The first (newest Node's) result of each host and case, which every other Node must equal. */
  const reference = new Map<string, HostResult>();

  beforeAll(async () => {
    fixture = await EcrFixture.start(host);
    await buildTestImage(host, "node-versions/app:1", { layers: 2 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  /** Runs `h` on `node`, with stdout and stderr both kept (a host's result keeps only its log). */
  async function runOn(h: Host, node: string, scenario: Scenario) {
    const base = fixture.withNode(node);
    const runs: EntryRun[] = [];
    const recording = Object.create(base) as EcrFixture;
    recording.runNode = async (...args: Parameters<EcrFixture["runNode"]>) => {
      const result = await base.runNode(...args);
      runs.push(result);
      return result;
    };
    const result = await h.run(recording, scenario, { NODE_OPTIONS: WARNING_PROBE });
    const output = runs.map((r) => `${r.stdout}\n${r.stderr}`).join("\n");
    return { result, output };
  }

  it.each(CASES.map((c) => [c.host.name, c.major, c] as const))(
    "%s on Node %i: pushes, fails bad input with the same sentence, and prints no Node warning",
    async (_name, major, { host: h }) => {
      const node = await nodeOf(major);
      if (!node) return;

      const push = pushTo(`node-versions/${slug(h.name)}`);
      const pushed = await runOn(h, node.path, push);
      expect(pushed.result.code, pushed.output).toBe(0);
      expect(pushed.result.imageUri).toBe(`${fixture.local.registry}/${push.repository}:1.0.0`);
      expect(pushed.result.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(nodeWarningLines(pushed.output), pushed.output).toEqual([]);

      const bad: Scenario = { image: "node-versions/app:1", repository: "Bad_Repo", tags: ["1"] };
      const failed = await runOn(h, node.path, bad);
      expect(failed.result.code, failed.output).not.toBe(0);
      expect(failed.result.error, failed.output).toMatch(/Bad_Repo/);
      expect(nodeWarningLines(failed.output), failed.output).toEqual([]);

      // The same outputs as on the newest Node (the first case of this host to run).
      const outputs = { push: pushed.result, bad: failed.result };
      for (const [key, result] of Object.entries(outputs)) {
        const first = reference.get(`${h.name} ${key}`);
        if (!first) reference.set(`${h.name} ${key}`, result);
        else
          expect([result.code, result.imageUri, result.digest, result.error]).toEqual([
            first.code,
            first.imageUri,
            first.digest,
            first.error,
          ]);
      }
    },
  );

  // Why task.json has no Node20_1 (README, Supported Node.js versions): on Node 20 the bundled AWS
  // SDK warns that its releases after January 2027 need Node 22, or the task does not even push.
  it.runIf(!handlers.includes("Node20_1"))(
    "Azure Pipelines task on Node 20, no longer declared: the bundled SDK warns there",
    async () => {
      const node = await nodeOf(20);
      if (!node) return;
      const pushed = await runOn(AZURE, node.path, pushTo("node-versions/azure-on-node-20"));
      const warnings = nodeWarningLines(pushed.output);
      expect(
        pushed.result.code !== 0 || warnings.some((w) => /NodeVersionSupportWarning/.test(w)),
        `Node 20 now runs the task cleanly: Node20_1 could return to task.json\n${pushed.output}`,
      ).toBe(true);
    },
  );
});
