import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export interface FindExecutableOptions {
  env: Record<string, string | undefined>;
  /** Defaults to `process.platform`; decides the PATH variable, its delimiter and PATHEXT. */
  platform?: NodeJS.Platform;
}

const DEFAULT_PATHEXT = ".COM;.EXE;.BAT;.CMD";

/** Windows environment names are case-insensitive (`Path`, `PATH`); a copied env object is not. */
function lookup(env: Record<string, string | undefined>, name: string, windows: boolean): string | undefined {
  if (!windows) return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

function isExecutable(file: string, windows: boolean): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    // Windows has no execute bit: the extension (PATHEXT) is what makes a file runnable.
    if (!windows) accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the absolute path of the executable `name` as a shell would find it on PATH
 * (`Path` and PATHEXT on Windows), or undefined. A `name` holding a directory is checked as is.
 * Synchronous on purpose: a few stat calls, and the first docker command then starts at once
 * instead of queueing behind whatever else the event loop is doing.
 */
export function findExecutable(name: string, options: FindExecutableOptions): string | undefined {
  const windows = (options.platform ?? process.platform) === "win32";
  const candidates = windows ? windowsCandidates(name, options.env) : [name];
  const hasDirectory = name.includes("/") || (windows && name.includes("\\"));
  const directories = hasDirectory
    ? [""]
    : (lookup(options.env, "PATH", windows) ?? "")
        .split(windows ? ";" : ":")
        .map((dir) => dir.replace(/^"(.*)"$/, "$1"))
        .filter(Boolean);
  for (const dir of directories) {
    for (const candidate of candidates) {
      const file = path.resolve(dir, candidate);
      if (isExecutable(file, windows)) return file;
    }
  }
  return undefined;
}

/** `docker` becomes `docker.com`, `docker.exe`...; a name that already has a PATHEXT extension stays. */
function windowsCandidates(name: string, env: Record<string, string | undefined>): string[] {
  const extensions = (lookup(env, "PATHEXT", true) ?? DEFAULT_PATHEXT)
    .split(";")
    .filter(Boolean)
    .map((ext) => ext.toLowerCase());
  if (extensions.includes(path.extname(name).toLowerCase())) return [name];
  return extensions.map((ext) => name + ext);
}
