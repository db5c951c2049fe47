import { describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

describe("ecr-push retag and promote usage", () => {
  it("lists both commands, with examples, in the main help", async () => {
    const r = await cli("--help");
    expect(r.stdout).toContain("ecr-push retag REPOSITORY:TAG|REPOSITORY@DIGEST --tag NEW...");
    expect(r.stdout).toContain("ecr-push promote SOURCE --repository NAME");
    expect(r.stdout).toContain("Examples:");
  });

  it.each(["push", "retag", "promote"])("gives %s --help an Examples section", async (command) => {
    const r = await cli(command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}ecr-push /);
    expect(r.stdout).toContain(`ecr-push ${command} `);
  });

  it("rejects bad retag input with exit 2 and one sentence naming the flag", async () => {
    expect(await cli("retag", "team/web:1")).toMatchObject({
      code: 2,
      stderr: "error: Missing --tag: give at least one new tag for the image.\n",
    });
    const r = await cli("retag", "team/web", "-t", "x", "--json");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe("InvalidInput");
    expect(r.stderr).toMatch(/^error: Invalid SOURCE "team\/web": name the image to tag as REPOSITORY:TAG/);
    expect((await cli("retag", "a:1", "b:1", "-t", "x")).stderr).toMatch(/^error: Expected one image/);
  });

  it("rejects bad promote input with exit 2 and one sentence naming the flag", async () => {
    const noHost = await cli("promote", "web:1", "-r", "team/web");
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toMatch(/^error: Invalid SOURCE "web:1": use docker:\/\/HOST\/REPOSITORY:TAG/);
    const wrongSide = await cli(
      "promote",
      "docker://r.example.com/web:1",
      "-r",
      "team/web",
      "--source-profile",
      "p",
    );
    expect(wrongSide.code).toBe(2);
    expect(wrongSide.stderr).toMatch(
      /^error: Invalid --source-profile "p": it applies only to an ECR source/,
    );
    const platform = await cli("promote", "r.example.com/web:1", "-r", "team/web", "--platform", "arm64");
    expect(platform.stderr).toMatch(/^error: Invalid --platform "arm64": use OS\/ARCH/);
  });
});
