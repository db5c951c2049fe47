// Two ways a job may differ from the main table's (keys in the environment, a Docker engine):
// credentials from EKS Pod Identity, and local images from podman where docker is absent. Each
// runs through all five shipped entries and must end the same way everywhere.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  commandMissing,
  dockerForTests,
  podmanForTests,
  realPartAvailable,
  skopeoConfig,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTS } from "./hosts.js";

const dockerHost = dockerForTests();
const podmanMissing = await commandMissing("podman", "apt-get install podman");
const podmanReady = realPartAvailable("podman", podmanMissing);

/**
 * What a CI log shows: runners consume their masking commands (GitHub's ::add-mask::, Azure's
 * ##vso[task.setsecret]), which are where a secret is registered, and hide the values afterwards.
 */
function shownInLog(log: string): string {
  return log
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::") && !line.startsWith("##vso[task.setsecret]"))
    .join("\n");
}

/** No keys anywhere: the default chain must find the container credentials. */
const NO_KEYS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
};

describe.runIf(dockerHost)("EKS Pod Identity through all five shipped entries", () => {
  let fixture: EcrFixture;
  let work: string;
  let tokenFile: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "ecr-push-parity-pod-"));
    tokenFile = path.join(work, "eks-pod-identity-token");
    fixture = await EcrFixture.start(dockerHost as string, { podIdentity: { tokenFile } });
    await buildTestImage(dockerHost as string, "parity/pod:1");
  });
  afterAll(async () => {
    await fixture?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("pushes with the pod's credentials on every host, to the same URI and digest, never showing the token", async () => {
    await fixture.createRepository("parity/pod");
    const served = () => fixture.local.assumedRoles.filter((r) => r.action === "AssumeRoleForPodIdentity");
    const results = [];
    for (const h of HOSTS) {
      // The kubelet rotates the token; each run must send the file's content of the moment.
      const token = `eyJhbGciOiJSUzI1NiJ9.${Math.random().toString(36).slice(2)}${Date.now()}.pod`;
      writeFileSync(tokenFile, token);
      const before = served().length;
      const result = await h.run(
        fixture,
        { image: "parity/pod:1", repository: "parity/pod", tags: ["1"] },
        {
          ...NO_KEYS,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: fixture.local.podIdentityUri,
          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
        },
      );
      expect(result.code, `${h.name}: ${result.log}`).toBe(0);
      expect(served().length, h.name).toBe(before + 1);
      const key = served().at(-1)?.accessKeyId;
      expect(
        fixture.local.calls.some((c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === key),
        `${h.name}: ECR was called with the pod's credentials`,
      ).toBe(true);
      expect(shownInLog(result.log), h.name).not.toContain(token);
      results.push({ host: h.name, ...result });
    }
    const expected = `${fixture.local.registry}/parity/pod:1`;
    expect(results.map((r) => [r.host, r.imageUri])).toEqual(HOSTS.map((h) => [h.name, expected]));
    expect(new Set(results.map((r) => r.digest)).size).toBe(1);
  });
});

describe.runIf(podmanReady)("local images from podman through all five shipped entries", () => {
  let fixture: EcrFixture;
  let work: string;
  /** PATH with podman and nothing called docker, and podman's private image store. */
  let env: Record<string, string>;
  let diffIds: string[];
  beforeAll(async () => {
    // No Docker engine: the endpoint alone, and podman's own store.
    fixture = await EcrFixture.start("unix:///nonexistent/docker.sock");
    work = mkdtempSync(path.join(tmpdir(), "ecr-push-parity-podman-"));
    const setup = await podmanForTests(work);
    env = { ...setup.storeEnv, PATH: setup.podmanOnlyPath };
    ({ diffIds } = await setup.build("parity/podman:1", {
      "/app.txt": `parity podman ${Math.random()}\n`.repeat(4000),
    }));
  });
  afterAll(async () => {
    await fixture?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("pushes podman's image on every host where docker is not on PATH, to the same URI and digest", async () => {
    await fixture.createRepository("parity/podman");
    const results = [];
    for (const h of HOSTS) {
      const result = await h.run(
        fixture,
        { image: "parity/podman:1", repository: "parity/podman", tags: ["1"] },
        env,
      );
      expect(result.code, `${h.name}: ${result.log}`).toBe(0);
      results.push({ host: h.name, ...result });
    }
    const expected = `${fixture.local.registry}/parity/podman:1`;
    expect(results.map((r) => [r.host, r.imageUri])).toEqual(HOSTS.map((h) => [h.name, expected]));
    const digests = new Set(results.map((r) => r.digest));
    expect(digests.size).toBe(1);
    // The pushed image is podman's: its config lists podman's diff IDs.
    const config = await skopeoConfig(expected, await fixture.registryCredentials());
    expect(config.rootfs.diff_ids).toEqual(diffIds);
  });
});
