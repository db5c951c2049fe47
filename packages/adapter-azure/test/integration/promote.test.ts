import { EcrFixture, registryCredentialsOf, TEST_KEYS } from "@ecr-push/e2e";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { buildTestImage, dockerForTests, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  commands,
  copyTaskFolder,
  inputs,
  KEYS,
  NO_ENV_KEYS,
  runTask,
  serviceConnection,
} from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("the task's command input: promote and retag (two local ECRs)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let source: LocalEcr;
  let sourcePassword: string;
  let task: ReturnType<typeof copyTaskFolder>;
  const connection = () => ({
    ...NO_ENV_KEYS,
    ...serviceConnection({ username: KEYS.accessKeyId, password: KEYS.secretAccessKey }),
  });

  beforeAll(async () => {
    task = copyTaskFolder();
    e2e = await EcrFixture.start(host);
    source = await startLocalEcr({ ...TEST_KEYS, accountId: "210987654321", region: "us-west-2" });
    sourcePassword = (await registryCredentialsOf(source)).password;
  });
  afterAll(async () => {
    task?.remove();
    await e2e?.close();
    await source?.close();
  });

  it("promotes a docker:// image with the same digest, sets sourceDigest and masks the source password", async () => {
    await buildTestImage(host, "azure/promote-src:1", { layers: 2 });
    // The image gets into the source registry with the task itself, pointed at that endpoint.
    const pushed = await runTask(e2e, task.entry, {
      ...connection(),
      AWS_ENDPOINT_URL_ECR: source.endpoint,
      AWS_ENDPOINT_URL_STS: source.endpoint,
      ...inputs({
        regionName: source.region,
        sourceImageName: "azure/promote-src",
        sourceImageTag: "1",
        repositoryName: "azure/src",
        pushTag: "1",
        autoCreateRepository: "true",
      }),
    });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    const run = await runTask(e2e, task.entry, {
      ...connection(),
      ...inputs({
        command: "promote",
        regionName: e2e.local.region,
        promoteSource: `docker://${source.registry}/azure/src:1`,
        sourceUsername: "AWS",
        sourcePassword,
        repositoryName: "azure/promoted",
        pushTag: "v1",
        autoCreateRepository: "true",
      }),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const seenSource = await skopeoInspect(`${source.registry}/azure/src:1`, {
      username: "AWS",
      password: sourcePassword,
    });
    const seenTarget = await skopeoInspect(
      `${e2e.local.registry}/azure/promoted:v1`,
      await e2e.registryCredentials(),
    );
    expect(seenTarget.Digest).toBe(seenSource.Digest);
    const variables = commands(run.lines, "task.setvariable");
    expect(variables).toContain(
      `##vso[task.setvariable variable=sourceDigest;isOutput=true;issecret=false;]${seenSource.Digest}`,
    );
    expect(variables).toContain(
      `##vso[task.setvariable variable=digest;isOutput=true;issecret=false;]${seenSource.Digest}`,
    );
    expect(commands(run.lines, "task.complete")).toEqual([
      `##vso[task.complete result=Succeeded;]Promoted ${e2e.local.registry}/azure/promoted:v1.`,
    ]);
    const leaks = run.lines.filter(
      (l) => l.includes(sourcePassword) && !l.startsWith("##vso[task.setsecret]"),
    );
    expect(leaks).toEqual([]);
    expect(run.stderr).not.toContain(sourcePassword);

    // And a retag of what was promoted: no blob moves.
    const before = e2e.local.stats.blobBytesReceived;
    const retag = await runTask(e2e, task.entry, {
      ...connection(),
      ...inputs({
        command: "retag",
        regionName: e2e.local.region,
        repositoryName: "azure/promoted",
        existingImage: "v1",
        pushTag: "stable",
      }),
    });
    expect(retag.code, retag.stdout + retag.stderr).toBe(0);
    expect(e2e.local.stats.blobBytesReceived).toBe(before);
    expect(e2e.local.repository("azure/promoted")?.imageTags.stable).toBe(seenSource.Digest);
    expect(commands(retag.lines, "task.complete")).toEqual([
      `##vso[task.complete result=Succeeded;]Tagged ${e2e.local.registry}/azure/promoted:stable.`,
    ]);
  });
});
