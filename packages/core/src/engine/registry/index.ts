// The registry engine: local images (exported from the daemon), docker-archive and OCI layout
// sources pushed straight to the registry, sending only what the repository lacks.

export { LayerCache } from "./cache.js";
export {
  GZIP_OPTIONS,
  gzipLayer,
  type LayerCodec,
  type LayerCompression,
  layerCodec,
  ZSTD_LEVEL,
} from "./compress.js";
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
export { canWriteZstd } from "./zstd.js";
