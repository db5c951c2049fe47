import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "./process.js";

/** statfs f_type of overlayfs (linux/magic.h). */
const OVERLAYFS_SUPER_MAGIC = 0x794c7630;

/**
 * Returns undefined when an overlay mount works in a scratch folder under `parent` (what
 * dockerd's overlay2 driver needs there), else one sentence saying why not. The folder is
 * unmounted and removed before returning, whatever happened.
 */
export async function overlayUnsupported(parent: string): Promise<string | undefined> {
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
    const result = await run("mount", ["-t", "overlay", "overlay", "-o", options, merged], {
      timeoutMs: 15_000,
    });
    if (result.code !== 0) {
      const detail = result.stderr.trim().split("\n")[0] || `exit ${result.code}`;
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
    if (mounted) {
      const umount = await run("umount", [merged]).catch(() => undefined);
      if (umount?.code !== 0) await run("umount", ["-l", merged]).catch(() => undefined);
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left for removeDaemonRoot, which unmounts what is under the root first.
    }
  }
}
