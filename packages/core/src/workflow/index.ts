export { type PushDeps, type PushResult, runPush, WorkflowErrorCodes } from "./run-push.js";
