// An OCI distribution client for pushing to ECR (and any registry with Basic auth), on node:http(s).
export {
  type FetchedManifest,
  RegistryClient,
  type RegistryClientOptions,
  type UploadedBlob,
} from "./client.js";
export { LayerApiError, RegistryErrorCodes, RegistryStatusError, registryFailure } from "./errors.js";
export { LAYER_API_AFTER_BYTES, type LayerPartsApi } from "./layer-parts.js";
