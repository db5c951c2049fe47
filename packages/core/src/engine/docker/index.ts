export { createDockerEngine, DockerCliEngine, type DockerEngineOptions, isPodman } from "./engine.js";
export {
  type DockerAction,
  type DockerFailure,
  dockerFailure,
  isTransientDockerFailure,
  lastMeaningfulLine,
} from "./errors.js";
export { digestForRepository, parseImageInspect, parsePushDigest, repositoryOf } from "./parse.js";
