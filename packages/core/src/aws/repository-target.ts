// Kept apart from ecr.ts, which loads the AWS SDK: the workflows import this eagerly, the SDK lazily.
import type { RepositorySettings } from "../request/index.js";
import type { EnsureRepositoryOptions } from "./ecr.js";

/** The part of a push or promote request that says where the image goes and whether to create it. */
export interface RepositoryTarget {
  repository: string;
  registryId?: string;
  createRepository: boolean;
  repositorySettings: RepositorySettings;
}

/** ensureRepository's options for a request, once the registry host is known. */
export function ensureOptionsFor(
  target: RepositoryTarget,
  registry: string,
  createInputName: string,
): EnsureRepositoryOptions {
  return {
    repository: target.repository,
    registryId: target.registryId,
    create: target.createRepository,
    settings: target.repositorySettings,
    registry,
    createInputName,
  };
}
