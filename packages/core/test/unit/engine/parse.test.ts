import path from "node:path";
import { describe, expect, it } from "vitest";
import { daemonEnvFromContext } from "../../../src/engine/docker/parse.js";
import {
  digestForRepository,
  parseImageInspect,
  parsePushDigest,
  repositoryOf,
} from "../../../src/engine/index.js";

const DIGEST = `sha256:${"0f".repeat(32)}`;

describe("parsePushDigest", () => {
  it("reads the last digest line", () => {
    const out = `The push refers to repository [r/app]\nabc: Pushed\nv1: digest: ${DIGEST} size: 1574\n`;
    expect(parsePushDigest(out)).toEqual({ digest: DIGEST, size: 1574 });
    expect(
      parsePushDigest(`a: digest: sha256:${"1".repeat(64)} size: 1\r\nb: digest: ${DIGEST} size: 2\r\n`),
    ).toEqual({
      digest: DIGEST,
      size: 2,
    });
  });

  it.each([
    ["no digest line", "abc: Pushed\n"],
    ["short hex", "v1: digest: sha256:abcdef size: 10\n"],
    ["upper-case hex", `v1: digest: sha256:${"AB".repeat(32)} size: 10\n`],
    ["other algorithm", `v1: digest: sha512:${"ab".repeat(64)} size: 10\n`],
    ["no size", `v1: digest: ${DIGEST}\n`],
    ["empty", ""],
  ])("ignores %s", (_, out) => {
    expect(parsePushDigest(out)).toBeUndefined();
  });
});

describe("references", () => {
  it.each([
    ["host:5000/team/app:v1", "host:5000/team/app"],
    ["host:5000/team/app", "host:5000/team/app"],
    ["app", "app"],
    [`app@${DIGEST}`, "app"],
  ])("repositoryOf(%s) = %s", (reference, repository) => {
    expect(repositoryOf(reference)).toBe(repository);
  });

  it("picks the digest of the right repository", () => {
    const digests = [`host/other@sha256:${"1".repeat(64)}`, `host/app@${DIGEST}`];
    expect(digestForRepository(digests, "host/app")).toBe(DIGEST);
    expect(digestForRepository(digests, "host/none")).toBeUndefined();
    expect(digestForRepository(["host/app@sha256:bad"], "host/app")).toBeUndefined();
  });
});

describe("parseImageInspect", () => {
  it("reads Id, RepoTags and RepoDigests (null as empty)", () => {
    expect(parseImageInspect('{"Id":"sha256:1","RepoTags":null,"RepoDigests":["a@b"],"Size":3}')).toEqual({
      id: "sha256:1",
      repoTags: [],
      repoDigests: ["a@b"],
    });
    expect(parseImageInspect("not json")).toBeUndefined();
    expect(parseImageInspect("[]")).toBeUndefined();
  });

  it("reads the diff IDs, and podman's one-element array with an Id lacking sha256:", () => {
    const diffIds = [`sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`];
    const podman = JSON.stringify([
      { Id: "c".repeat(64), RepoTags: ["localhost/web:1"], RootFS: { Layers: diffIds } },
    ]);
    expect(parseImageInspect(podman)).toEqual({
      id: `sha256:${"c".repeat(64)}`,
      repoTags: ["localhost/web:1"],
      repoDigests: [],
      diffIds,
    });
    expect(parseImageInspect(JSON.stringify([{ Id: "1" }, { Id: "2" }]))).toBeUndefined();
  });
});

describe("daemonEnvFromContext", () => {
  it("gives DOCKER_HOST, and the TLS files when the context has them", () => {
    const plain = {
      Endpoints: { docker: { Host: "unix:///x.sock", SkipTLSVerify: false } },
      TLSMaterial: {},
    };
    expect(daemonEnvFromContext(JSON.stringify(plain))).toEqual({ DOCKER_HOST: "unix:///x.sock" });
    const tls = {
      Endpoints: { docker: { Host: "tcp://10.0.0.1:2376", SkipTLSVerify: false } },
      TLSMaterial: { docker: ["ca.pem", "cert.pem", "key.pem"] },
      Storage: { TLSPath: "/cfg/contexts/tls/abc" },
    };
    expect(daemonEnvFromContext(JSON.stringify(tls))).toEqual({
      DOCKER_HOST: "tcp://10.0.0.1:2376",
      DOCKER_CERT_PATH: path.join("/cfg/contexts/tls/abc", "docker"),
      DOCKER_TLS_VERIFY: "1",
    });
    tls.Endpoints.docker.SkipTLSVerify = true;
    expect(daemonEnvFromContext(JSON.stringify(tls)).DOCKER_TLS).toBe("1");
    expect(daemonEnvFromContext("garbage")).toEqual({});
  });
});
