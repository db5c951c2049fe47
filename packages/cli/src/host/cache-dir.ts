import os from "node:os";
import path from "node:path";

/**
 * The folder the registry engine keeps its layer cache in: `ECR_PUSH_CACHE_DIR` when set, else the
 * user's cache folder as each system names it (`$XDG_CACHE_HOME/ecr-push` or `~/.cache/ecr-push`,
 * `~/Library/Caches/ecr-push` on macOS, `%LOCALAPPDATA%\ecr-push\cache` on Windows). Undefined when
 * there is no home folder to put it in: nothing is cached then. Nothing is created here.
 */
export function userCacheDir(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
  homedir: () => string = os.homedir,
): string | undefined {
  // The separators and the meaning of "absolute" are the target system's, whatever runs this.
  const p = platform === "win32" ? path.win32 : path.posix;
  const override = env.ECR_PUSH_CACHE_DIR?.trim();
  if (override) return p.resolve(override);
  const home = homeOf(homedir);
  if (platform === "win32") {
    const local = env.LOCALAPPDATA?.trim() || (home && p.join(home, "AppData", "Local"));
    return local ? p.join(local, "ecr-push", "cache") : undefined;
  }
  if (platform === "darwin") return home && p.join(home, "Library", "Caches", "ecr-push");
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg && p.isAbsolute(xdg)) return p.join(xdg, "ecr-push");
  return home && p.join(home, ".cache", "ecr-push");
}

/** os.homedir() throws when neither HOME nor the user database gives one. */
function homeOf(homedir: () => string): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}
