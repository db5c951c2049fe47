export {
  type Command,
  type FromHost,
  type HostInputEntry,
  type HostInputTable,
  hostInputNames,
  INPUTS,
  type InputKind,
  type InputSpec,
  type NotOffered,
  notOffered,
  uncoveredInputs,
} from "./inputs.js";
export { INPUT_KEYS, resolveInputNames } from "./names.js";
export { parsePushRequest, splitList } from "./parse.js";
export {
  type ImageSelector,
  isRegistrySource,
  type PlatformFilter,
  type PromoteRequest,
  type PromoteSource,
  parseEcrHost,
  parsePromoteRequest,
  parseRetagRequest,
  type RetagRequest,
} from "./retag-promote.js";
export {
  isImageTag,
  isRegionCode,
  isRepositoryName,
  parseImageReference,
  regionAdvice,
} from "./rules.js";
export {
  hasExclusions,
  immutableReason,
  isTagImmutable,
  MUTABLE_TAGS,
  matchesWildcard,
  type TagMutability,
  tagMutabilityOf,
} from "./tag-mutability.js";
export type {
  CredentialInputs,
  ImageTagMutability,
  InputKey,
  InputNames,
  PushEngineKind,
  PushRequest,
  RawPushInputs,
  RepositoryEncryption,
  RepositorySettings,
  SourceImage,
} from "./types.js";
export { IMAGE_TAG_MUTABILITIES, PUSH_ENGINES } from "./types.js";
