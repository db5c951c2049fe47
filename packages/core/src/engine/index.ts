// The container engine: one process-execution seam and the docker CLI behind ContainerEngine.
export { pendingExitRemovals, removeOnExit } from "./cleanup.js";
export * from "./docker/index.js";
export * from "./process/index.js";
