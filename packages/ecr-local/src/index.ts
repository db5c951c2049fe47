export type { AssumedRole, RecordedCall, RegistryStats } from "./context.js";
export type { PodIdentityOptions } from "./pod-identity/handler.js";
export type { CatalogData } from "./public/state.js";
export { runLocalEcrUntilSignal } from "./run.js";
export {
  type LocalEcr,
  type LocalEcrOptions,
  type PublicRepositoryInfo,
  type RepositoryInfo,
  startLocalEcr,
} from "./server.js";
export type { RepositorySettings } from "./store/store.js";
