// Registry-to-registry copies: what promote streams, and where it finds source credentials.
export {
  type CopiedImage,
  CopyErrorCodes,
  type CopyOptions,
  type CopyStats,
  copyImage,
} from "./copy-image.js";
export { type DockerConfigLookup, dockerConfigCredentials } from "./docker-config.js";
