import type {
  Clock,
  ContainerEngine,
  LocalImage,
  Logger,
  OutputName,
  Outputs,
  PushedImage,
  SecretMasker,
} from "../../../src/index.js";

/** Records every masked value and every call, in order, in a shared `events` list. */
export class FakeMasker implements SecretMasker {
  readonly masked: string[] = [];
  constructor(private readonly events: string[] = []) {}
  mask(secret: string): void {
    this.masked.push(secret);
    this.events.push(`mask ${secret}`);
  }
}

export class FakeLogger implements Logger {
  readonly lines: string[] = [];
  debug(message: string) {
    this.lines.push(`debug: ${message}`);
  }
  info(message: string) {
    this.lines.push(`info: ${message}`);
  }
  warn(message: string) {
    this.lines.push(`warn: ${message}`);
  }
  error(message: string) {
    this.lines.push(`error: ${message}`);
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${title}`);
    try {
      return await fn();
    } finally {
      this.lines.push("endgroup");
    }
  }
}

export class FakeOutputs implements Outputs {
  readonly values: Partial<Record<OutputName, string>> = {};
  set(name: OutputName, value: string): void {
    this.values[name] = value;
  }
}

export const fixedClock: Clock = {
  now: () => new Date("2025-01-01T00:00:00Z"),
  sleep: async () => {},
};

export const IMAGE_ID = `sha256:${"a".repeat(64)}`;
export const DIGEST = `sha256:${"d".repeat(64)}`;

/**
 * An engine that knows some local references and records every call in `events`.
 * `pushDigests` gives the digest per target (default DIGEST); `failOn` makes one method throw.
 */
export class FakeEngine implements ContainerEngine {
  readonly local = new Set<string>();
  pushDigests: Record<string, string> = {};
  failOn?: { method: keyof ContainerEngine; error: Error };
  disposed = 0;

  constructor(
    readonly events: string[] = [],
    local: string[] = ["web:1.0"],
  ) {
    for (const reference of local) this.local.add(reference);
  }

  private record(method: keyof ContainerEngine, line: string): void {
    this.events.push(line);
    if (this.failOn?.method === method) throw this.failOn.error;
  }

  async inspect(reference: string): Promise<LocalImage | undefined> {
    this.record("inspect", `inspect ${reference}`);
    // Every local reference names the one image, so like docker it lists them all as RepoTags.
    return this.local.has(reference)
      ? { id: IMAGE_ID, repoTags: [...this.local], repoDigests: [] }
      : undefined;
  }
  async login(registry: string, username: string, password: string): Promise<void> {
    this.record("login", `login ${registry} ${username} ${password}`);
  }
  async tag(source: string, target: string): Promise<void> {
    this.record("tag", `tag ${source} ${target}`);
    this.local.add(target);
  }
  async push(target: string, onProgress?: (p: { line: string }) => void): Promise<PushedImage> {
    this.record("push", `push ${target}`);
    onProgress?.({ line: "5f70bf18a086: Pushed" });
    return { digest: this.pushDigests[target] ?? DIGEST };
  }
  async remove(reference: string): Promise<void> {
    this.record("remove", `remove ${reference}`);
    this.local.delete(reference);
  }
  async dispose(): Promise<void> {
    this.disposed++;
    this.record("dispose", "dispose");
  }
}
