export { containerdForTests, dockerForTests } from "./docker-for-tests.js";
export {
  DOCKER_REGISTRY_BIN,
  dockerRegistryMissing,
  freePort,
  type LocalRegistry,
  startDockerRegistry,
} from "./docker-registry.js";
export { type DockerEngineHandle, dockerReachable, findOrStartDockerd, startDockerd } from "./dockerd.js";
export { buildTestImage, dockerEnv, listLocalTags } from "./images.js";
export { type FakeImds, startFakeImds } from "./imds.js";
export {
  type NamedRegistryProxy,
  opensslCliMissing,
  relayTo,
  startNamedRegistryProxy,
} from "./named-registry.js";
export {
  AZURE_HANDLER_NODE,
  cachedNode,
  type NodeBinary,
  nodeCacheDir,
  nodeWarningLines,
} from "./node-versions.js";
export { type MultiPlatformLayout, writeMultiPlatformOciLayout } from "./oci-layouts.js";
export { type PodmanForTests, podmanForTests } from "./podman.js";
export { type RunResult, run, runOk } from "./process.js";
export { commandMissing, isCI, realPartAvailable } from "./real-parts.js";
export { type SkopeoInspect, skopeoConfig, skopeoInspect, skopeoRawManifest } from "./skopeo.js";
export { tarFiles, tarOf } from "./tar.js";
