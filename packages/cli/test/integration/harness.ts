import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { run } from "@ecr-push/testkit";

export const CLI = fileURLToPath(new URL("../../dist/ecr-push.js", import.meta.url));

export const KEYS = {
  accessKeyId: "AKIAE2ETEST000000001",
  secretAccessKey: "e2e/Secret+Key/ThatMustNeverBePrinted01",
};

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the run left in its private TMPDIR (should be nothing). */
  leftovers: string[];
}

/**
 * A local ECR endpoint plus a way to run the built CLI against it as a user would: a child
 * process with only the environment a CI job would give it, a private HOME and TMPDIR.
 */
export class E2E {
  private constructor(
    readonly local: LocalEcr,
    readonly dockerHost: string,
  ) {}

  static async start(dockerHost: string): Promise<E2E> {
    const local = await startLocalEcr({ ...KEYS, region: "eu-west-3" });
    return new E2E(local, dockerHost);
  }

  async close(): Promise<void> {
    await this.local.close();
  }

  /** The environment of a CI job with AWS keys and the local endpoint. */
  env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      PATH: process.env.PATH,
      DOCKER_HOST: this.dockerHost,
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      AWS_REGION: this.local.region,
      AWS_ENDPOINT_URL_ECR: this.local.endpoint,
      AWS_ENDPOINT_URL_STS: this.local.endpoint,
      // No instance metadata exists here; without this the default chain would wait for it.
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    };
  }

  async cli(args: string[], envOverrides: Record<string, string | undefined> = {}): Promise<CliRun> {
    const home = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-home-"));
    const tmp = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-tmp-"));
    try {
      const env = Object.fromEntries(
        Object.entries({ HOME: home, TMPDIR: tmp, ...this.env(envOverrides) }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      );
      const result = await run(process.execPath, [CLI, ...args], { env });
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
      credentials: KEYS,
    });
  }

  /** Registry credentials, for skopeo. */
  async registryCredentials(): Promise<{ username: string; password: string }> {
    const out = await this.ecr().send(new GetAuthorizationTokenCommand({}));
    const token = out.authorizationData?.[0]?.authorizationToken ?? "";
    const [username = "", password = ""] = Buffer.from(token, "base64").toString("utf8").split(":");
    return { username, password };
  }
}
