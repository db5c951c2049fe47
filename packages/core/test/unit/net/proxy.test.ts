import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRoutingAgents, proxyForUrl } from "../../../src/net/index.js";
import { createAgents, send } from "../../../src/registry/http.js";

describe("proxyForUrl", () => {
  const proxy = "http://proxy.example:3128";

  it("uses the variable of the URL's scheme", () => {
    const env = { HTTP_PROXY: "http://plain:1", HTTPS_PROXY: "http://secure:2" };
    expect(proxyForUrl("http://registry.example/v2/", env)).toBe("http://plain:1");
    expect(proxyForUrl("https://api.ecr.eu-west-1.amazonaws.com/", env)).toBe("http://secure:2");
    expect(proxyForUrl("https://registry.example/", { HTTP_PROXY: proxy })).toBeUndefined();
    expect(proxyForUrl("http://registry.example/", { HTTPS_PROXY: proxy })).toBeUndefined();
  });

  it("reads lowercase and uppercase names, lowercase first, and ALL_PROXY last", () => {
    expect(proxyForUrl("https://a.example/", { https_proxy: proxy })).toBe(proxy);
    expect(
      proxyForUrl("https://a.example/", { https_proxy: "http://low:1", HTTPS_PROXY: "http://up:1" }),
    ).toBe("http://low:1");
    expect(proxyForUrl("https://a.example/", { ALL_PROXY: proxy })).toBe(proxy);
    expect(proxyForUrl("https://a.example/", { all_proxy: "http://all:1", HTTPS_PROXY: "http://s:1" })).toBe(
      "http://s:1",
    );
  });

  it("gives a proxy without a scheme the scheme of the request", () => {
    expect(proxyForUrl("http://a.example/", { HTTP_PROXY: "proxy.example:3128" })).toBe(
      "http://proxy.example:3128",
    );
  });

  it("connects directly to hosts NO_PROXY covers: names, domains, wildcards, ports, *", () => {
    const env = { HTTPS_PROXY: proxy, HTTP_PROXY: proxy };
    const direct = (url: string, noProxy: string) => proxyForUrl(url, { ...env, NO_PROXY: noProxy });
    expect(direct("https://api.ecr.eu-west-1.amazonaws.com/", "amazonaws.com")).toBe(proxy);
    expect(direct("https://api.ecr.eu-west-1.amazonaws.com/", ".amazonaws.com")).toBeUndefined();
    expect(direct("https://api.ecr.eu-west-1.amazonaws.com/", "*.amazonaws.com")).toBeUndefined();
    expect(direct("https://registry.example/", "other.example, registry.example")).toBeUndefined();
    expect(direct("http://127.0.0.1:5000/v2/", "127.0.0.1")).toBeUndefined();
    expect(direct("http://127.0.0.1:5000/v2/", "127.0.0.1:5000")).toBeUndefined();
    expect(direct("http://127.0.0.1:5000/v2/", "127.0.0.1:6000")).toBe(proxy);
    expect(direct("https://anything.example/", "*")).toBeUndefined();
    expect(
      proxyForUrl("https://registry.example/", { ...env, no_proxy: "registry.example" }),
    ).toBeUndefined();
  });

  it("treats loopback like any host: proxied unless NO_PROXY lists it", () => {
    expect(proxyForUrl("http://127.0.0.1:5000/v2/", { HTTP_PROXY: proxy })).toBe(proxy);
    expect(
      proxyForUrl("http://localhost:5000/v2/", { HTTP_PROXY: proxy, NO_PROXY: "localhost" }),
    ).toBeUndefined();
  });

  it("reads only the environment it is given, and leaves process.env as it was", () => {
    const before = process.env;
    expect(proxyForUrl("https://a.example/", {})).toBeUndefined();
    expect(process.env).toBe(before);
  });
});

/** A forward proxy for plain-HTTP requests (absolute-form URLs), recording what went through it. */
async function startForwardProxy() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const upstream = http.request(req.url ?? "", { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("routing agents", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  async function origin() {
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("sends registry requests through HTTP_PROXY, and directly for a host in NO_PROXY", async () => {
    const target = await origin();
    const proxy = await startForwardProxy();
    servers.push(proxy.server);

    const proxied = createAgents(2, { HTTP_PROXY: proxy.url });
    const first = await send(proxied, { method: "GET", url: new URL(`${target}/v2/`) });
    expect(first.body.toString()).toBe("hello /v2/");
    expect(proxy.seen).toEqual([`GET ${target}/v2/`]);

    const direct = createAgents(2, { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" });
    const second = await send(direct, { method: "GET", url: new URL(`${target}/v2/x`) });
    expect(second.body.toString()).toBe("hello /v2/x");
    expect(proxy.seen).toHaveLength(1);
    for (const agents of [proxied, direct]) {
      agents["http:"].destroy();
      agents["https:"].destroy();
    }
  });

  it("ignores HTTPS_PROXY for an http: registry", async () => {
    const target = await origin();
    const agents = createRoutingAgents({ HTTPS_PROXY: "http://127.0.0.1:9" });
    const response = await send(agents, { method: "GET", url: new URL(`${target}/v2/`) });
    expect(response.status).toBe(200);
    agents["http:"].destroy();
  });
});
