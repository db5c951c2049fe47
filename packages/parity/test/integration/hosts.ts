import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EcrFixture } from "@ecr-push/e2e";

const packages = fileURLToPath(new URL("../../..", import.meta.url));
const built = (...parts: string[]) => path.join(packages, ...parts);

/** One push, as a pipeline author would configure it on any host. */
export interface Scenario {
  /** A local image to push; empty when `promote` is given. */
  image: string;
  /** A `docker://` image to promote instead of pushing (credentials from DOCKER_CONFIG). */
  promote?: string;
  repository: string;
  tags: string[];
  createRepository?: boolean;
  /** Who pushes (`auto`, `registry` or `docker`); unset leaves each host's default. */
  engine?: string;
}

/** What a host reports: the pushed URI and digest, or its one error sentence. */
export interface HostResult {
  code: number;
  imageUri?: string;
  digest?: string;
  sourceDigest?: string;
  error?: string;
  log: string;
}

export interface Host {
  name: string;
  /** How this host spells the inputs that error sentences name. */
  names: { source: string; promote: string; repository: string; createRepository: string };
  /** `env`: extra environment for the entry (a DOCKER_CONFIG holding the promote source's credentials). */
  run(fixture: EcrFixture, scenario: Scenario, env?: Record<string, string>): Promise<HostResult>;
}

/** Runs an entry with a private scratch folder for the files a host reads its results from. */
async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-parity-"));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const HOSTS: Host[] = [
  {
    name: "CLI",
    names: {
      source: "SOURCE",
      promote: "SOURCE",
      repository: "--repository",
      createRepository: "--create-repository",
    },
    async run(fixture, s, env = {}) {
      const args = [
        s.promote ? "promote" : "push",
        s.promote ?? s.image,
        "--repository",
        s.repository,
        ...s.tags.flatMap((t) => ["--tag", t]),
        "--json",
      ];
      if (s.createRepository) args.push("--create-repository");
      if (s.engine) args.push("--engine", s.engine);
      const run = await fixture.runNode(built("cli", "dist", "ecr-push.js"), args, env);
      const doc = run.code === 0 ? JSON.parse(run.stdout) : {};
      const error = /^error: (.*)$/m.exec(run.stderr)?.[1];
      return {
        code: run.code,
        imageUri: doc.imageUri,
        digest: doc.digest,
        sourceDigest: doc.sourceDigest,
        error,
        log: run.stdout + run.stderr,
      };
    },
  },
  {
    name: "GitHub Action",
    names: {
      source: "image",
      promote: "source",
      repository: "repository",
      createRepository: "create-repository",
    },
    run: (fixture, s, env = {}) =>
      withScratch(async (dir) => {
        const outputs = path.join(dir, "output");
        writeFileSync(outputs, "");
        const run = await fixture.runNode(built("adapter-github", "dist", "index.js"), [], {
          GITHUB_ACTIONS: "true",
          GITHUB_OUTPUT: outputs,
          GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
          RUNNER_TEMP: dir,
          ...env,
          INPUT_IMAGE: s.image,
          INPUT_SOURCE: s.promote ?? "",
          INPUT_REPOSITORY: s.repository,
          INPUT_TAGS: s.tags.join("\n"),
          "INPUT_CREATE-REPOSITORY": String(s.createRepository ?? false),
          "INPUT_REMOVE-LOCAL-IMAGE": "false",
          // The runner passes action.yml's default when the step leaves it out.
          INPUT_ENGINE: s.engine ?? "auto",
        });
        // name<<DELIMITER / value / DELIMITER, as @actions/core writes outputs.
        const written = readFileSync(outputs, "utf8");
        const output = (name: string) =>
          new RegExp(`^${name}<<(.+)\\n([^]*?)\\n\\1$`, "m").exec(written)?.[2];
        const error = /^::error::(.*)$/m.exec(run.stdout)?.[1];
        return {
          code: run.code,
          imageUri: output("image-uri"),
          digest: output("digest"),
          sourceDigest: output("source-digest"),
          error,
          log: run.stdout,
        };
      }),
  },
  {
    name: "Azure Pipelines task",
    names: {
      source: "sourceImageName and sourceImageTag",
      promote: "promoteSource",
      repository: "repositoryName",
      createRepository: "autoCreateRepository",
    },
    run: (fixture, s, env = {}) =>
      withScratch(async (dir) => {
        const [name, tag] = s.image.split(":");
        const run = await fixture.runNode(built("adapter-azure", "dist", "ECRPushImage", "index.js"), [], {
          AGENT_TEMPDIRECTORY: dir,
          ...env,
          INPUT_COMMAND: s.promote ? "promote" : "push",
          INPUT_PROMOTESOURCE: s.promote ?? "",
          INPUT_IMAGESOURCE: "imagename",
          INPUT_SOURCEIMAGENAME: name,
          INPUT_SOURCEIMAGETAG: tag,
          INPUT_REPOSITORYNAME: s.repository,
          // The agent fills in task.json's defaultValue, as it would in a pipeline.
          INPUT_PUSHTAG: s.tags[0] ?? "latest",
          INPUT_ADDITIONALTAGS: s.tags.slice(1).join("\n"),
          INPUT_AUTOCREATEREPOSITORY: String(s.createRepository ?? false),
          INPUT_ENGINE: s.engine ?? "auto",
        });
        const variable = (v: string) =>
          new RegExp(`^##vso\\[task\\.setvariable variable=${v};[^\\]]*\\](.*)$`, "m").exec(run.stdout)?.[1];
        const error = /^##vso\[task\.complete result=Failed;\](.*)$/m.exec(run.stdout)?.[1];
        return {
          code: run.code,
          imageUri: variable("imageUri"),
          digest: variable("digest"),
          sourceDigest: variable("sourceDigest"),
          error,
          log: run.stdout,
        };
      }),
  },
  {
    name: "Codefresh step",
    names: {
      source: "IMAGE",
      promote: "SOURCE",
      repository: "REPOSITORY",
      createRepository: "CREATE_REPOSITORY",
    },
    run: (fixture, s, env = {}) =>
      withScratch(async (dir) => {
        const run = await fixture.runNode(built("adapter-codefresh", "dist", "index.js"), [], {
          CF_VOLUME_PATH: dir,
          ...env,
          IMAGE: s.image,
          SOURCE: s.promote ?? "",
          REPOSITORY: s.repository,
          TAGS: s.tags.join(","),
          CREATE_REPOSITORY: String(s.createRepository ?? false),
          ...(s.engine ? { ENGINE: s.engine } : {}),
        });
        let exported = "";
        try {
          exported = readFileSync(path.join(dir, "env_vars_to_export"), "utf8");
        } catch {
          // Nothing is exported after a failure.
        }
        const value = (v: string) => new RegExp(`^${v}=(.*)$`, "m").exec(exported)?.[1];
        const error = /^error: (.*)$/m.exec(run.stderr)?.[1];
        return {
          code: run.code,
          imageUri: value("ECR_IMAGE_URI"),
          digest: value("ECR_IMAGE_DIGEST"),
          sourceDigest: value("ECR_SOURCE_DIGEST"),
          error,
          log: run.stdout + run.stderr,
        };
      }),
  },
  {
    name: "GitLab component",
    names: {
      source: "image",
      promote: "source",
      repository: "repository",
      createRepository: "create-repository",
    },
    run: (fixture, s, env = {}) =>
      withScratch(async (dir) => {
        const job = {
          CI: "true",
          GITLAB_CI: "true",
          CI_PROJECT_DIR: dir,
          CI_JOB_ID: "1",
          ...env,
          // The component sets each variable from its input, or from the input's default.
          ECR_PUSH_IMAGE: s.image,
          ECR_PUSH_SOURCE: s.promote ?? "",
          ECR_PUSH_REPOSITORY: s.repository,
          ECR_PUSH_TAGS: s.tags.join(","),
          ECR_PUSH_CREATE_REPOSITORY: String(s.createRepository ?? false),
          ECR_PUSH_ENGINE: s.engine ?? "auto",
        };
        const run = await fixture.runNode(built("adapter-gitlab", "dist", "index.js"), [], job, { cwd: dir });
        let report = "";
        try {
          report = readFileSync(path.join(dir, "ecr-push.env"), "utf8");
        } catch {
          // No dotenv report after a failure.
        }
        const value = (v: string) => new RegExp(`^${v}=(.*)$`, "m").exec(report)?.[1];
        const error = /^error: (.*)$/m.exec(run.stderr)?.[1];
        return {
          code: run.code,
          imageUri: value("ECR_IMAGE_URI"),
          digest: value("ECR_IMAGE_DIGEST"),
          sourceDigest: value("ECR_SOURCE_DIGEST"),
          error,
          log: run.stdout + run.stderr,
        };
      }),
  },
];
