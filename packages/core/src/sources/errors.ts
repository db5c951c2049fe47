import { InputError, PushFailedError } from "../errors/index.js";

export const SourceErrorCodes = {
  unreadable: "SourceUnreadable",
  corrupt: "SourceCorrupt",
} as const;

/** How a source reader names the user's input in its sentences. */
export interface SourceContext {
  /** The source as the user gave it, e.g. `docker-archive:web.tar`. */
  reference: string;
  /** How the host spells the source input (`SOURCE`, `source`, `image`...). */
  inputName: string;
}

/** A path that does not exist or cannot be read is bad input (exit 2): nothing was sent. */
export function unreadable(ctx: SourceContext, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? "it does not exist"
      : code === "EACCES"
        ? "permission denied"
        : (code ?? (error as Error).message);
  return new InputError("source", `Cannot read ${ctx.reference} (${why}): check ${ctx.inputName}.`, {
    cause: error,
  });
}

/** The path is there but its content is not a valid archive or layout. */
export function corrupt(ctx: SourceContext, why: string, fix: string, cause?: unknown): PushFailedError {
  return new PushFailedError(
    SourceErrorCodes.corrupt,
    `${ctx.reference} is not a valid image source (${why}): ${fix}.`,
    {
      cause,
    },
  );
}

/** The source holds images but not the one asked for (or several when none was named). */
export function notChosen(ctx: SourceContext, found: string, choices: string[], how: string): InputError {
  const listed = choices.length > 0 ? choices.join(", ") : "none";
  return new InputError(
    "source",
    `${ctx.reference} ${found} (it has ${listed}): ${how} in ${ctx.inputName}.`,
  );
}

/** Parses JSON read from a source, with a corrupt-source sentence on failure. */
export function parseJson<T>(ctx: SourceContext, bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (error) {
    throw corrupt(ctx, `${what} is not valid JSON`, "recreate it", error);
  }
}
