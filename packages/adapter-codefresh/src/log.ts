import { LineLog, type LineWriters } from "@ecr-push/core";

export type StepWriters = LineWriters;

/**
 * The step's log: Codefresh shows stdout and stderr as plain text and has no masking call, so
 * core's LineLog (which scrubs every line) serves as it is. Core's debug details are kept out of
 * the build log, as in the CLI by default.
 */
export class StepLogger extends LineLog {}
