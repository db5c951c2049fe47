import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { findExecutable, nodeProcessRunner, type ProcessRunner } from "../engine/process/index.js";

export interface DockerConfigLookup {
  /** Credentials found for the host, if any. */
  credentials?: { username: string; password: string };
  /** Why none were used although the config names the host (a credential helper), for a log line. */
  note?: string;
}

export interface DockerConfigOptions {
  /** Starts credential helpers; the real one by default. */
  runner?: ProcessRunner;
  signal?: AbortSignal;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * The credentials `docker login` stored for a registry host in `$DOCKER_CONFIG/config.json` (else
 * `~/.docker/config.json`): an `auths` entry, else what the host's credential helper
 * (`credHelpers`, else `credsStore`) answers to `docker-credential-NAME get`, as docker asks it.
 * Nothing found is not an error: the source may be public.
 */
export async function dockerConfigCredentials(
  host: string,
  env: Record<string, string | undefined>,
  options: DockerConfigOptions = {},
): Promise<DockerConfigLookup> {
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
  return helper ? fromHelper(helper, host, env, options) : {};
}

/**
 * Asks a credential helper, as docker does: `docker-credential-NAME get` with the registry host on
 * stdin, answered with `{"ServerURL","Username","Secret"}` on stdout (or a "not found" error).
 */
async function fromHelper(
  helper: string,
  host: string,
  env: Record<string, string | undefined>,
  options: DockerConfigOptions,
): Promise<DockerConfigLookup> {
  const name = `docker-credential-${helper}`;
  const executable = findExecutable(name, { env });
  if (!executable) {
    return {
      note: `The Docker config keeps credentials for ${host} in the credential helper ${name}, which is not on PATH: install it, or give the source credentials explicitly.`,
    };
  }
  const result = await (options.runner ?? nodeProcessRunner)
    .run(executable, ["get"], { env, stdin: host, signal: options.signal })
    .catch(() => undefined);
  if (result?.exitCode !== 0) {
    // "credentials not found in native keychain": nothing stored for this host, as for a public image.
    if (/not found/i.test(result?.stdout ?? "") || /not found/i.test(result?.stderr ?? "")) return {};
    return {
      note: `The credential helper ${name} could not give credentials for ${host} (exit ${result?.exitCode ?? "unknown"}): check it, or give the source credentials explicitly.`,
    };
  }
  let answer: { Username?: string; Secret?: string };
  try {
    answer = JSON.parse(result.stdout) as typeof answer;
  } catch {
    return {
      note: `The credential helper ${name} answered something other than JSON for ${host}: check it.`,
    };
  }
  if (!answer.Username || !answer.Secret) return {};
  if (answer.Username === "<token>") {
    return {
      note: `The credential helper ${name} holds an identity token for ${host}, which is not supported: give the source credentials explicitly.`,
    };
  }
  return { credentials: { username: answer.Username, password: answer.Secret } };
}

/** `https://host/v1/` and `host` both name `host`. */
function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").split("/")[0] ?? key;
}
