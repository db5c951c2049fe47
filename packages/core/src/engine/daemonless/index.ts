// The daemonless engine: docker-archive and OCI layout sources pushed straight to the registry.
export { GZIP_LEVEL, gzipLayer } from "./compress.js";
export { createDaemonlessEngine, DaemonlessEngine, type DaemonlessEngineOptions } from "./engine.js";
export {
  DEFAULT_CONCURRENCY,
  type PushContext,
  type PushedManifest,
  pushArtifact,
} from "./push.js";
