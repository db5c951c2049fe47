export {
  type AwsCredentialProvider,
  type AwsCredentials,
  type CredentialOptions,
  type CredentialPlan,
  type CredentialSource,
  createCredentialProvider,
  DEFAULT_ROLE_SESSION_NAME,
  maskSecretInputs,
  planCredentials,
  resolveCredentials,
} from "./credentials.js";
export {
  type DescribedRepository,
  EcrApi,
  type EcrApiOptions,
  type EcrAuthorization,
  type EcrImage,
  type EcrImageId,
  type EnsuredRepository,
  type EnsureRepositoryOptions,
} from "./ecr.js";
export { type AwsEnv, checkEndpointEnv, endpointFromEnv, endpointVariant, envFlag } from "./env.js";
export { type AwsCallContext, AwsErrorCodes, awsErrorName, awsFailure } from "./errors.js";
export * from "./image-status.js";
export {
  type RegionSource,
  type ResolvedRegion,
  type ResolveRegionOptions,
  regionFromInstanceMetadata,
  resolveRegion,
} from "./region.js";
export {
  chooseRegistryHost,
  ECR_PARTITIONS,
  type EcrPartition,
  type EcrRegistryHost,
  type EndpointVariant,
  ecrRegistryHost,
  parseEcrRegistryHost,
  type RegistryHostChoice,
} from "./registry-host.js";
