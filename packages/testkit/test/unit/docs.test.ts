// The hosts' README tables are generated from task.json, action.yml, step.yaml and
// templates/ecr-push.yml by scripts/docs.mjs, and each host's "not offered" table (the CLI's too)
// from its HostInputTable; this fails when one of them changed and `pnpm run docs` was not run.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const script = path.join(root, "scripts/docs.mjs");
const run = promisify(execFile);

const FILES = [
  "packages/adapter-azure/task/task.json",
  "packages/adapter-azure/README.md",
  "action.yml",
  "packages/adapter-github/README.md",
  "packages/adapter-codefresh/step.yaml",
  "packages/adapter-codefresh/README.md",
  "templates/ecr-push.yml",
  "packages/adapter-gitlab/README.md",
  "packages/cli/README.md",
];

async function docs(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("generated host docs", () => {
  const copy = mkdtempSync(path.join(tmpdir(), "ecr-push-docs-"));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  for (const file of FILES) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(copy, file));
  }

  it("match task.json, action.yml, step.yaml and templates/ecr-push.yml (else run `pnpm run docs`)", async () => {
    const result = await docs("--check");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("--check names the README a changed source leaves stale, and a write brings it back in step", async () => {
    // Bring the copy in step first, whatever the state of the checkout.
    expect((await docs("--root", copy)).code).toBe(0);
    const before = readFileSync(path.join(copy, "packages/adapter-github/README.md"), "utf8");
    const actionYml = path.join(copy, "action.yml");
    writeFileSync(
      actionYml,
      readFileSync(actionYml, "utf8").replace(
        "The ECR repository to push to, for example team/web.",
        "The ECR repository to push to | drifted.",
      ),
    );
    const stale = await docs("--check", "--root", copy);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe(
      "docs: packages/adapter-github/README.md is out of date with action.yml; run `pnpm run docs` and commit it.",
    );

    expect((await docs("--root", copy)).code).toBe(0);
    const readme = readFileSync(path.join(copy, "packages/adapter-github/README.md"), "utf8");
    // The table is formatted as biome formats Markdown (`pnpm lint`), cells padded.
    expect(readme).toMatch(
      /^\| `repository` +\| required +\| The ECR repository to push to \\\| drifted\. +\|$/m,
    );
    expect((await docs("--check", "--root", copy)).code).toBe(0);
    // Only the table changed: the prose around it is kept as written.
    const outside = (text: string) => text.replace(/<!-- inputs:start -->[\s\S]*<!-- inputs:end -->/, "");
    expect(outside(readme)).toBe(outside(before));
  });

  it("--check names the GitLab README when the component's spec changes, and a write follows it", async () => {
    expect((await docs("--root", copy)).code).toBe(0);
    const template = path.join(copy, "templates/ecr-push.yml");
    writeFileSync(
      template,
      readFileSync(template, "utf8")
        .replace("The ECR repository to push to, such as team/web.", "The ECR repository, drifted.")
        .replace(
          "options: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]",
          "options: [IMMUTABLE, MUTABLE]",
        ),
    );
    const stale = await docs("--check", "--root", copy);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe(
      "docs: packages/adapter-gitlab/README.md is out of date with templates/ecr-push.yml; run `pnpm run docs` and commit it.",
    );

    expect((await docs("--root", copy)).code).toBe(0);
    const readme = readFileSync(path.join(copy, "packages/adapter-gitlab/README.md"), "utf8");
    // name, type, default ("required" for an input without one), description with the options.
    expect(readme).toMatch(
      /^\| `repository` +\| string +\| required +\| The ECR repository, drifted\. +\|$/m,
    );
    expect(readme).toMatch(
      /^\| `image-tag-mutability` +\| string +\| `MUTABLE` +\| .*\(one of `IMMUTABLE`, `MUTABLE`\) +\|$/m,
    );
    expect(readme).toMatch(/^\| `create-repository` +\| boolean +\| `false` +\|/m);
    expect(readme).toMatch(/^\| `ECR_IMAGE_DIGEST` +\| The digest of the pushed manifest/m);
    // What GitLab declines, from GITLAB_INPUTS: the input, the other hosts' spellings, the reason.
    expect(readme).toMatch(
      /^\| Shared config profile\. +\| CLI: `--profile` +\| jobs have no shared AWS config; .*\|$/m,
    );
    expect((await docs("--check", "--root", copy)).code).toBe(0);
  });

  it("lists in each host's README the inputs its table declines, with the reason", async () => {
    expect((await docs("--root", copy)).code).toBe(0);
    const cli = readFileSync(path.join(copy, "packages/cli/README.md"), "utf8");
    expect(cli).toContain("<!-- generated from CLI_INPUTS in packages/cli/src/commands/inputs.ts");
    expect(cli).toMatch(
      /^\| AWS access key ID\. +\| .*GitHub Actions: `aws-access-key-id`.* +\| keys come from AWS_ACCESS_KEY_ID in the environment, never from argv\. +\|$/m,
    );
    const github = readFileSync(path.join(copy, "packages/adapter-github/README.md"), "utf8");
    expect(github).toMatch(
      /^\| AES256 or KMS, for a created repository\. +\| none +\| kms-key alone chooses KMS;/m,
    );
  });

  it("fails in one sentence when a README lost its markers", async () => {
    const readme = path.join(copy, "packages/adapter-codefresh/README.md");
    writeFileSync(readme, readFileSync(readme, "utf8").replace("<!-- outputs:end -->", ""));
    const result = await docs("--check", "--root", copy);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "docs: packages/adapter-codefresh/README.md has no <!-- outputs:start --> ... <!-- outputs:end --> markers.",
    );
  });
});
