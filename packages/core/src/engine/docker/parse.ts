import path from "node:path";
import { isSha256Digest } from "../../oci/index.js";
import type { LocalImage, PushedImage } from "../../ports/index.js";

const DIGEST_LINE = /^\S+: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/;

/** The digest and size from the last `<tag>: digest: sha256:<hex> size: <n>` line of `docker push`. */
export function parsePushDigest(stdout: string): PushedImage | undefined {
  let found: PushedImage | undefined;
  for (const line of stdout.split(/\r?\n/)) {
    const match = DIGEST_LINE.exec(line.trim());
    if (match?.[1] && match[2]) found = { digest: match[1], size: Number(match[2]) };
  }
  return found;
}

/** `host:5000/team/app:v1` -> `host:5000/team/app` (a colon before the last slash is a port). */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split("@")[0] ?? reference;
  const colon = withoutDigest.lastIndexOf(":");
  return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
}

/** The digest of `repository` among RepoDigests entries (`repo@sha256:...`). */
export function digestForRepository(repoDigests: readonly string[], repository: string): string | undefined {
  for (const entry of repoDigests) {
    const [repo, digest] = entry.split("@");
    if (repo === repository && digest && isSha256Digest(digest)) return digest;
  }
  return undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Reads the output of `docker image inspect --format "{{json .}}"`; undefined when it is not an image. */
export function parseImageInspect(stdout: string): LocalImage | undefined {
  let image: unknown;
  try {
    image = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  // podman prints a one-element array where docker prints the object itself.
  if (Array.isArray(image) && image.length === 1) image = image[0];
  if (typeof image !== "object" || image === null || Array.isArray(image)) return undefined;
  const { Id, RepoTags, RepoDigests, RootFS, Os } = image as Record<string, unknown>;
  if (typeof Id !== "string") return undefined;
  const diffIds = strings((RootFS as { Layers?: unknown } | undefined)?.Layers);
  return {
    id: Id.startsWith("sha256:") ? Id : `sha256:${Id}`,
    repoTags: strings(RepoTags),
    repoDigests: strings(RepoDigests),
    ...(diffIds.length > 0 ? { diffIds } : {}),
    ...(typeof Os === "string" && Os ? { os: Os } : {}),
  };
}

/**
 * The environment that reaches the daemon of a `docker context inspect --format "{{json .}}"`
 * result without the context store (which lives in the user's config directory).
 */
export function daemonEnvFromContext(stdout: string): Record<string, string> {
  try {
    const context = JSON.parse(stdout) as {
      Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
      TLSMaterial?: { docker?: unknown };
      Storage?: { TLSPath?: unknown };
    };
    const endpoint = context.Endpoints?.docker;
    if (typeof endpoint?.Host !== "string" || !endpoint.Host) return {};
    const env: Record<string, string> = { DOCKER_HOST: endpoint.Host };
    const tlsPath = context.Storage?.TLSPath;
    if (strings(context.TLSMaterial?.docker).length > 0 && typeof tlsPath === "string") {
      // The context keeps ca.pem/cert.pem/key.pem in <TLSPath>/docker, the DOCKER_CERT_PATH layout.
      env.DOCKER_CERT_PATH = path.join(tlsPath, "docker");
      env[endpoint.SkipTLSVerify === true ? "DOCKER_TLS" : "DOCKER_TLS_VERIFY"] = "1";
    }
    return env;
  } catch {
    return {};
  }
}
