import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export interface DockerConfigLookup {
  /** Credentials found for the host, if any. */
  credentials?: { username: string; password: string };
  /** Why none were used although the config names the host (a credential helper), for a log line. */
  note?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * The credentials `docker login` stored for a registry host in `$DOCKER_CONFIG/config.json` (else
 * `~/.docker/config.json`). Credential helpers are not run: the caller says so and goes on without.
 */
export function dockerConfigCredentials(
  host: string,
  env: Record<string, string | undefined>,
): DockerConfigLookup {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || env.USERPROFILE || homedir(), ".docker");
  let config: DockerConfigFile;
  try {
    config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as DockerConfigFile;
  } catch {
    return {};
  }
  const entries = Object.entries(config.auths ?? {});
  const found = entries.find(([key]) => hostOf(key) === host)?.[1];
  if (found) {
    const decoded = found.auth ? Buffer.from(found.auth, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    const username = colon > 0 ? decoded.slice(0, colon) : found.username;
    const password = colon > 0 ? decoded.slice(colon + 1) : found.password;
    if (username && password) return { credentials: { username, password } };
  }
  const helper = config.credHelpers?.[host] ?? config.credsStore;
  if (helper) {
    return {
      note: `The Docker config keeps credentials for ${host} in the credential helper docker-credential-${helper}, which is not run: give the source credentials explicitly if the registry needs them.`,
    };
  }
  return {};
}

/** `https://host/v1/` and `host` both name `host`. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").split("/")[0] ?? key;
}
