import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EcrFixture } from "@ecr-push/e2e";
import { buildTestImage, dockerEnv, dockerForTests, realPartAvailable, runOk } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "../../src/figures.js";
import { startTinyproxy, type Tinyproxy, tinyproxyMissing } from "../../src/tinyproxy.js";
import { makeTestCertificates, opensslMissing, startTlsFront, type TestCertificates } from "../../src/tls.js";

const CLI = fileURLToPath(new URL("../../../cli/dist/ecr-push.js", import.meta.url));
const dockerHost = dockerForTests();
const hasTinyproxy = realPartAvailable("Debian's tinyproxy", tinyproxyMissing());
const hasOpenssl = realPartAvailable("The openssl CLI", opensslMissing());
/** A job with no Docker at all: the daemonless engine speaks to the registry itself. */
const NO_DOCKER = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };

describe.runIf(dockerHost && hasTinyproxy)(
  "HTTP_PROXY, HTTPS_PROXY and NO_PROXY through a real tinyproxy",
  () => {
    const host = dockerHost as string;
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-proxy-"));
    const archive = path.join(dir, "web.tar");
    let fixture: EcrFixture;
    let proxy: Tinyproxy;
    let origin = "";
    const figures = { proxiedControlPlane: 0, proxiedDataPlane: 0, directRuns: 0 };

    beforeAll(async () => {
      fixture = await EcrFixture.start(host);
      origin = fixture.local.endpoint.replace(/\/$/, "");
      proxy = await startTinyproxy();
      await buildTestImage(host, "proxy/web:1", { layers: 2 });
      await runOk("docker", ["save", "-o", archive, "proxy/web:1"], { env: dockerEnv(host) });
      await fixture.createRepository("proxy/web");
    });
    afterAll(async () => {
      recordFigures("proxy", {
        order: 30,
        title: "Proxies (real tinyproxy, CLI daemonless push to ecr-local)",
        figures: {
          "control-plane requests seen by the proxy": figures.proxiedControlPlane,
          "registry requests seen by the proxy": figures.proxiedDataPlane,
          "pushes with NO_PROXY covering the host that reached the proxy": 0,
          "pushes with NO_PROXY covering the host": figures.directRuns,
        },
        note: "ecr-local is on loopback over http, so HTTP_PROXY is the variable that applies; HTTPS_PROXY is set too and must be ignored for http: URLs. A push through the Docker engine is sent by the Docker daemon, which uses its own proxy settings.",
      });
      await proxy?.close();
      await fixture?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const push = (tag: string, env: Record<string, string | undefined>) =>
      fixture.runNode(CLI, ["push", `docker-archive:${archive}`, "-r", "proxy/web", "-t", tag, "--json"], {
        ...NO_DOCKER,
        ...env,
      });
    const controlPlane = () => proxy.requests().filter((r) => r.startsWith(`POST ${origin}/ `));
    const dataPlane = () => proxy.requests().filter((r) => r.includes(`${origin}/v2/`));

    it("sends both the ECR API calls and the registry upload through HTTP_PROXY", async () => {
      const run = await push("via-proxy", {
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: "http://127.0.0.1:9",
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).imageUri).toBe(`${fixture.local.registry}/proxy/web:via-proxy`);
      expect(fixture.local.repository("proxy/web")?.imageTags["via-proxy"]).toMatch(/^sha256:/);

      // GetAuthorizationToken and DescribeRepositories at least; then blobs and the manifest.
      expect(controlPlane().length).toBeGreaterThanOrEqual(2);
      const registry = dataPlane();
      expect(registry).toContainEqual(expect.stringMatching(/^POST \S+\/v2\/proxy\/web\/blobs\/uploads\//));
      expect(registry).toContainEqual(expect.stringMatching(/^PATCH \S+\/v2\/proxy\/web\/blobs\/uploads\//));
      expect(registry).toContainEqual(
        expect.stringMatching(/^PUT \S+\/v2\/proxy\/web\/manifests\/via-proxy /),
      );
      figures.proxiedControlPlane = controlPlane().length;
      figures.proxiedDataPlane = registry.length;
    });

    it("reads the lowercase http_proxy as well", async () => {
      const before = proxy.requests().length;
      const run = await push("lowercase", { http_proxy: proxy.url });
      expect(run.code, run.stderr).toBe(0);
      expect(dataPlane().slice(-1)[0]).toMatch(/^PUT \S+\/manifests\/lowercase /);
      expect(proxy.requests().length).toBeGreaterThan(before + 2);
      figures.proxiedControlPlane = controlPlane().length;
      figures.proxiedDataPlane = dataPlane().length;
    });

    // REGISTRY stands for the fixture's host:port, known only once it has started.
    it.each([
      ["the host", "127.0.0.1"],
      ["the host and its port", "other.example, REGISTRY"],
      ["everything", "*"],
    ])("connects directly when NO_PROXY covers %s", async (_, noProxy) => {
      const before = proxy.requests().length;
      const resolved = noProxy.replace("REGISTRY", fixture.local.registry);
      const run = await push(`direct-${figures.directRuns}`, { HTTP_PROXY: proxy.url, NO_PROXY: resolved });
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.requests().length).toBe(before);
      figures.directRuns++;
    });

    it("fails in one sentence, with nothing pushed, when the proxy is down", async () => {
      const run = await push("proxy-down", { HTTP_PROXY: "http://127.0.0.1:9" });
      expect(run.code).toBe(1);
      const errors = run.stderr.split("\n").filter((l) => l.startsWith("error: "));
      expect(errors).toEqual([
        expect.stringMatching(
          /^error: Could not reach ECR at \S+ through the proxy http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): check that the proxy runs and allows the connection, or leave the host out with NO_PROXY\.$/,
        ),
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(fixture.local.repository("proxy/web")?.imageTags["proxy-down"]).toBeUndefined();
    });
  },
);

describe.runIf(dockerHost && hasTinyproxy && hasOpenssl)(
  "HTTPS to the ECR API: CONNECT through the proxy, AWS_CA_BUNDLE, certificate errors",
  () => {
    const host = dockerHost as string;
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-tls-"));
    const archive = path.join(dir, "web.tar");
    let fixture: EcrFixture;
    let proxy: Tinyproxy;
    let certs: TestCertificates;
    const fronts: { url: string; port: number; close(): Promise<void> }[] = [];
    let front = "";
    let selfSigned = "";
    const tls = { tunnels: 0, trustedViaBundle: 0, trustedViaExtraCerts: 0, explained: 0 };

    beforeAll(async () => {
      fixture = await EcrFixture.start(host);
      certs = makeTestCertificates(dir);
      const signed = await startTlsFront(fixture.local.endpoint, {
        key: readFileSync(certs.keyFile, "utf8"),
        cert: readFileSync(certs.certFile, "utf8"),
      });
      const self = await startTlsFront(fixture.local.endpoint, {
        key: readFileSync(certs.selfSignedKeyFile, "utf8"),
        cert: readFileSync(certs.selfSignedCertFile, "utf8"),
      });
      fronts.push(signed, self);
      front = signed.url;
      selfSigned = self.url;
      proxy = await startTinyproxy({ connectPorts: [signed.port] });
      await buildTestImage(host, "proxy/tls:1", { layers: 1 });
      await runOk("docker", ["save", "-o", archive, "proxy/tls:1"], { env: dockerEnv(host) });
      await fixture.createRepository("proxy/tls");
    });
    afterAll(async () => {
      recordFigures("tls", {
        order: 31,
        title: "HTTPS to the ECR API through the proxy, CA bundles and certificate errors",
        figures: {
          "CONNECT tunnels tinyproxy opened for one push with HTTPS_PROXY": tls.tunnels,
          "pushes trusting a private CA from AWS_CA_BUNDLE": tls.trustedViaBundle,
          "pushes trusting a private CA from NODE_EXTRA_CA_CERTS": tls.trustedViaExtraCerts,
          "certificate and CA bundle problems explained in one sentence": tls.explained,
        },
        note: "An HTTPS front with a certificate for 127.0.0.1 from a throwaway CA (openssl, in the test) relays to ecr-local; the data plane stays on loopback http. The registry client's TLS handling is tested the same way at the request level in packages/core/test/integration/net.",
      });
      await proxy?.close();
      for (const f of fronts) await f.close();
      await fixture?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const push = (tag: string, env: Record<string, string | undefined>) =>
      fixture.runNode(CLI, ["push", `docker-archive:${archive}`, "-r", "proxy/tls", "-t", tag], {
        ...NO_DOCKER,
        AWS_ENDPOINT_URL_ECR: front,
        ...env,
      });
    const errorsOf = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error: "));

    it("tunnels the HTTPS API calls through HTTPS_PROXY and trusts the CA of AWS_CA_BUNDLE", async () => {
      const run = await push("tunnelled", { HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: certs.caFile });
      expect(run.code, run.stderr).toBe(0);
      const port = new URL(front).port;
      expect(proxy.requests()).toContainEqual(
        expect.stringMatching(new RegExp(`^CONNECT 127\\.0\\.0\\.1:${port} `)),
      );
      expect(fixture.local.repository("proxy/tls")?.imageTags.tunnelled).toMatch(/^sha256:/);
      tls.tunnels = proxy.requests().filter((r) => r.startsWith("CONNECT ")).length;
      tls.trustedViaBundle++;
    });

    it("keeps NODE_EXTRA_CA_CERTS working", async () => {
      const run = await push("extra-ca", { NODE_EXTRA_CA_CERTS: certs.caFile });
      expect(run.code, run.stderr).toBe(0);
      tls.trustedViaExtraCerts++;
    });

    it("explains an unknown CA in one sentence naming the endpoint and AWS_CA_BUNDLE, pushing nothing", async () => {
      const run = await push("untrusted", { HTTPS_PROXY: proxy.url });
      expect(run.code).toBe(1);
      expect(errorsOf(run.stderr)).toEqual([
        `error: The TLS certificate of ${front} is signed by an unknown certificate authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): if a private CA or an intercepting proxy signs it, set AWS_CA_BUNDLE to a PEM file holding that CA's certificate.`,
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(fixture.local.repository("proxy/tls")?.imageTags.untrusted).toBeUndefined();
      tls.explained++;
    });

    it("explains a self-signed certificate", async () => {
      const run = await push("self-signed", { AWS_ENDPOINT_URL_ECR: selfSigned });
      expect(run.code).toBe(1);
      expect(errorsOf(run.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^error: The TLS certificate of ${selfSigned} is self-signed \\(DEPTH_ZERO_SELF_SIGNED_CERT\\): .*AWS_CA_BUNDLE`,
          ),
        ),
      ]);
      tls.explained++;
    });

    it("names AWS_CA_BUNDLE when it points at no file", async () => {
      const missing = path.join(dir, "missing.pem");
      const run = await push("no-bundle", { AWS_CA_BUNDLE: missing });
      expect(run.code).toBe(1);
      expect(errorsOf(run.stderr)).toEqual([
        `error: Could not read the certificate bundle AWS_CA_BUNDLE="${missing}" (ENOENT): point AWS_CA_BUNDLE at a readable PEM file or unset it.`,
      ]);
      tls.explained++;
    });
  },
);
