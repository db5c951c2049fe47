import type { SecretMasker } from "../ports/index.js";

/**
 * The SecretMasker every host uses: it remembers each secret, tells the host's own masking once
 * (`##vso[task.setsecret]`, `::add-mask::`; nothing for a terminal), and scrubs it from any text the
 * host prints itself, where the host's masking may not reach (child output, files, error lines).
 */
export class SecretScrubber implements SecretMasker {
  readonly #secrets = new Set<string>();

  constructor(private readonly register: (secret: string) => void = () => {}) {}

  mask(secret: string): void {
    // Hosts mask line by line, so a multi-line value is registered per line. Very short values
    // would hide ordinary words, and no credential is that short.
    for (const line of secret.split(/\r?\n/)) {
      if (line.length < 4 || this.#secrets.has(line)) continue;
      this.#secrets.add(line);
      this.register(line);
    }
  }

  /** Records a value the host already masks (e.g. a token it issued): scrubbed, not registered again. */
  known(secret: string): void {
    for (const line of secret.split(/\r?\n/)) if (line.length >= 4) this.#secrets.add(line);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }
}
