import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  buildTestImage,
  dockerForTests,
  dockerRegistryMissing,
  type LocalRegistry,
  realPartAvailable,
  skopeoInspect,
  skopeoRawManifest,
  startDockerRegistry,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushArtifact } from "../../../src/engine/registry/push.js";
import { RegistryClient } from "../../../src/registry/index.js";
import { openDockerArchive, openOciLayout } from "../../../src/sources/index.js";
import { dockerSave, skopeoToLayout } from "./sources.js";

const docker = dockerForTests();
const hasRegistry = realPartAvailable("Debian's docker-registry", dockerRegistryMissing());

describe.runIf(docker && hasRegistry)("the registry client against Debian's docker-registry", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "distribution-"));
  let host = "";
  let registry: LocalRegistry | undefined;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startDockerRegistry();
    host = registry.host;
    // distribution ignores credentials when it has no auth configured; they are still sent.
    client = new RegistryClient({ registry: host, username: "AWS", password: "unused" });
  });
  /**
   * distribution's own auth needs a bcrypt htpasswd file; a Basic check in front of it is all the
   * client must get right: the credentials go with every request, 401 means they are wrong.
   */
  async function basicAuthFront(user: string, password: string): Promise<Server> {
    const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const [hostname, port] = host.split(":");
    const front = createHttpServer((req, res) => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"', "Content-Type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        req.resume();
        return;
      }
      const upstream = httpRequest(
        { hostname, port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    front.listen(0, "127.0.0.1");
    await once(front, "listening");
    return front;
  }

  it("sends Basic credentials a registry checks: the right ones push, wrong ones fail in one sentence", async () => {
    const front = await basicAuthFront("AWS", "s3cret-token");
    const frontHost = `127.0.0.1:${(front.address() as { port: number }).port}`;
    const image = "daemonless/basic-auth:1";
    await buildTestImage(docker as string, image, { layers: 1 });
    const archive = path.join(dir, "basic.tar");
    await dockerSave(docker as string, archive, image);
    const right = new RegistryClient({ registry: frontHost, username: "AWS", password: "s3cret-token" });
    const wrong = new RegistryClient({
      registry: frontHost,
      username: "AWS",
      password: "expired",
      attempts: 1,
    });
    try {
      const source = await openDockerArchive(archive, undefined, { reference: archive, inputName: "SOURCE" });
      const pushed = await pushArtifact(source.artifact, {
        client: right,
        repository: "team/basic",
        concurrency: 2,
      });
      await right.putManifest("team/basic", "v1", pushed.mediaType, pushed.bytes);
      expect((await skopeoInspect(`${host}/team/basic:v1`)).Digest).toBe(pushed.digest);

      const refused = pushArtifact(source.artifact, {
        client: wrong,
        repository: "team/basic-wrong",
        concurrency: 2,
      });
      await expect(refused).rejects.toThrow(
        `The registry ${frontHost} refused the push to team/basic-wrong (authentication required): check that the credentials may push to this repository and have not expired.`,
      );
      expect(await fetch(`http://${host}/v2/team/basic-wrong/tags/list`).then((r) => r.status)).toBe(404);
    } finally {
      right.close();
      wrong.close();
      front.close();
    }
  });

  /**
   * Token auth as Docker Hub, GHCR and Quay do it, in front of the real registry: 401 with a Bearer
   * challenge, a token service checking Basic credentials, tokens scoped to one repository.
   */
  async function bearerFront(user: string, password: string) {
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const issued = new Map<string, { repository: string; push: boolean }>();
    const tokenRequests: string[] = [];
    const [hostname, port] = host.split(":");
    let self = "";
    const front = createHttpServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://front");
      if (url.pathname === "/token") {
        const scope = url.searchParams.get("scope") ?? "";
        tokenRequests.push(scope);
        if (req.headers.authorization !== basic) {
          res.writeHead(401, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }] }),
          );
          return;
        }
        const [, repository = "", actions = ""] = scope.split(":");
        const token = `t${issued.size}-${Math.random().toString(36).slice(2)}`;
        issued.set(token, { repository, push: actions.includes("push") });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ token, expires_in: 300 }));
        return;
      }
      const repository = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(url.pathname)?.[1] ?? "";
      const push = req.method !== "GET" && req.method !== "HEAD";
      const grant = issued.get(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!grant || grant.repository !== repository || (push && !grant.push)) {
        const scope = repository ? `,scope="repository:${repository}:${push ? "pull,push" : "pull"}"` : "";
        res.writeHead(401, {
          "WWW-Authenticate": `Bearer realm="http://${self}/token",service="front"${scope}`,
          "Content-Type": "application/json",
        });
        res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        req.resume();
        return;
      }
      const upstream = httpRequest(
        { hostname, port, path: req.url, method: req.method, headers: { ...req.headers, host } },
        (answer) => {
          const headers = { ...answer.headers };
          // Upload locations name the registry behind; keep them on the front.
          if (typeof headers.location === "string") headers.location = headers.location.replace(host, self);
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    front.listen(0, "127.0.0.1");
    await once(front, "listening");
    self = `127.0.0.1:${(front.address() as { port: number }).port}`;
    return { front, host: self, tokenRequests };
  }

  it("gets Bearer tokens from a token registry's realm to push and to stream blobs back", async () => {
    const { front, host: frontHost, tokenRequests } = await bearerFront("bot", "t0ken-pass");
    const image = "daemonless/bearer:1";
    await buildTestImage(docker as string, image, { layers: 2 });
    const archive = path.join(dir, "bearer.tar");
    await dockerSave(docker as string, archive, image);
    const writer = new RegistryClient({ registry: frontHost, username: "bot", password: "t0ken-pass" });
    const reader = new RegistryClient({ registry: frontHost, username: "bot", password: "t0ken-pass" });
    const wrong = new RegistryClient({ registry: frontHost, username: "bot", password: "nope", attempts: 1 });
    try {
      const source = await openDockerArchive(archive, undefined, { reference: archive, inputName: "SOURCE" });
      const pushed = await pushArtifact(source.artifact, {
        client: writer,
        repository: "team/bearer",
        concurrency: 2,
      });
      await writer.putManifest("team/bearer", "v1", pushed.mediaType, pushed.bytes);
      expect((await skopeoInspect(`${host}/team/bearer:v1`)).Digest).toBe(pushed.digest);
      // The first request is an upload: one push token serves every upload and the manifest.
      expect(tokenRequests).toEqual(["repository:team/bearer:pull,push"]);

      const manifest = await reader.getManifest("team/bearer", "v1");
      expect(manifest?.bytes.equals(pushed.bytes)).toBe(true);
      const layer = JSON.parse(pushed.bytes.toString()).layers[0] as { digest: string; size: number };
      const blob = await reader.openBlob("team/bearer", layer.digest);
      const bytes = Buffer.concat(await blob.stream.toArray());
      expect(bytes.length).toBe(layer.size);
      expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(layer.digest);
      expect(tokenRequests.slice(1)).toEqual(["repository:team/bearer:pull"]);

      await expect(wrong.getManifest("team/bearer", "v1")).rejects.toThrow(
        `The registry ${frontHost} refused the push to team/bearer (incorrect username or password): check that the credentials may push to this repository and have not expired.`,
      );
    } finally {
      writer.close();
      reader.close();
      wrong.close();
      front.close();
    }
  });

  afterAll(async () => {
    client?.close();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes a docker save archive whose digests skopeo sees, then re-pushes it warm", async () => {
    const image = "daemonless/distribution:1";
    await buildTestImage(docker as string, image, { layers: 3, sizeBytes: 3 * 1024 * 1024 });
    const file = path.join(dir, "image.tar");
    await dockerSave(docker as string, file, image);
    const opened = await openDockerArchive(file, undefined, { reference: file, inputName: "SOURCE" });
    const learned = new Map();
    const ctx = { client, repository: "team/archive", concurrency: 4 };
    const pushed = await pushArtifact(opened.artifact, { ...ctx, learned });
    expect(await client.putManifest("team/archive", "v1", pushed.mediaType, pushed.bytes)).toBe(
      pushed.digest,
    );
    const seen = await skopeoInspect(`${host}/team/archive:v1`);
    expect(seen.Digest).toBe(pushed.digest);
    expect(seen.Layers).toEqual(
      JSON.parse(pushed.bytes.toString()).layers.map((l: { digest: string }) => l.digest),
    );
    const lines: string[] = [];
    // The layers this push compressed are known to the next one (the engine finds them from the
    // registry or the layer cache), so nothing is compressed or sent again.
    const again = await pushArtifact(opened.artifact, {
      ...ctx,
      known: learned,
      onProgress: (p) => p.line && lines.push(p.line),
    });
    expect(again.digest).toBe(pushed.digest);
    expect(lines.filter((l) => l.includes("Pushed"))).toEqual([]);
  });

  it("pushes an OCI layout made by skopeo as it is stored", async () => {
    const image = "daemonless/distribution-oci:1";
    await buildTestImage(docker as string, image, { layers: 2 });
    const layout = path.join(dir, "layout");
    await skopeoToLayout(docker as string, image, layout, "v1");
    const opened = await openOciLayout(layout, "v1", { reference: layout, inputName: "SOURCE" });
    const pushed = await pushArtifact(opened.artifact, {
      client,
      repository: "team/oci",
      concurrency: 2,
    });
    await client.putManifest("team/oci", "v1", pushed.mediaType, pushed.bytes);
    expect(await skopeoRawManifest(`${host}/team/oci:v1`)).toBe(pushed.bytes.toString());
    expect((await skopeoInspect(`${host}/team/oci:v1`)).Digest).toBe(pushed.digest);
  });
});
