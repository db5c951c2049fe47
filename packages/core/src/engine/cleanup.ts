import { rmSync } from "node:fs";

/**
 * Directories to delete when the process exits, for hosts that end with process.exit() (e.g. on
 * SIGINT) before an engine's dispose() ran. 'exit' listeners must be synchronous, hence rmSync.
 */
const pending = new Set<string>();

/** Deletes every registered directory now; this is the 'exit' listener. */
export function removePendingNow(): void {
  for (const dir of pending) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Nothing sensible to do while exiting; the directory lives in the temp folder.
    }
  }
  pending.clear();
  process.off("exit", removePendingNow);
}

/** Registers `dir` for removal at exit; call the returned function once it is removed otherwise. */
export function removeOnExit(dir: string): () => void {
  // One listener for all directories, present only while there is something to remove.
  if (pending.size === 0) process.on("exit", removePendingNow);
  pending.add(dir);
  return () => {
    pending.delete(dir);
    if (pending.size === 0) process.off("exit", removePendingNow);
  };
}

/** The directories that would be removed at exit, for tests and diagnostics. */
export function pendingExitRemovals(): readonly string[] {
  return [...pending];
}
