// scripts/release/versions.mjs keeps every version a user sees (packages, Azure task and extension,
// Codefresh step and image, GitLab job image) in step with @ecr-push/cli's; these run it on a copy of the files.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const script = path.join(root, "scripts/release/versions.mjs");
const exec = promisify(execFile);

const FILES = [
  "packages/cli/package.json",
  "packages/core/package.json",
  "packages/ecr-local/package.json",
  "packages/adapter-azure/package.json",
  "packages/adapter-github/package.json",
  "packages/adapter-codefresh/package.json",
  "packages/adapter-gitlab/package.json",
  "packages/adapter-azure/task/task.json",
  "packages/adapter-azure/vss-extension.json",
  "packages/adapter-codefresh/step.yaml",
  "packages/adapter-codefresh/Dockerfile",
  "packages/adapter-codefresh/README.md",
  "templates/ecr-push.yml",
  "packages/adapter-gitlab/Dockerfile",
  "packages/adapter-gitlab/README.md",
];

async function versions(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [script, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("release versions", () => {
  let copy = "";
  const file = (name: string) => path.join(copy, name);
  const read = (name: string) => readFileSync(file(name), "utf8");
  /** Sets the product version, as `changeset version` does for the fixed group's packages. */
  function bump(version: string, packages = FILES.filter((f) => f.endsWith("package.json"))) {
    for (const name of packages)
      writeFileSync(file(name), read(name).replace(/("version":\s*)"[^"]*"/, `$1"${version}"`));
  }

  beforeEach(() => {
    copy = mkdtempSync(path.join(tmpdir(), "ecr-push-versions-"));
    for (const name of FILES) {
      mkdirSync(path.dirname(file(name)), { recursive: true });
      cpSync(path.join(root, name), file(name));
    }
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  it("are in step in this repository (else run `node scripts/release/versions.mjs --write`)", async () => {
    const result = await versions();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("after `changeset version`, --check names each file left behind and --write brings them in step", async () => {
    bump("0.4.2");
    const stale = await versions("--root", copy);
    expect(stale.code).toBe(1);
    const lines = stale.stderr.trim().split("\n");
    const task = JSON.parse(read("packages/adapter-azure/task/task.json")).version;
    expect(lines).toContain(
      `versions: packages/adapter-azure/task/task.json has ${task.Major}.${task.Minor}.${task.Patch}, ` +
        "expected 1.4.2 for @ecr-push/cli 0.4.2; run `node scripts/release/versions.mjs --write`.",
    );
    expect(
      lines.some((l) =>
        l.startsWith("versions: packages/adapter-codefresh/step.yaml (metadata.version) has "),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.startsWith("versions: packages/adapter-codefresh/README.md (ghcr.io/ecr-push/codefresh-step) has "),
      ),
    ).toBe(true);
    expect(lines).toContain(
      "versions: templates/ecr-push.yml (ghcr.io/ecr-push/gitlab-job) has 0.1.0, expected 0.4.2 for @ecr-push/cli 0.4.2; run `node scripts/release/versions.mjs --write`.",
    );

    const before = read("packages/adapter-azure/task/task.json");
    expect((await versions("--write", "--root", copy)).code).toBe(0);
    expect(await versions("--root", copy)).toMatchObject({ code: 0, stderr: "" });

    expect(JSON.parse(read("packages/adapter-azure/task/task.json")).version).toEqual({
      Major: 1,
      Minor: 4,
      Patch: 2,
    });
    expect(JSON.parse(read("packages/adapter-azure/vss-extension.json")).version).toBe("1.4.2");
    const step = read("packages/adapter-codefresh/step.yaml");
    expect(step).toMatch(/^ {2}version: 0\.4\.2$/m);
    expect(step).toMatch(/^version: "1\.0"$/m); // the step-type format's own version is left alone
    expect(step).toContain("image: ghcr.io/ecr-push/codefresh-step:0.4.2");
    expect(step).not.toMatch(/codefresh-step:(?!0\.4\.2)/);
    expect(read("packages/adapter-codefresh/Dockerfile")).not.toMatch(/codefresh-step:(?!0\.4\.2)/);
    expect(read("packages/adapter-codefresh/README.md")).not.toMatch(/codefresh-step:(?!0\.4\.2)/);
    // The GitLab component's job image: the job-image input's default, the Dockerfile, the README.
    expect(read("templates/ecr-push.yml")).toMatch(/^ {6}default: ghcr\.io\/ecr-push\/gitlab-job:0\.4\.2$/m);
    for (const name of [
      "templates/ecr-push.yml",
      "packages/adapter-gitlab/Dockerfile",
      "packages/adapter-gitlab/README.md",
    ])
      expect(read(name)).not.toMatch(/gitlab-job:(?!0\.4\.2)/);
    expect(JSON.parse(read("packages/adapter-gitlab/package.json")).version).toBe("0.4.2");
    // The smallest edit: only the version line of task.json changed.
    const changed = read("packages/adapter-azure/task/task.json")
      .split("\n")
      .filter((line, i) => line !== before.split("\n")[i]);
    expect(changed).toEqual(['  "version": { "Major": 1, "Minor": 4, "Patch": 2 },']);
  });

  it("keeps the Azure task on major 1 and above every earlier version when the product reaches 1.0", async () => {
    bump("1.0.0");
    expect((await versions("--write", "--root", copy)).code).toBe(0);
    expect(JSON.parse(read("packages/adapter-azure/task/task.json")).version).toEqual({
      Major: 1,
      Minor: 1000,
      Patch: 0,
    });
    expect(JSON.parse(read("packages/adapter-azure/vss-extension.json")).version).toBe("1.1000.0");
  });

  it("names a job image tag the template's default left behind", async () => {
    const template = read("templates/ecr-push.yml");
    writeFileSync(
      file("templates/ecr-push.yml"),
      template.replace(/gitlab-job:[0-9A-Za-z._-]+/, "gitlab-job:0.0.9"),
    );
    const result = await versions("--root", copy);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^versions: templates\/ecr-push\.yml \(ghcr\.io\/ecr-push\/gitlab-job\) has 0\.0\.9, expected \S+ for @ecr-push\/cli /,
    );
    expect((await versions("--write", "--root", copy)).code).toBe(0);
    expect(read("templates/ecr-push.yml")).toBe(template);
  });

  it("names a package the fixed group left behind", async () => {
    bump("0.5.0", ["packages/cli/package.json"]);
    const result = await versions("--root", copy);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "versions: packages/core/package.json has 0.1.0, expected 0.5.0 for @ecr-push/cli 0.5.0;",
    );
  });
});
