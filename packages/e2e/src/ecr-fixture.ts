import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  UpdateImageStorageClassCommand,
} from "@aws-sdk/client-ecr";
import { type LocalEcr, type LocalEcrOptions, startLocalEcr } from "@ecr-push/ecr-local";
import { run } from "@ecr-push/testkit";

/** Keys the fixture's endpoint accepts; the secret must never show up in any output. */
export const TEST_KEYS = {
  accessKeyId: "AKIAE2ETEST000000001",
  secretAccessKey: "e2e/Secret+Key/ThatMustNeverBePrinted01",
};

export interface EntryRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the run left in its private TMPDIR (should be nothing). */
  leftovers: string[];
}

type Env = Record<string, string | undefined>;

/**
 * A local ECR endpoint plus a way to run a built entry (the CLI, a task, an action, a step) as a
 * host would: a child Node process with only the environment a CI job gives it, and a private
 * HOME and TMPDIR checked for leftovers afterwards.
 */
export class EcrFixture {
  private constructor(
    readonly local: LocalEcr,
    readonly dockerHost: string,
    /** The Node that runNode() runs entries with: the test's own unless withNode() chose another. */
    readonly node: string = process.execPath,
  ) {}

  static async start(dockerHost: string, options: LocalEcrOptions = {}): Promise<EcrFixture> {
    return new EcrFixture(await startLocalEcr({ ...TEST_KEYS, region: "eu-west-3", ...options }), dockerHost);
  }

  close(): Promise<void> {
    return this.local.close();
  }

  /**
   * The same endpoint, with entries run by `node` (another Node version), whose folder also comes
   * first on the entry's PATH as on a host with that Node. Close the original, not this view.
   */
  withNode(node: string): EcrFixture {
    return new EcrFixture(this.local, this.dockerHost, node);
  }

  /** The environment of a CI job with AWS keys and the local endpoint; `undefined` removes a variable. */
  env(extra: Env = {}): Env {
    const onPath = this.node === process.execPath ? [] : [path.dirname(this.node)];
    return {
      PATH: [...onPath, process.env.PATH].filter(Boolean).join(path.delimiter),
      DOCKER_HOST: this.dockerHost,
      AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey,
      AWS_REGION: this.local.region,
      AWS_ENDPOINT_URL_ECR: this.local.endpoint,
      AWS_ENDPOINT_URL_STS: this.local.endpoint,
      // No instance metadata exists here; without this the default chain would wait for it.
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    };
  }

  /** Runs `node entry args...` (see withNode) with env(overrides) plus a private HOME and TMPDIR. */
  async runNode(
    entry: string,
    args: string[],
    overrides: Env = {},
    options: { cwd?: string } = {},
  ): Promise<EntryRun> {
    const home = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-home-"));
    const tmp = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-tmp-"));
    try {
      const env = Object.fromEntries(
        Object.entries({ HOME: home, TMPDIR: tmp, ...this.env(overrides) }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
      const result = await run(this.node, [entry, ...args], { env, cwd: options.cwd });
      return { ...result, leftovers: readdirSync(tmp) };
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  ecr(): ECRClient {
    return new ECRClient({
      region: this.local.region,
      endpoint: this.local.endpoint,
      credentials: TEST_KEYS,
    });
  }

  async createRepository(
    name: string,
    settings: Partial<CreateRepositoryCommand["input"]> = {},
  ): Promise<void> {
    await this.ecr().send(new CreateRepositoryCommand({ repositoryName: name, ...settings }));
  }

  /** Archives an image (ARCHIVE) or restores it (STANDARD), as UpdateImageStorageClass does; its new status. */
  async setStorageClass(
    repositoryName: string,
    imageDigest: string,
    targetStorageClass: "ARCHIVE" | "STANDARD",
  ): Promise<string | undefined> {
    const answer = await this.ecr().send(
      new UpdateImageStorageClassCommand({ repositoryName, imageId: { imageDigest }, targetStorageClass }),
    );
    return answer.imageStatus;
  }

  /** Registry credentials (`AWS` and the password), for skopeo or docker login in assertions. */
  async registryCredentials(): Promise<{ username: string; password: string }> {
    return registryCredentialsOf(this.local);
  }
}

/** The registry user name and password a local endpoint hands out (GetAuthorizationToken with TEST_KEYS). */
export async function registryCredentialsOf(
  local: LocalEcr,
): Promise<{ username: string; password: string }> {
  const client = new ECRClient({ region: local.region, endpoint: local.endpoint, credentials: TEST_KEYS });
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken ?? "";
    const [username = "", password = ""] = Buffer.from(token, "base64").toString("utf8").split(":");
    return { username, password };
  } finally {
    client.destroy();
  }
}

/** One clear line of failure: exactly one line matching `prefix`, and no stack trace anywhere. */
export function errorLines(output: string, prefix: string | RegExp): string[] {
  return output
    .split("\n")
    .filter((line) => (typeof prefix === "string" ? line.startsWith(prefix) : prefix.test(line)));
}
