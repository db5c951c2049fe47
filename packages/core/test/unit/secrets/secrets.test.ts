import { describe, expect, it } from "vitest";
import { SecretScrubber } from "../../../src/index.js";

describe("SecretScrubber", () => {
  it("registers each new secret once with the host and scrubs it everywhere", () => {
    const registered: string[] = [];
    const secrets = new SecretScrubber((s) => registered.push(s));
    secrets.mask("wJalrXUtnFEMI/K7MDENG");
    secrets.mask("wJalrXUtnFEMI/K7MDENG");
    expect(registered).toEqual(["wJalrXUtnFEMI/K7MDENG"]);
    expect(secrets.scrub("key=wJalrXUtnFEMI/K7MDENG; again wJalrXUtnFEMI/K7MDENG")).toBe(
      "key=***; again ***",
    );
  });

  it("masks a multi-line value line by line and ignores values too short to be credentials", () => {
    const registered: string[] = [];
    const secrets = new SecretScrubber((s) => registered.push(s));
    secrets.mask("first-line-secret\r\nsecond-line-secret\nab");
    secrets.mask("");
    expect(registered).toEqual(["first-line-secret", "second-line-secret"]);
    expect(secrets.scrub("ab first-line-secret")).toBe("ab ***");
  });

  it("scrubs values the host already masks without registering them again", () => {
    const registered: string[] = [];
    const secrets = new SecretScrubber((s) => registered.push(s));
    secrets.known("oidc-token-value");
    expect(registered).toEqual([]);
    expect(secrets.scrub("token oidc-token-value")).toBe("token ***");
  });
});
