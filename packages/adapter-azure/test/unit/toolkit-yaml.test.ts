import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readCredentials } from "../../src/credentials.js";
import { readTaskInputs } from "../../src/inputs.js";
import { envAgent, inputEnv } from "./agent-env.js";

const read = (file: string) => readFileSync(new URL(file, import.meta.url), "utf8");
const pipeline = parse(read("../fixtures/ecrpushimage-v1.yml"));
const step = pipeline.steps[0];
const inputs: Record<string, unknown> = step.inputs;
const taskJson = JSON.parse(read("../../task/task.json"));
const declared = new Map<string, { defaultValue: string; type: string }>(
  taskJson.inputs.map((input: { name: string }) => [input.name, input]),
);

/** The AWS Toolkit's ECRPushImage@1 inputs and their defaults: a public contract we keep. */
const TOOLKIT_INPUTS: Record<string, string> = {
  awsCredentials: "",
  regionName: "",
  imageSource: "imagename",
  sourceImageName: "",
  sourceImageTag: "latest",
  sourceImageId: "",
  repositoryName: "",
  pushTag: "latest",
  autoCreateRepository: "false",
  forceDockerNamingConventions: "false",
  removeDockerImage: "false",
  outputVariable: "",
  logRequest: "false",
  logResponse: "false",
};

describe("a pipeline written for ECRPushImage@1", () => {
  it("names our task and only inputs our task.json declares", () => {
    expect(step.task).toBe(`${taskJson.name}@${taskJson.version.Major}`);
    for (const name of Object.keys(inputs)) expect(declared.has(name), name).toBe(true);
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(TOOLKIT_INPUTS).sort());
  });

  it("finds every Toolkit input declared with the Toolkit's name, default and kind", () => {
    for (const [name, defaultValue] of Object.entries(TOOLKIT_INPUTS)) {
      expect(String(declared.get(name)?.defaultValue), name).toBe(defaultValue);
    }
    expect(declared.get("awsCredentials")?.type).toBe("connectedService:AWS");
    expect(declared.get("imageSource")).toMatchObject({
      options: { imagename: expect.any(String), imageid: expect.any(String), archive: expect.any(String) },
    });
  });

  it("reads each input as the Toolkit does", async () => {
    const agent = envAgent({
      ...inputEnv(inputs),
      // The agent resolves the connection name to its id and gives its parameters.
      INPUT_AWSCREDENTIALS: "0c6f1b0e-1111-4aaa-8bbb-123456789012",
      "ENDPOINT_AUTH_SCHEME_0C6F1B0E-1111-4AAA-8BBB-123456789012": "UsernamePassword",
      "ENDPOINT_AUTH_PARAMETER_0C6F1B0E-1111-4AAA-8BBB-123456789012_USERNAME": "AKIAYAMLTEST00000001",
      "ENDPOINT_AUTH_PARAMETER_0C6F1B0E-1111-4AAA-8BBB-123456789012_PASSWORD":
        "yaml/secret/key/0000000000000000000000",
    });
    const settings = readTaskInputs(agent);
    const masked: string[] = [];
    const credentials = await readCredentials(agent, { mask: (s) => masked.push(s) }, async () => "");
    expect(settings.raw).toEqual({
      // imageSource imagename: sourceImageName:sourceImageTag; sourceImageId ignored.
      source: "azure/yaml-web:1.2.3",
      // forceDockerNamingConventions: lower-cased, forbidden characters replaced, `/` kept.
      repository: "team/web-app",
      tags: ["v1.2.3", ""],
      // regionName is lower-cased as the Toolkit does.
      region: "eu-west-3",
      // Not in a Toolkit pipeline: AWS_USE_DUALSTACK_ENDPOINT decides.
      dualStack: "",
      registryId: "",
      createRepository: true,
      imageTagMutability: "",
      scanOnPush: "",
      kmsKey: "",
      repositoryTags: "",
      imageTagMutabilityExclusionFilters: "",
      lifecyclePolicy: "",
      repositoryPolicy: "",
      removeLocalImage: true,
      // ECR Public's inputs: not in a Toolkit pipeline, so unset.
      publicDescription: "",
      publicAboutText: "",
      publicUsageText: "",
      publicArchitectures: "",
      publicOperatingSystems: "",
      publicLogo: "",
      concurrency: "",
      // Not in a Toolkit pipeline: core's defaults (auto, gzip) apply.
      engine: "",
      compression: "",
      // Not in a Toolkit pipeline: every platform, attestations kept.
      platform: "",
      dropAttestations: false,
    });
    expect(settings).toMatchObject({
      outputVariable: "WEB_IMAGE_URI",
      digestOutputVariable: "",
      verbose: true,
    });
    expect(credentials.raw).toEqual({
      accessKeyId: "AKIAYAMLTEST00000001",
      secretAccessKey: "yaml/secret/key/0000000000000000000000",
      sessionToken: "",
      roleArn: "",
      externalId: "",
      roleSessionName: "",
      roleDurationSeconds: "",
      webIdentityToken: "",
    });
    expect(masked).toEqual(["yaml/secret/key/0000000000000000000000"]);
  });

  it.each([
    [
      { imageSource: "imageid", sourceImageId: "sha256:abc", sourceImageName: "ignored" },
      "sha256:abc",
      "sourceImageId",
    ],
    [{ sourceImageName: "web", sourceImageTag: "" }, "web:latest", "sourceImageName and sourceImageTag"],
    [{ sourceImageName: "web" }, "web:latest", "sourceImageName and sourceImageTag"],
    [{}, "", "sourceImageName"],
    [
      { imageSource: "archive", sourceArchive: "docker-archive:/builds/app.tar", sourceImageName: "ignored" },
      "docker-archive:/builds/app.tar",
      "sourceArchive",
    ],
  ])("reads the source of %j as %j", (given, source, name) => {
    const settings = readTaskInputs(envAgent(inputEnv({ repositoryName: "web", ...given })));
    expect(settings.raw.source).toBe(source);
    expect(settings.names.source).toBe(name);
  });

  it("asks for a docker-archive: or oci: prefix when sourceArchive is a bare path", () => {
    expect(() =>
      readTaskInputs(
        envAgent(
          inputEnv({ repositoryName: "web", imageSource: "archive", sourceArchive: "/builds/app.tar" }),
        ),
      ),
    ).toThrow(
      'Invalid sourceArchive "/builds/app.tar": write docker-archive:/builds/app.tar for a docker save tarball or oci:/builds/app.tar for an OCI image layout.',
    );
  });

  it("passes concurrency on for an archive source and names it as the task does", () => {
    const settings = readTaskInputs(
      envAgent(
        inputEnv({
          repositoryName: "web",
          imageSource: "archive",
          sourceArchive: "oci:/l",
          concurrency: "8",
        }),
      ),
    );
    expect(settings.raw.concurrency).toBe("8");
    expect(settings.names.concurrency).toBe("concurrency");
  });

  it("keeps the repository name as given without forceDockerNamingConventions", () => {
    const settings = readTaskInputs(envAgent(inputEnv({ repositoryName: "Team/Web App" })));
    expect(settings.raw.repository).toBe("Team/Web App");
  });

  it("takes the region from the AWS.Region variable when regionName is empty, and names it", () => {
    // The agent gives the variable AWS.Region as AWS_REGION.
    const settings = readTaskInputs(envAgent({ AWS_REGION: "eu-central-1" }));
    expect(settings.raw.region).toBe("eu-central-1");
    expect(settings.names.region).toBe("AWS.Region variable");
  });

  it("rejects an unknown imageSource in one sentence", () => {
    expect(() => readTaskInputs(envAgent(inputEnv({ imageSource: "digest" })))).toThrow(
      'Invalid imageSource "digest": use imagename, imageid or archive.',
    );
  });

  it("adds additionalTags after pushTag and names both in errors", () => {
    const settings = readTaskInputs(envAgent(inputEnv({ pushTag: "1.0", additionalTags: "1,stable" })));
    expect(settings.raw.tags).toEqual(["1.0", "1,stable"]);
    expect(settings.names.tags).toBe("pushTag or additionalTags");
  });
});
