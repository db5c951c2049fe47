export { type FindExecutableOptions, findExecutable } from "./find-executable.js";
export {
  nodeProcessRunner,
  type ProcessRunner,
  ProcessStartError,
  type RunOptions,
  type RunResult,
  type StreamingProcess,
} from "./runner.js";
