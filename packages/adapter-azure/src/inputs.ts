import {
  type HostInputTable,
  hostInputNames,
  InputError,
  type InputNames,
  type RawPushInputs,
  toDockerRepositoryName,
} from "@ecr-push/core";
import type { Agent } from "./agent.js";

/**
 * Every core input as task.json (or its service connection) spells it, or why the task has none:
 * the task's side of the input contract (a new core input does not compile until it is here).
 * These are the names core's sentences use unless a run names an input more precisely (which of
 * sourceImageName, sourceImageId or sourceArchive was used; a service connection or variables).
 */
export const AZURE_INPUTS: HostInputTable = {
  source: "sourceImageName",
  repository: "repositoryName",
  tags: "pushTag",
  region: "regionName",
  dualStack: "dualStack",
  registryId: "registryId",
  createRepository: "autoCreateRepository",
  imageTagMutability: "imageTagMutability",
  scanOnPush: "scanOnPush",
  encryptionType: {
    notOffered: "kmsKeyArn alone chooses KMS; without it a repository is created with AES256",
  },
  kmsKey: "kmsKeyArn",
  repositoryTags: "repositoryTags",
  imageTagMutabilityExclusionFilters: "imageTagMutabilityExclusionFilters",
  lifecyclePolicy: "lifecyclePolicy",
  repositoryPolicy: "repositoryPolicy",
  accessKeyId: "Access Key ID of service connection awsCredentials",
  secretAccessKey: "Secret Access Key of service connection awsCredentials",
  sessionToken: "session token of service connection awsCredentials",
  profile: { notOffered: "the Toolkit's task has none; a service connection or the AWS.* variables instead" },
  roleArn: "role ARN of service connection awsCredentials",
  externalId: "external ID of service connection awsCredentials",
  roleSessionName: "role session name of service connection awsCredentials",
  roleDurationSeconds: "aws.rolecredential.maxduration variable",
  webIdentityToken: "OIDC token of service connection awsCredentials",
  webIdentityTokenFile: { notOffered: "an OIDC service connection hands the token over directly" },
  removeLocalImage: "removeDockerImage",
  publicDescription: "publicDescription",
  publicAboutText: "publicAboutText",
  publicUsageText: "publicUsageText",
  publicArchitectures: "publicArchitectures",
  publicOperatingSystems: "publicOperatingSystems",
  publicLogo: "publicLogo",
  concurrency: "concurrency",
  engine: "engine",
  compression: "compression",
  registrySource: { notOffered: "command: promote reads promoteSource as its source instead" },
  sourceProfile: {
    notOffered: "agents have no shared AWS config the task could name; sourceRoleArn instead",
  },
  sourceRoleArn: "sourceRoleArn",
  sourceEndpointUrl: { notOffered: "AWS_ENDPOINT_URL_ECR in the job's variables serves the same purpose" },
  sourceUsername: "sourceUsername",
  sourcePassword: "sourcePassword",
  platform: "platforms",
  dropAttestations: "dropAttestations",
};

/** The task's default spellings for core's sentences. */
export const AZURE_INPUT_NAMES: Partial<InputNames> = hostInputNames(AZURE_INPUTS);

/** What the task does besides the push itself: where its results go and how much it logs. */
export interface TaskSettings {
  /** push (the default, what ECRPushImage@1 does), retag or promote. */
  command: TaskCommand;
  raw: RawPushInputs;
  names: Partial<InputNames>;
  /** Variable set to the first image URI (the Toolkit's `outputVariable`). */
  outputVariable: string;
  digestOutputVariable: string;
  /** `logRequest`/`logResponse`: debug lines go to the visible log, not only the debug log. */
  verbose: boolean;
}

/** The inputs of task.json that are not credentials, as the AWS Toolkit's ECRPushImage@1 reads them. */
export function readTaskInputs(agent: Agent): TaskSettings {
  const command = commandOf(agent);
  const settings = readPushInputs(agent, command);
  if (command === "retag") {
    // The image to tag: repositoryName and existingImage, as REPOSITORY:TAG or REPOSITORY@DIGEST.
    const existing = agent.input("existingImage");
    const repository = settings.raw.repository as string;
    settings.raw.source = existing && `${repository}${existing.startsWith("sha256:") ? "@" : ":"}${existing}`;
    settings.names.source = "existingImage";
  }
  if (command === "promote") {
    Object.assign(settings.raw, {
      source: agent.input("promoteSource"),
      sourceRoleArn: agent.input("sourceRoleArn"),
      sourceUsername: agent.input("sourceUsername"),
      sourcePassword: agent.secretInput?.("sourcePassword") ?? agent.input("sourcePassword"),
    });
    Object.assign(settings.names, {
      source: "promoteSource",
      sourceRoleArn: "sourceRoleArn",
      sourceUsername: "sourceUsername",
      sourcePassword: "sourcePassword",
    });
  }
  if (command !== "push") {
    // Push-only inputs: a local image's removal, the parallel uploads, who pushes, the layers' compression.
    settings.raw.removeLocalImage = false;
    settings.raw.concurrency = undefined;
    settings.raw.engine = undefined;
    settings.raw.compression = undefined;
    for (const key of PUBLIC_KEYS) settings.raw[key] = undefined;
  }
  return settings;
}

export type TaskCommand = "push" | "retag" | "promote";

/** ECR Public's inputs: the task spells them as core does. */
const PUBLIC_KEYS = [
  "publicDescription",
  "publicAboutText",
  "publicUsageText",
  "publicArchitectures",
  "publicOperatingSystems",
  "publicLogo",
] as const;

function commandOf(agent: Agent): TaskCommand {
  const value = agent.input("command").toLowerCase() || "push";
  if (value === "push" || value === "retag" || value === "promote") return value;
  throw new InputError("source", `Invalid command "${value}": use push, retag or promote.`);
}

function readPushInputs(agent: Agent, command: TaskCommand): TaskSettings {
  const imageSource = command === "push" ? imageSourceOf(agent) : "imagename";
  const byId = imageSource === "imageid";
  const name = agent.input("sourceImageName");
  const source =
    imageSource === "archive"
      ? archiveInput(agent)
      : byId
        ? agent.input("sourceImageId")
        : name && `${name}:${agent.input("sourceImageTag") || "latest"}`;
  const repository = agent.input("repositoryName");
  const additionalTags = agent.input("additionalTags");
  const regionInput = agent.input("regionName").toLowerCase();
  const region = regionInput || agent.variable("AWS.Region");
  return {
    command,
    raw: {
      source,
      repository: bool(agent, "forceDockerNamingConventions")
        ? toDockerRepositoryName(repository)
        : repository,
      tags: [agent.input("pushTag"), additionalTags],
      region,
      dualStack: agent.input("dualStack"),
      registryId: agent.input("registryId"),
      createRepository: bool(agent, "autoCreateRepository"),
      imageTagMutability: agent.input("imageTagMutability"),
      scanOnPush: agent.input("scanOnPush"),
      kmsKey: agent.input("kmsKeyArn"),
      repositoryTags: agent.input("repositoryTags"),
      imageTagMutabilityExclusionFilters: agent.input("imageTagMutabilityExclusionFilters"),
      lifecyclePolicy: agent.input("lifecyclePolicy"),
      repositoryPolicy: agent.input("repositoryPolicy"),
      removeLocalImage: bool(agent, "removeDockerImage"),
      ...Object.fromEntries(PUBLIC_KEYS.map((key) => [key, agent.input(key)])),
      concurrency: agent.input("concurrency"),
      engine: agent.input("engine"),
      compression: agent.input("compression"),
      platform: agent.input("platforms"),
      dropAttestations: bool(agent, "dropAttestations"),
    },
    names: {
      source:
        imageSource === "archive"
          ? "sourceArchive"
          : byId
            ? "sourceImageId"
            : name
              ? "sourceImageName and sourceImageTag"
              : "sourceImageName",
      repository: "repositoryName",
      tags: additionalTags ? "pushTag or additionalTags" : "pushTag",
      region: regionInput || !region ? "regionName" : "AWS.Region variable",
      dualStack: "dualStack",
      registryId: "registryId",
      createRepository: "autoCreateRepository",
      imageTagMutability: "imageTagMutability",
      scanOnPush: "scanOnPush",
      kmsKey: "kmsKeyArn",
      concurrency: "concurrency",
      engine: "engine",
      compression: "compression",
      platform: "platforms",
      dropAttestations: "dropAttestations",
      repositoryTags: "repositoryTags",
      imageTagMutabilityExclusionFilters: "imageTagMutabilityExclusionFilters",
      lifecyclePolicy: "lifecyclePolicy",
      repositoryPolicy: "repositoryPolicy",
      removeLocalImage: "removeDockerImage",
      ...Object.fromEntries(PUBLIC_KEYS.map((key) => [key, key])),
    },
    outputVariable: agent.input("outputVariable"),
    digestOutputVariable: agent.input("digestOutputVariable"),
    verbose: bool(agent, "logRequest") || bool(agent, "logResponse"),
  };
}

/** sourceArchive names its format by prefix: a bare path could be either, so say which to write. */
function archiveInput(agent: Agent): string {
  const value = agent.input("sourceArchive");
  if (!value || /^(docker-archive|oci):/.test(value)) return value;
  throw new InputError(
    "source",
    `Invalid sourceArchive "${value}": write docker-archive:${value} for a docker save tarball or oci:${value} for an OCI image layout.`,
  );
}

/** The Toolkit's two ways to name a local image, plus `archive`: a daemonless source (sourceArchive). */
function imageSourceOf(agent: Agent): "imagename" | "imageid" | "archive" {
  const value = agent.input("imageSource").toLowerCase() || "imagename";
  if (value === "imagename" || value === "imageid" || value === "archive") return value;
  throw new InputError("source", `Invalid imageSource "${value}": use imagename, imageid or archive.`);
}

/** task-lib's getBoolInput: "true" in any case is true, anything else false. */
function bool(agent: Agent, name: string): boolean {
  return agent.input(name).toLowerCase() === "true";
}
