import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { run } from "@ecr-push/testkit";
import { describe, expect, it } from "vitest";
import { BUILT_TASK, PACKAGE_DIR } from "./harness.js";

const ROOT = path.resolve(PACKAGE_DIR, "../..");
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));

/** The release script's zip reader (a .vsix is a zip): the test checks what the release checks. */
const { unzip } = (await import(pathToFileURL(path.join(ROOT, "scripts/release/azure.mjs")).href)) as {
  unzip: (file: string) => Map<string, Buffer>;
};

describe("the extension package", () => {
  it("packs with tfx into a .vsix holding the task folder and our AWS connection type", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "ecr-push-vsix-"));
    try {
      const vsix = path.join(out, "ecr-push.vsix");
      const tfx = path.join(PACKAGE_DIR, "node_modules", ".bin", "tfx");
      const result = await run(
        tfx,
        [
          "extension",
          "create",
          "--root",
          PACKAGE_DIR,
          "--manifest-globs",
          "vss-extension.json",
          "--output-path",
          vsix,
          "--no-prompt",
        ],
        // tfx keeps a cache in HOME: a private one, removed with the output.
        { cwd: PACKAGE_DIR, env: { ...process.env, HOME: out, USERPROFILE: out } },
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const entries = unzip(vsix);
      const taskJson = JSON.parse(String(entries.get("dist/ECRPushImage/task.json")));
      expect(taskJson).toEqual(JSON.parse(readFileSync(path.join(BUILT_TASK, "task.json"), "utf8")));
      expect(taskJson.execution.Node24.target).toBe("index.js");
      expect(
        entries.get("dist/ECRPushImage/index.js")?.equals(readFileSync(path.join(BUILT_TASK, "index.js"))),
      ).toBe(true);
      const manifest = String(entries.get("extension.vsomanifest"));
      expect(manifest).toContain("ms.vss-endpoint.service-endpoint-type");
      expect(manifest).toContain("ms.vss-distributed-task.task");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  it("`pnpm package:azure` packs a .vsix whose task, entry, icons and versions are what a release needs", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "ecr-push-vsix-"));
    try {
      const vsix = path.join(out, "release.vsix");
      // The root script builds the task, then runs this; the build already ran before the tests.
      const result = await run(
        process.execPath,
        [path.join(ROOT, "scripts/release/azure.mjs"), "--out", vsix],
        {
          cwd: ROOT,
          env: { ...process.env, HOME: out, USERPROFILE: out },
        },
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const extension = json("packages/adapter-azure/vss-extension.json");
      expect(result.stdout).toMatch(
        new RegExp(`^azure: wrote .*release\\.vsix \\(version ${extension.version.replace(/\./g, "\\.")}, `),
      );

      const entries = unzip(vsix);
      for (const name of ["task.json", "index.js", "icon.png", "package.json"])
        expect(entries.has(`dist/ECRPushImage/${name}`), name).toBe(true);
      expect(
        entries
          .get("dist/ECRPushImage/icon.png")
          ?.equals(readFileSync(path.join(PACKAGE_DIR, "task/icon.png"))),
      ).toBe(true);
      expect(entries.has(extension.icons.default)).toBe(true);
      // The chunks the entry imports are packed too: the agent has nothing else to load them from.
      const entry = String(entries.get("dist/ECRPushImage/index.js"));
      for (const chunk of entry.match(/\.\/chunks\/[\w.-]+\.js/g) ?? [])
        expect(entries.has(`dist/ECRPushImage/${chunk.slice(2)}`), chunk).toBe(true);

      // Versions in step: the manifest's, vss-extension.json's and the task's (major 1, the
      // `ECRPushImage@1` contract) all follow @ecr-push/cli's X.Y.Z as 1.(X*1000+Y).Z.
      const manifest = String(entries.get("extension.vsixmanifest"));
      expect(/<Identity\b[^>]*\bVersion="([^"]+)"/.exec(manifest)?.[1]).toBe(extension.version);
      const [major, minor, patch] = json("packages/cli/package.json").version.split(/[.-]/).map(Number);
      const expected = { Major: 1, Minor: major * 1000 + minor, Patch: patch };
      expect(JSON.parse(String(entries.get("dist/ECRPushImage/task.json"))).version).toEqual(expected);
      expect(extension.version).toBe(`${expected.Major}.${expected.Minor}.${expected.Patch}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
