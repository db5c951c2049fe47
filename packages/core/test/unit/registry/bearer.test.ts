import { describe, expect, it } from "vitest";
import { parseBearerChallenge, repositoryOfUrl } from "../../../src/registry/bearer.js";

describe("parseBearerChallenge", () => {
  it("reads realm, service and scope as registries write them", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual({
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:library/alpine:pull",
    });
    expect(parseBearerChallenge('bearer realm="https://ghcr.io/token", service="ghcr.io"')).toEqual({
      realm: "https://ghcr.io/token",
      service: "ghcr.io",
      scope: undefined,
    });
  });

  it("picks the Bearer challenge among several, and ignores Basic and malformed ones", () => {
    expect(parseBearerChallenge(['Basic realm="x"', 'Bearer realm="https://r/t"'])?.realm).toBe(
      "https://r/t",
    );
    expect(parseBearerChallenge('Basic realm="Registry"')).toBeUndefined();
    expect(parseBearerChallenge("Bearer service=x")).toBeUndefined();
    expect(parseBearerChallenge(undefined)).toBeUndefined();
  });
});

describe("repositoryOfUrl", () => {
  it("finds the repository of blob, manifest and upload URLs", () => {
    expect(repositoryOfUrl(new URL("https://r/v2/team/web/blobs/sha256:ab"))).toBe("team/web");
    expect(repositoryOfUrl(new URL("https://r/v2/a/b/c/manifests/v1"))).toBe("a/b/c");
    expect(repositoryOfUrl(new URL("https://r/v2/team/web/blobs/uploads/123?_state=x"))).toBe("team/web");
    expect(repositoryOfUrl(new URL("https://r/v2/"))).toBe("");
  });
});
