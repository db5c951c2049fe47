// An OCI distribution client for pushing to ECR (and any registry with Basic auth), on node:http(s).
export {
  type FetchedManifest,
  RegistryClient,
  type RegistryClientOptions,
  type UploadedBlob,
} from "./client.js";
export { RegistryErrorCodes, RegistryStatusError, registryFailure } from "./errors.js";
