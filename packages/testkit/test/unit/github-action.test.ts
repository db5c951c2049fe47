// scripts/release/github-action.mjs builds the action where action.yml runs it and, at release,
// fails unless git holds exactly that build. These check the build it compares is the path
// action.yml names, self-contained, and the same bytes every time (else the git check means nothing).
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const script = path.join(root, "scripts/release/github-action.mjs");
const exec = promisify(execFile);

function files(dir: string, prefix = ""): string[] {
  return readdirSync(dir)
    .flatMap((name) =>
      statSync(path.join(dir, name)).isDirectory()
        ? files(path.join(dir, name), `${prefix}${name}/`)
        : [`${prefix}${name}`],
    )
    .sort();
}

describe("the GitHub Action release build", () => {
  const work = mkdtempSync(path.join(tmpdir(), "ecr-push-action-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("is the file action.yml runs, needs nothing but Node, and is the same bytes on every build", async () => {
    const action = readFileSync(path.join(root, "action.yml"), "utf8");
    expect(action).toMatch(/^ {2}main: packages\/adapter-github\/dist\/index\.js$/m);
    expect(readFileSync(path.join(root, ".gitignore"), "utf8")).toMatch(
      /^!packages\/adapter-github\/dist\/$/m,
    );

    const [a, b] = [path.join(work, "a"), path.join(work, "b")];
    for (const out of [a, b]) {
      const { stdout } = await exec(process.execPath, [script, "--out", out]);
      expect(stdout.trim()).toBe(`github-action: built into ${out}`);
    }
    const built = files(a);
    expect(built).toContain("index.js");
    expect(files(b)).toEqual(built);
    for (const name of built)
      expect(readFileSync(path.join(b, name)).equals(readFileSync(path.join(a, name))), name).toBe(true);

    // Every chunk loads from a folder with no node_modules anywhere above it: each static import is
    // a Node built-in or another chunk, so the runner installs nothing. (index.js itself would run
    // the action; it imports chunks only, which the listing above holds.)
    const chunks = built.filter((f) => f.startsWith("chunks/") && f.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(0);
    const load = `for (const f of ${JSON.stringify(chunks)}) await import(new URL(f, ${JSON.stringify(pathToFileURL(`${a}${path.sep}`).href)}));`;
    const loaded = await exec(process.execPath, ["--input-type=module", "-e", load], { cwd: a });
    expect(loaded.stderr).toBe("");
    expect(readFileSync(path.join(a, "index.js"), "utf8")).toMatch(/from\s*"\.\/chunks\//);
  });
});
