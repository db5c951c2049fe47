import http from "node:http";
import https from "node:https";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { type NetEnv, proxyForUrl } from "./proxy.js";
import { trustedCertificates } from "./tls.js";

export interface AgentOptions {
  /** Connections per origin. */
  maxSockets?: number;
}

/** What node:http hands an agent for each request (only the fields read here). */
interface RequestOptions {
  ca?: string[];
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
}

type Routed = http.Agent & { addRequest(req: http.ClientRequest, options: RequestOptions): void };

/**
 * A keep-alive agent that picks, for each request, a direct connection or the proxy the
 * environment names for that URL (HTTP_PROXY / HTTPS_PROXY / NO_PROXY), and trusts AWS_CA_BUNDLE.
 * One agent per scheme serves the AWS SDK and the registry client alike.
 */
function routing<T extends typeof http.Agent | typeof https.Agent>(Base: T, scheme: "http:" | "https:") {
  return class RoutingAgent extends (Base as typeof http.Agent) {
    readonly #env: NetEnv;
    readonly #ca: string[] | undefined;
    readonly #maxSockets: number | undefined;
    readonly #routes = new Map<string, Routed>();

    constructor(env: NetEnv, options: AgentOptions, ca: string[] | undefined) {
      super({ keepAlive: true, ...(options.maxSockets ? { maxSockets: options.maxSockets } : {}) });
      this.#env = env;
      this.#ca = ca;
      this.#maxSockets = options.maxSockets;
    }

    // node:http's entry point for every request given this agent (what agent-base relies on too).
    addRequest(req: http.ClientRequest, options: RequestOptions): void {
      const host = options.hostname ?? options.host ?? "localhost";
      const port = options.port ? `:${options.port}` : "";
      const target = `${scheme}//${host.includes(":") ? `[${host}]` : host}${port}/`;
      const proxy = proxyForUrl(target, this.#env) ?? "";
      let route = this.#routes.get(proxy);
      if (!route) {
        route = this.#create(proxy);
        this.#routes.set(proxy, route);
      }
      // HttpsProxyAgent takes the TLS options of the tunnelled connection from the request, and
      // drops its host: without an explicit check an IP address would be checked as "localhost".
      const tunnelled =
        proxy && scheme === "https:"
          ? { checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(host, cert) }
          : {};
      route.addRequest(req, { ...options, ...(this.#ca ? { ca: this.#ca } : {}), ...tunnelled });
    }

    #create(proxy: string): Routed {
      const common = {
        keepAlive: true,
        ...(this.#maxSockets ? { maxSockets: this.#maxSockets } : {}),
        ...(this.#ca ? { ca: this.#ca } : {}),
      };
      if (!proxy) return (scheme === "https:" ? new https.Agent(common) : new http.Agent(common)) as Routed;
      if (scheme === "https:") return new HttpsProxyAgent(proxy, common) as unknown as Routed;
      // A plain-http request through a proxy gets a fresh connection each time: proxies such as
      // tinyproxy close theirs after one response, and a reused one would fail mid-upload.
      return new HttpProxyAgent(proxy, { ...common, keepAlive: false }) as unknown as Routed;
    }

    override destroy(): void {
      for (const route of this.#routes.values()) route.destroy();
      this.#routes.clear();
      super.destroy();
    }
  };
}

const RoutingHttpAgent = routing(http.Agent, "http:");
const RoutingHttpsAgent = routing(https.Agent, "https:");

/**
 * One keep-alive agent per scheme, routed through the environment's proxies and trusting
 * AWS_CA_BUNDLE when it is set. Throws one sentence when AWS_CA_BUNDLE cannot be read.
 */
export function createRoutingAgents(env: NetEnv, options: AgentOptions = {}) {
  const ca = trustedCertificates(env);
  return {
    "http:": new RoutingHttpAgent(env, options, undefined) as http.Agent,
    "https:": new RoutingHttpsAgent(env, options, ca) as unknown as https.Agent,
  };
}
export type RoutingAgents = ReturnType<typeof createRoutingAgents>;
