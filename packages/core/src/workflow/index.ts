export type { CopyDeps, CopyEcrApi, CopyResult } from "./copy-session.js";
export { type PromoteResult, runPromote } from "./run-promote.js";
export { type PushDeps, type PushResult, runPush, type TagResult, WorkflowErrorCodes } from "./run-push.js";
export { type RetagResult, runRetag } from "./run-retag.js";
