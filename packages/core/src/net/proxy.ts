import { getProxyForUrl } from "proxy-from-env";

/** The connection environment: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY (either case). */
export type NetEnv = Record<string, string | undefined>;

const PROXY_VARIABLES = ["https_proxy", "http_proxy", "all_proxy", "no_proxy"];

/**
 * The proxy URL a request to `url` goes through, or undefined for a direct connection. The
 * decision is the standard one (proxy-from-env, as curl and most tools make it): the variable for
 * the URL's scheme (HTTP_PROXY for http:, HTTPS_PROXY for https:), then ALL_PROXY, lowercase names
 * first, and none for a host NO_PROXY covers. Loopback is not special: list it in NO_PROXY.
 */
export function proxyForUrl(url: URL | string, env: NetEnv): string | undefined {
  return withEnv(env, () => getProxyForUrl(typeof url === "string" ? url : url.href)) || undefined;
}

/** The proxy for `url` as messages name it: scheme, host and port, never its credentials. */
export function proxyForEndpoint(url: string, env: NetEnv): string | undefined {
  const proxy = proxyForUrl(url, env);
  if (!proxy) return undefined;
  try {
    const parsed = new URL(proxy);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/**
 * proxy-from-env reads only `process.env`; core reads the environment it is given. For the
 * duration of this synchronous call the library sees exactly the injected proxy variables.
 */
function withEnv<T>(env: NetEnv, read: () => T): T {
  if (env === process.env) return read();
  const saved = process.env;
  const view: NetEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (PROXY_VARIABLES.includes(name.toLowerCase())) view[name] = value;
  }
  process.env = view;
  try {
    return read();
  } finally {
    process.env = saved;
  }
}
