import { describe, expect, it } from "vitest";
import { isDigest, isRepositoryName, isTag } from "../../src/validation.js";

describe("repository names", () => {
  it.each(["ab", "app", "team/app", "a.b/c_d/e-f", "a__b", "a--b", "x".repeat(256)])("accepts %s", (name) => {
    expect(isRepositoryName(name)).toBe(true);
  });
  it.each(["a", "App", "/app", "app/", "a//b", "-app", "app-", "a..b", "a b", "x".repeat(257), ""])(
    "rejects %j",
    (name) => {
      expect(isRepositoryName(name)).toBe(false);
    },
  );
});

describe("tags and digests", () => {
  it("follows the OCI tag grammar", () => {
    expect(isTag("latest")).toBe(true);
    expect(isTag("_v1.2-rc.3")).toBe(true);
    expect(isTag("a".repeat(128))).toBe(true);
    expect(isTag("a".repeat(129))).toBe(false);
    expect(isTag(".hidden")).toBe(false);
    expect(isTag("-x")).toBe(false);
    expect(isTag("a:b")).toBe(false);
  });
  it("accepts only sha256 digests", () => {
    expect(isDigest(`sha256:${"a".repeat(64)}`)).toBe(true);
    expect(isDigest(`sha256:${"A".repeat(64)}`)).toBe(false);
    expect(isDigest(`sha512:${"a".repeat(128)}`)).toBe(false);
  });
});
