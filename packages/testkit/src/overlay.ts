import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import path from "node:path";

/** statfs f_type of overlayfs (linux/magic.h). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630;

/**
 * Returns undefined when an overlay mount works in a scratch folder under `parent` (what
 * dockerd's overlay2 driver needs there), else one sentence saying why not. The folder is
 * unmounted and removed before returning, whatever happened. Synchronous on purpose: a signal's
 * listeners cannot run between the mount and its umount, so one that cleans up after a signal
 * (startDockerd's) finds the folder either mounted or not, never half-way.
 */
export function overlayUnsupported(parent: string): string | undefined {
  if (process.platform !== "linux") return "overlay mounts are Linux only";
  // overlay2 refuses an overlayfs backing file system (no upper layer on overlay): say so
  // rather than the kernel's bare EINVAL.
  try {
    if (statfsSync(parent).type === OVERLAYFS_SUPER_MAGIC)
      return `${parent} is itself on overlayfs, which cannot hold overlay upper layers (set TMPDIR to another file system)`;
  } catch {
    // No statfs here: the mount below decides.
  }
  const dir = mkdtempSync(path.join(parent, "overlay-probe-"));
  const lower = path.join(dir, "lower");
  const upper = path.join(dir, "upper");
  const work = path.join(dir, "work");
  const merged = path.join(dir, "merged");
  let mounted = false;
  try {
    for (const d of [lower, upper, work, merged]) mkdirSync(d);
    writeFileSync(path.join(lower, "probe"), "");
    const options = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
    const result = spawnSync("mount", ["-t", "overlay", "overlay", "-o", options, merged], {
      encoding: "utf8",
      timeout: 15_000,
    });
    if (result.error) throw result.error;
    if (result.status !== 0) {
      const detail = result.stderr.trim().split("\n")[0] || `exit ${result.status}`;
      return `an overlay mount under ${parent} failed: ${detail}`;
    }
    mounted = true;
    // A mount that "succeeds" without showing its lower layer would break every image.
    if (!existsSync(path.join(merged, "probe")))
      return `an overlay mount under ${parent} did not show its lower layer`;
    return undefined;
  } catch (error) {
    return `an overlay mount under ${parent} could not be tried: ${(error as Error).message}`;
  } finally {
    if (mounted && spawnSync("umount", [merged]).status !== 0) spawnSync("umount", ["-l", merged]);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left for removeDaemonRoot, which unmounts what is under the root first.
    }
  }
}
