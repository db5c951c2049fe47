import { PushFailedError } from "../../errors/index.js";

export type DockerAction = "login" | "push" | "tag" | "inspect" | "remove" | "save";

export interface DockerFailure {
  action: DockerAction;
  /** The registry (login), target (push), source (tag) or reference the command was about. */
  subject: string;
  /** How the command reads in a message, e.g. `docker tag a b`. */
  command: string;
  /** Everything the command printed on stderr (secrets already scrubbed). */
  stderr: string;
  exitCode: number;
  /** The daemon address the command used, for the "cannot connect" sentence. */
  daemonHost: string;
}

/** Noise that never explains a failure: warnings, structured debug logs, hints. */
const NOISE = /^(WARNING|DEPRECATED|time="|Configure a credential helper|https?:\/\/docs\.docker\.com)/;

/** The last stderr line that says something, without docker's "Error response from daemon:" prefix. */
export function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !NOISE.test(line));
  const last = (lines.at(-1) ?? "").replace(/^(Error response from daemon|Error):\s*/i, "");
  return last.length > 300 ? `${last.slice(0, 297)}...` : last.replace(/\.$/, "");
}

/** Replaces each occurrence of `secret` (when there is one) with `***`. */
export function scrub(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("***") : text;
}

/**
 * A registry-side failure worth another try: a 5xx or 429 status, or the connection dropping or
 * timing out. Checked after auth and immutable-tag wording is ruled out, which never changes on
 * a retry.
 */
const TRANSIENT =
  /\b(50[0234]|429)\b|service unavailable|bad gateway|gateway time-?out|too many requests|connection reset|broken pipe|unexpected EOF|\bEOF$|i\/o timeout|TLS handshake timeout|connection refused|client\.Timeout|net\/http: request canceled/im;

export function isTransientDockerFailure(stderr: string): boolean {
  return TRANSIENT.test(stderr) && !AUTH_OR_FINAL.test(stderr) && !DAEMON_DOWN.test(stderr);
}

/** A podman client that cannot reach its service (a podman machine stopped, CONTAINER_HOST wrong). */
const PODMAN_DOWN = /Cannot connect to Podman|unable to connect to Podman socket/i;
const DAEMON_DOWN = new RegExp(
  `Cannot connect to the Docker daemon|error during connect|dial unix|${PODMAN_DOWN.source}`,
  "i",
);
const AUTH =
  /unauthorized|denied|forbidden|no basic auth credentials|authentication required|incorrect username or password|status: 40[13]|expired/i;
/** Answers another try cannot change: credentials refused, an immutable tag, a missing repository. */
const AUTH_OR_FINAL = new RegExp(
  `${AUTH.source}|tag invalid|cannot be overwritten|immutable|name unknown|does not exist`,
  "i",
);

interface Rule {
  code: string;
  actions?: readonly DockerAction[];
  /** A RegExp, or any test of docker's stderr. */
  pattern: { test(stderr: string): boolean };
  message(failure: DockerFailure, detail: string): string;
}

// Checked in order; the first match wins, and anything unmatched is DockerCommandFailed.
const RULES: readonly Rule[] = [
  {
    code: "DockerUnavailable",
    pattern: PODMAN_DOWN,
    message: () =>
      "Cannot connect to podman's service: start it (podman machine start on macOS and Windows) or set CONTAINER_HOST.",
  },
  {
    code: "DockerUnavailable",
    pattern: DAEMON_DOWN,
    message: (f) => {
      const reported =
        /Cannot connect to the Docker daemon at (\S+?)\.?\s+Is the docker daemon running/i.exec(f.stderr);
      return `Cannot connect to the Docker daemon at ${reported?.[1] ?? f.daemonHost}: start Docker or set DOCKER_HOST.`;
    },
  },
  {
    code: "ImageNotFound",
    actions: ["push", "tag"],
    pattern: /no such image|tag does not exist|does not exist locally/i,
    message: (f) => `The local image ${f.subject} does not exist: build or pull it first, or check the name.`,
  },
  {
    code: "ImageExportFailed",
    actions: ["save"],
    pattern: /.*/s,
    message: (f, detail) =>
      `${f.command} failed (${detail || `exit code ${f.exitCode}`}), so nothing was pushed: check that the image still exists and the daemon has disk space, then retry, or set the engine to docker.`,
  },
  {
    code: "ImageTagAlreadyExists",
    actions: ["push"],
    pattern: /tag invalid|cannot be overwritten|repository is immutable/i,
    message: (f) =>
      `The tag of ${f.subject} already exists and the repository's tags are immutable: push a new tag or make the repository's tags mutable.`,
  },
  {
    code: "RepositoryNotFound",
    actions: ["push"],
    pattern: /name unknown|repository with name .* does not exist/i,
    message: (f) =>
      `The repository of ${f.subject} does not exist in the registry: create it first or enable repository creation.`,
  },
  {
    code: "RegistryLoginFailed",
    actions: ["login"],
    pattern: AUTH,
    message: (f, detail) =>
      `The registry ${f.subject} rejected the login (${detail}): get fresh credentials for this registry and retry.`,
  },
  {
    code: "RegistryAuthFailed",
    actions: ["push"],
    pattern: AUTH,
    message: (f, detail) =>
      `The registry refused the push of ${f.subject} (${detail}): check that the credentials may push to this repository and have not expired.`,
  },
  {
    // Reached only once the engine's retries are spent.
    code: "RegistryUnreachable",
    actions: ["login", "push"],
    pattern: { test: isTransientDockerFailure },
    message: (f, detail) =>
      `${f.command} kept failing on the network (${detail}): check the network, proxy settings and the registry's status, then push again.`,
  },
];

/** Turns a failed docker command into one actionable sentence with a stable code. */
export function dockerFailure(failure: DockerFailure): PushFailedError {
  const detail = lastMeaningfulLine(failure.stderr);
  for (const rule of RULES) {
    if ((!rule.actions || rule.actions.includes(failure.action)) && rule.pattern.test(failure.stderr)) {
      return new PushFailedError(rule.code, rule.message(failure, detail));
    }
  }
  const why = detail ? `: ${detail}.` : ` with exit code ${failure.exitCode}.`;
  return new PushFailedError("DockerCommandFailed", `${failure.command} failed${why}`);
}

/** The docker CLI is missing: not on PATH, or not at the explicit path. */
export function dockerNotFound(
  explicitPath: string | undefined,
  cause?: unknown,
  orPodman = false,
): PushFailedError {
  const message = explicitPath
    ? `The docker CLI was not found at ${explicitPath}: install Docker or correct the docker path.`
    : orPodman
      ? "Neither docker nor podman was found on PATH: install Docker (or podman), or add the folder holding it to PATH."
      : "The docker CLI was not found on PATH: install Docker or add the folder holding docker to PATH.";
  return new PushFailedError("DockerNotFound", message, { cause });
}
