import { inject } from "vitest";
import { realPartAvailable } from "./real-parts.js";

/**
 * The Docker engine the globalSetup found or started, for use at the top of a test file:
 * `const docker = dockerForTests(); describe.runIf(docker)(...)`. Throws on CI when there is none.
 */
export function dockerForTests(): string | undefined {
  const host = inject("dockerHost");
  if (!realPartAvailable("A Docker engine", host ? undefined : inject("dockerMissing") || "unknown reason")) {
    return undefined;
  }
  return host;
}
