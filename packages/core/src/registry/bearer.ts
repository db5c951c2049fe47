import { PushFailedError } from "../errors/index.js";
import { RegistryErrorCodes, statusError } from "./errors.js";
import { type Agents, send } from "./http.js";

/**
 * Token authentication as most registries other than ECR use it (Docker Hub, GHCR, Quay, Harbor,
 * GitLab...): a request without a token is answered 401 with
 * `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`; the client asks the realm for a
 * token for that scope, sending its user name and password (if it has any) with Basic auth, and
 * repeats the request with `Authorization: Bearer <token>`. ECR itself takes Basic auth directly.
 */
export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** The Bearer challenge of a 401's WWW-Authenticate header, or undefined for any other scheme. */
export function parseBearerChallenge(header: string | string[] | undefined): BearerChallenge | undefined {
  const value = Array.isArray(header) ? header.find((h) => /^\s*bearer\s/i.test(h)) : header;
  const match = value && /^\s*bearer\s+(.*)$/i.exec(value);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[1].matchAll(
    /([a-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi,
  )) {
    if (key) params[key.toLowerCase()] = quoted?.replace(/\\(.)/g, "$1") ?? bare ?? "";
  }
  return params.realm ? { realm: params.realm, service: params.service, scope: params.scope } : undefined;
}

/** The repository a registry API URL is about (`/v2/NAME/blobs/...`), or "" for `/v2/` itself. */
export function repositoryOfUrl(url: URL): string {
  return /^\/v2\/(.+?)\/(blobs|manifests|tags|referrers)\//.exec(url.pathname)?.[1] ?? "";
}

/** Tokens last 60 s unless the realm says otherwise (the distribution spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token this close to its end is not used again. */
const EXPIRY_MARGIN_MS = 10_000;

interface CachedToken {
  header: string;
  push: boolean;
  expiresAt: number;
}

/** Bearer tokens of one client, one per repository (a push token covers pulls too). */
export class BearerTokens {
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<string>>();

  constructor(
    private readonly agents: Agents,
    private readonly registry: string,
    private readonly credentials: () => { username: string; password: string },
    private readonly now: () => number,
    private readonly debug: (line: string) => void,
  ) {}

  /** `Bearer ...` for the repository when a usable token is cached. */
  header(repository: string, push: boolean): string | undefined {
    const token = this.#tokens.get(repository);
    if (!token || (push && !token.push) || this.now() >= token.expiresAt - EXPIRY_MARGIN_MS) return undefined;
    return token.header;
  }

  /**
   * Asks the challenge's realm for a token for the repository and caches it; parallel requests
   * refused together (a push's first HEADs) share one token request.
   */
  fetch(challenge: BearerChallenge, repository: string, push: boolean): Promise<string> {
    const key = `${push ? "push" : "pull"} ${repository}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#request(challenge, repository, push).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #request(challenge: BearerChallenge, repository: string, push: boolean): Promise<string> {
    const actions = push ? "pull,push" : "pull";
    const scope = challenge.scope ?? (repository ? `repository:${repository}:${actions}` : undefined);
    let url: URL;
    try {
      url = new URL(challenge.realm);
    } catch {
      throw this.#refused(`its token service address "${challenge.realm}" is not a URL`);
    }
    if (challenge.service) url.searchParams.set("service", challenge.service);
    if (scope) url.searchParams.set("scope", scope);
    const { username, password } = this.credentials();
    const headers: Record<string, string> = {};
    if (username || password) {
      // Credentials never travel in clear text, except to a token service on this machine.
      const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(url.hostname);
      if (url.protocol !== "https:" && !loopback) {
        throw this.#refused(`its token service ${url.origin} is not HTTPS, so the credentials were not sent`);
      }
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    this.debug(`GET ${url.origin}${url.pathname} (token for ${scope ?? "the registry"})`);
    const response = await send(this.agents, { method: "GET", url, headers });
    if (response.status !== 200) throw statusError(response);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(response.body.toString("utf8"));
    } catch {
      throw this.#refused(`its token service ${url.origin} answered with something other than JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw this.#refused(`its token service ${url.origin} gave no token`);
    const seconds = Number(body.expires_in) > 0 ? Number(body.expires_in) : DEFAULT_TOKEN_SECONDS;
    const cached = { header: `Bearer ${token}`, push, expiresAt: this.now() + seconds * 1000 };
    if (repository) this.#tokens.set(repository, cached);
    return cached.header;
  }

  #refused(why: string): PushFailedError {
    return new PushFailedError(
      RegistryErrorCodes.authFailed,
      `The registry ${this.registry} could not be signed in to: ${why}; check the registry address and its token service.`,
    );
  }
}
