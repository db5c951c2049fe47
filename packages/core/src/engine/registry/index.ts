// The registry engine: local images (exported from the daemon), docker-archive and OCI layout
// sources pushed straight to the registry, sending only what the repository lacks.

export { LayerCache } from "./cache.js";
export { GZIP_LEVEL, gzipLayer } from "./compress.js";
export {
  createRegistryEngine,
  RegistryEngine,
  type RegistryEngineOptions,
  type RegistryEngineSource,
} from "./engine.js";
export {
  DEFAULT_CONCURRENCY,
  type PushContext,
  type PushedManifest,
  pushArtifact,
} from "./push.js";
