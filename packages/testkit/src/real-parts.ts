import { run } from "./process.js";

/**
 * Real parts (Docker engine, skopeo, docker-registry) are required on CI: a test that needs one
 * must fail with the reason when `CI=true`, and may only skip, loudly, on a developer machine.
 */
export function isCI(): boolean {
  return /^(1|true|yes)$/i.test(process.env.CI ?? "");
}

/**
 * Returns true when the test may run. With CI=true and a missing part it throws, so the suite
 * fails with the reason; elsewhere it prints why the test is skipped and returns false.
 */
export function realPartAvailable(part: string, missingReason: string | undefined): boolean {
  if (!missingReason) return true;
  const message = `${part} is required for this test but unavailable: ${missingReason}`;
  if (isCI()) throw new Error(message);
  console.warn(`SKIPPED (not CI): ${message}`);
  return false;
}

/** Returns undefined when `command --version` runs, else the reason it does not. */
export async function commandMissing(command: string, installHint: string): Promise<string | undefined> {
  try {
    const result = await run(command, ["--version"], { timeoutMs: 15_000 });
    return result.code === 0 ? undefined : `${command} --version exited ${result.code} (${installHint})`;
  } catch {
    return `${command} is not on PATH (${installHint})`;
  }
}
