/**
 * Every failure the workflow reports is an EcrPushError whose message is one sentence a user can
 * act on. Hosts print `message` and nothing else (no stack), and map `kind` onto their convention:
 * the CLI exits 2 for "input" and 1 for "failure"; CI hosts fail the step with the message.
 */
export type ErrorKind = "input" | "failure";

export class EcrPushError extends Error {
  readonly kind: ErrorKind;
  /** A stable machine-readable code, e.g. `RepositoryNotFound`, documented for `--json` users. */
  readonly code: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EcrPushError";
    this.kind = kind;
    this.code = code;
  }
}

/** Bad input: names the input (as the host spells it) and what is allowed. */
export class InputError extends EcrPushError {
  /** The logical input key, e.g. `repository`, `tags`, `region`. */
  readonly input: string;

  constructor(input: string, message: string, options?: { cause?: unknown }) {
    super("input", "InvalidInput", message, options);
    this.name = "InputError";
    this.input = input;
  }
}

/** Anything else that stopped the push: AWS, the engine, the network. */
export class PushFailedError extends EcrPushError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super("failure", code, message, options);
    this.name = "PushFailedError";
  }
}

export function isEcrPushError(error: unknown): error is EcrPushError {
  return error instanceof EcrPushError;
}
