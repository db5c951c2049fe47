import { describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

describe("ecr-push usage", () => {
  it("prints help and exits 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ecr-push push SOURCE --repository NAME");
  });

  it("exits 2 with the help when no command is given", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Commands:");
  });

  it("prints the version", async () => {
    const r = await cli("--version");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });

  it("rejects an unknown command in one sentence", async () => {
    const r = await cli("pussh");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Unknown command "pussh": use push, retag, promote or local (see `ecr-push --help`).\n',
    );
  });

  it("rejects an unknown option in one sentence", async () => {
    const r = await cli("push", "app", "--repo", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: Unknown option --repo: run `ecr-push push --help` for the options.\n");
  });

  it("rejects an option without its value", async () => {
    const r = await cli("push", "app", "--repository");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Option --repository needs a value: run `ecr-push push --help`/);
  });

  it("shows push help with examples", async () => {
    const r = await cli("push", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("--create-repository");
  });

  it("names the flag in a validation error and exits 2 before any network call", async () => {
    const r = await cli("push", "app:1", "--repository", "Bad_Repo");
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*--repository.*"Bad_Repo"/);
  });

  it("requires the repository", async () => {
    const r = await cli("push", "app:1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Missing --repository/);
  });

  it("rejects a bad tag naming --tag", async () => {
    const r = await cli("push", "app:1", "-r", "team/app", "--tag=-bad");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*--tag.*"-bad"/);
  });

  it("explains how to pass a value that starts with a dash", async () => {
    const r = await cli("push", "app:1", "-r", "team/app", "-t", "-bad");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: The value of --tag starts with "-": write --tag=VALUE if that is meant.\n');
  });

  it("reports a JSON error document with --json", async () => {
    const r = await cli("push", "app:1", "-r", "team/app", "--registry-id", "12", "--json");
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe("InvalidInput");
    expect(doc.error.message).toContain("--registry-id");
  });

  it("rejects two sources", async () => {
    const r = await cli("push", "a", "b", "-r", "team/app");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Expected one SOURCE image but got 2");
  });

  it("validates local's port", async () => {
    const r = await cli("local", "--port", "http");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: Invalid --port "http": use a number from 0 to 65535.\n');
  });
});
