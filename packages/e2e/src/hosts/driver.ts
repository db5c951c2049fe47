import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EcrFixture, EntryRun } from "../ecr-fixture.js";

export type Env = Record<string, string | undefined>;

/** The workspace's packages folder and the repository root, where the built entries and host metadata are. */
export const PACKAGES_DIR = fileURLToPath(new URL("../../../", import.meta.url));
export const REPOSITORY_ROOT = path.dirname(PACKAGES_DIR);

/** Core's outputs (its OutputName), as a host reports them once read back from where it keeps them. */
export type OutputKey =
  | "imageUri"
  | "imageUris"
  | "digest"
  | "registry"
  | "repositoryCreated"
  | "sourceDigest";
export type HostOutputs = Partial<Record<OutputKey, string>>;

/** How a host starts its entry: the arguments, the environment it sets, and the working directory. */
export interface Invocation {
  args: string[];
  env: Env;
  cwd?: string;
}

/** A run of a host's built entry, read back as the host would read it. */
export interface HostRun extends EntryRun {
  /** Core's outputs from the host's own channel (GITHUB_OUTPUT, setvariable, exports, dotenv, --json). */
  outputs: HostOutputs;
  /** The sentences the host shows as its failure (one when it failed), without the host's prefix. */
  errors: string[];
  /** The first of them: the one error sentence. */
  error?: string;
  /** stdout then stderr. */
  log: string;
}

export interface RunOptions {
  /** Environment on top of the host's (credentials, DOCKER_CONFIG...); `undefined` removes a variable. */
  env?: Env;
  /** Another build of the entry (e.g. the Azure task folder copied elsewhere). */
  entry?: string;
  /**
   * The host's own folder (runner files, agent temp, shared volume, project folder), kept after the
   * run; `false`: the host gives none. Unset: a temporary one, removed after the run.
   */
  dir?: string | false;
}

/** One host: where its built entry is, how it starts it for some inputs, and how it reads the run back. */
export interface HostDriver<Inputs, Run extends HostRun = HostRun> {
  readonly name: string;
  readonly entry: string;
  /** The invocation for `inputs`, the host's defaults included; `dir` (the host's folder) is prepared here. */
  invocation(inputs: Inputs, dir?: string): Invocation;
  /** Runs the entry as the host does (a child Node, see EcrFixture.runNode) and reads the run back. */
  run(fixture: EcrFixture, inputs: Inputs, options?: RunOptions): Promise<Run>;
}

interface DriverSpec<Inputs, Extra> {
  name: string;
  entry: string;
  invocation(inputs: Inputs, dir?: string): Invocation;
  /** What the host reads after the run, while its folder still exists. */
  read(run: EntryRun, inputs: Inputs, dir?: string): Extra & { outputs: HostOutputs; errors: string[] };
}

/** A driver from its invocation and how it reads a run back. */
export function hostDriver<Inputs, Extra>(
  spec: DriverSpec<Inputs, Extra>,
): HostDriver<Inputs, HostRun & Extra> {
  return {
    name: spec.name,
    entry: spec.entry,
    invocation: (inputs, dir) => spec.invocation(inputs, dir),
    async run(fixture, inputs, options = {}) {
      const own = options.dir === undefined ? mkdtempSync(path.join(tmpdir(), "ecr-push-host-")) : undefined;
      const dir = own ?? (options.dir || undefined);
      try {
        const invocation = spec.invocation(inputs, dir);
        const run = await fixture.runNode(
          options.entry ?? spec.entry,
          invocation.args,
          { ...invocation.env, ...options.env },
          { cwd: invocation.cwd },
        );
        const read = spec.read(run, inputs, dir);
        return { ...run, ...read, error: read.errors[0], log: run.stdout + run.stderr };
      } finally {
        if (own) rmSync(own, { recursive: true, force: true });
      }
    },
  };
}

/** `dir`, created when missing. */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The lines of `text` that start with `prefix`, without it. */
export function prefixedLines(text: string, prefix: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

/** Core's result variables (ECR_IMAGE_URI...) as core's output names. */
const RESULT_VARIABLES: Record<string, OutputKey> = {
  ECR_IMAGE_URI: "imageUri",
  ECR_IMAGE_URIS: "imageUris",
  ECR_IMAGE_DIGEST: "digest",
  ECR_REGISTRY: "registry",
  ECR_SOURCE_DIGEST: "sourceDigest",
};

/** The outputs in `NAME=value` lines of core's result variables (Codefresh's exports, GitLab's dotenv). */
export function resultVariableOutputs(text: string): HostOutputs {
  const outputs: HostOutputs = {};
  for (const [, name = "", value = ""] of text.matchAll(/^(\w+)=(.*)$/gm)) {
    const key = RESULT_VARIABLES[name];
    if (key) outputs[key] = value;
  }
  return outputs;
}
