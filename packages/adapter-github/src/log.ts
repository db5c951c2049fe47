import * as actions from "@actions/core";
import { type Logger, type SecretMasker, SecretScrubber } from "@ecr-push/core";

/**
 * The runner's log as core's Logger and SecretMasker: every secret is sent to the runner with
 * `::add-mask::` once, the first time it is seen, and every line this action prints is scrubbed
 * as well, so a value is hidden even where the runner's masking would not catch it.
 */
export class ActionsLog implements Logger, SecretMasker {
  private readonly secrets = new SecretScrubber((secret) => actions.setSecret(secret));

  mask(secret: string): void {
    this.secrets.mask(secret);
  }

  /** Records a value the runner already masks (e.g. an OIDC token from getIDToken). */
  masked(secret: string): void {
    this.secrets.known(secret);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  debug(message: string): void {
    actions.debug(this.scrub(message));
  }

  info(message: string): void {
    actions.info(this.scrub(message));
  }

  warn(message: string): void {
    actions.warning(this.scrub(message));
  }

  error(message: string): void {
    actions.error(this.scrub(message));
  }

  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return actions.group(this.scrub(title), fn);
  }
}
