import type { Logger, OutputName, Outputs, SecretMasker } from "@ecr-push/core";
import type { TaskLib } from "./agent.js";

/**
 * Core's Logger, Outputs and SecretMasker on the agent's logging commands. A masked value is
 * registered with `##vso[task.setsecret]` at once (the agent then hides it in the pipeline log) and
 * scrubbed from every line this task prints itself.
 */
export class AgentHost implements Logger, Outputs, SecretMasker {
  private readonly secrets = new Set<string>();
  /** `logRequest`/`logResponse`: debug lines go to the visible log, not only to the debug log. */
  verbose = false;

  constructor(
    private readonly tl: TaskLib,
    private readonly write: (text: string) => void,
  ) {}

  mask(secret: string): void {
    // task-lib refuses multi-line secrets: register each line. Very short values would mask words.
    for (const line of secret.split(/\r?\n/)) {
      if (line.length < 4 || this.secrets.has(line)) continue;
      this.secrets.add(line);
      this.tl.setSecret(line);
    }
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("***");
    return out;
  }

  debug(message: string): void {
    if (this.verbose) this.line(`[debug] ${message}`);
    else this.tl.debug(this.scrub(message));
  }

  info(message: string): void {
    this.line(message);
  }

  warn(message: string): void {
    this.tl.warning(this.scrub(message));
  }

  error(message: string): void {
    this.tl.error(this.scrub(message));
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.line(`##[group]${title}`);
    try {
      return await fn();
    } finally {
      this.line("##[endgroup]");
    }
  }

  /** Core's outputs become the task's output variables (declared in task.json); URIs comma-separated. */
  set(name: OutputName, value: string): void {
    this.tl.setVariable(name, name === "imageUris" ? value.split("\n").join(",") : value, false, true);
  }

  /** Sets a variable the pipeline named (the Toolkit's `outputVariable`), for later steps of the job. */
  setVariable(name: string, value: string): void {
    this.tl.setVariable(name, value, false, false);
  }

  fail(message: string): void {
    this.tl.setResult(this.tl.TaskResult.Failed, this.scrub(message));
  }

  succeed(message: string): void {
    this.tl.setResult(this.tl.TaskResult.Succeeded, this.scrub(message));
  }

  private line(message: string): void {
    this.write(`${this.scrub(message)}\n`);
  }
}
