import { InputError, type InputNames, type RawPushInputs, toDockerRepositoryName } from "@ecr-push/core";
import type { Agent } from "./agent.js";

/** What the task does besides the push itself: where its results go and how much it logs. */
export interface TaskSettings {
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
  const imageSource = imageSourceOf(agent);
  const byId = imageSource === "imageid";
  const name = agent.input("sourceImageName");
  const source =
    imageSource === "archive"
      ? agent.input("sourceArchive")
      : byId
        ? agent.input("sourceImageId")
        : name && `${name}:${agent.input("sourceImageTag") || "latest"}`;
  const repository = agent.input("repositoryName");
  const additionalTags = agent.input("additionalTags");
  const regionInput = agent.input("regionName").toLowerCase();
  const region = regionInput || agent.variable("AWS.Region");
  return {
    raw: {
      source,
      repository: bool(agent, "forceDockerNamingConventions")
        ? toDockerRepositoryName(repository)
        : repository,
      tags: [agent.input("pushTag"), additionalTags],
      region,
      registryId: agent.input("registryId"),
      createRepository: bool(agent, "autoCreateRepository"),
      imageTagMutability: agent.input("imageTagMutability"),
      scanOnPush: agent.input("scanOnPush"),
      kmsKey: agent.input("kmsKeyArn"),
      repositoryTags: agent.input("repositoryTags"),
      removeLocalImage: bool(agent, "removeDockerImage"),
      concurrency: agent.input("concurrency"),
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
      registryId: "registryId",
      createRepository: "autoCreateRepository",
      imageTagMutability: "imageTagMutability",
      scanOnPush: "scanOnPush",
      kmsKey: "kmsKeyArn",
      concurrency: "concurrency",
      repositoryTags: "repositoryTags",
      removeLocalImage: "removeDockerImage",
    },
    outputVariable: agent.input("outputVariable"),
    digestOutputVariable: agent.input("digestOutputVariable"),
    verbose: bool(agent, "logRequest") || bool(agent, "logResponse"),
  };
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
