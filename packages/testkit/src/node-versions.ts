import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** An official Node.js binary that scripts/node.sh unpacked from the npm registry. */
export interface NodeBinary {
  /** Its version without the `v`, as `22.23.5`. */
  version: string;
  /** The `node` executable. */
  path: string;
}

/** Where scripts/node.sh keeps them: `${XDG_CACHE_HOME:-~/.cache}/ecr-push/node/VERSION/bin/node`. */
export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), ".cache");
  return path.join(base, "ecr-push", "node");
}

const numbers = (version: string) => version.split(".").map(Number);

/**
 * The newest cached Node of `major` (what `./scripts/setup.sh` fetched), or the reason there is
 * none, for realPartAvailable(): setup fetches only on linux-x64.
 */
export function cachedNode(major: number, env: NodeJS.ProcessEnv = process.env): NodeBinary | string {
  const dir = nodeCacheDir(env);
  const versions = existsSync(dir)
    ? readdirSync(dir).filter(
        (name) =>
          new RegExp(`^${major}\\.\\d+\\.\\d+$`).test(name) &&
          existsSync(path.join(dir, name, "bin", "node")),
      )
    : [];
  const newest = versions.sort((a, b) => {
    const [x, y] = [numbers(a), numbers(b)];
    return (x[1] ?? 0) - (y[1] ?? 0) || (x[2] ?? 0) - (y[2] ?? 0);
  })[versions.length - 1];
  if (!newest)
    return `no Node ${major} in ${dir}: run ./scripts/setup.sh, which fetches it with scripts/node.sh (linux-x64 only)`;
  return { version: newest, path: path.join(dir, newest, "bin", "node") };
}

/** The Node major each Azure Pipelines execution handler runs a task with (agent 4.265.1 and later). */
export const AZURE_HANDLER_NODE: Readonly<Record<string, number>> = {
  Node: 6,
  Node10: 10,
  Node16: 16,
  Node20_1: 20,
  Node24: 24,
};

/**
 * Lines of `output` that are Node process warnings: `(node:PID) ...` lines as Node prints them, any
 * `NameWarning: ...` a warning handler printed (DeprecationWarning, ExperimentalWarning, the AWS SDK's
 * NodeVersionSupportWarning...), Node's `--trace-warnings` hint, and the SDK's own wording.
 */
export function nodeWarningLines(output: string): string[] {
  return output
    .split(/\r?\n/)
    .filter(
      (line) =>
        /\(node:\d+\)/.test(line) ||
        /\b[A-Za-z]*Warning\b:/.test(line) ||
        /--trace-(deprecation|warnings)/.test(line) ||
        /will require node >=\d+/i.test(line),
    );
}
