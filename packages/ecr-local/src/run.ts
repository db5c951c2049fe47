import { parseRateLimits } from "./rate-limits.js";
import { type LocalEcrOptions, startLocalEcr } from "./server.js";

/**
 * Runs the endpoint in the foreground (the CLI's `ecr-push local`): writes the ready line, then
 * stops cleanly on SIGINT or SIGTERM. Without `rateLimits`, ECR_LOCAL_RATE_LIMITS in `env` (such
 * as `PutImage=10,UploadLayerPart=500`) gives them; without `restoreDelayMs`,
 * ECR_LOCAL_RESTORE_DELAY_MS (how long a restored image stays ACTIVATING) gives it.
 */
export async function runLocalEcrUntilSignal(
  options: LocalEcrOptions,
  write: (line: string) => void,
): Promise<void> {
  const ecr = await startLocalEcr({
    ...options,
    rateLimits: options.rateLimits ?? parseRateLimits(options.env?.ECR_LOCAL_RATE_LIMITS),
    restoreDelayMs: options.restoreDelayMs ?? restoreDelayOf(options.env?.ECR_LOCAL_RESTORE_DELAY_MS),
  });
  try {
    write(ecr.readyLine());
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  } finally {
    await ecr.close();
  }
}

/** ECR_LOCAL_RESTORE_DELAY_MS: a whole number of milliseconds, else the default (0). */
function restoreDelayOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`ECR_LOCAL_RESTORE_DELAY_MS must be a whole number of milliseconds, got '${value}'`);
  }
  return ms;
}
