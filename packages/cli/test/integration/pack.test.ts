// The npm package as a user gets it: `pnpm pack` the CLI, install the tarball into an empty project
// with npm, and run `ecr-push` from node_modules/.bin. The bundle needs no runtime dependency.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { commandMissing, realPartAvailable, run } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const { version } = JSON.parse(readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as {
  version: string;
};

/** Every file under `dir`, relative and with / separators, sorted. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(dir)
    .flatMap((name) =>
      statSync(path.join(dir, name)).isDirectory()
        ? files(path.join(dir, name), `${prefix}${name}/`)
        : [`${prefix}${name}`],
    )
    .sort();
}

const npmMissing = await commandMissing("npm", "install Node.js with npm");
const pnpmMissing = await commandMissing("pnpm", "corepack enable, or npm install -g pnpm");
const ready = realPartAvailable("npm", npmMissing) && realPartAvailable("pnpm (for pnpm pack)", pnpmMissing);

describe.runIf(ready)("the @ecr-push/cli npm package", () => {
  const work = mkdtempSync(path.join(tmpdir(), "ecr-push-pack-"));
  const project = path.join(work, "project");
  // What `npx ecr-push` runs; on Windows npm's .cmd shim needs a shell, so node runs the target.
  const bin = path.join(project, "node_modules", ".bin", "ecr-push");
  const installed = path.join(project, "node_modules", "@ecr-push", "cli");
  let tarball = "";
  // npm keeps its cache in HOME: a private one, removed with the rest.
  const env = {
    ...process.env,
    HOME: work,
    USERPROFILE: work,
    npm_config_cache: path.join(work, "npm-cache"),
  };

  beforeAll(async () => {
    const packed = await run("pnpm", ["pack", "--pack-destination", work], { cwd: PACKAGE_DIR, env });
    expect(packed.code, packed.stdout + packed.stderr).toBe(0);
    tarball = path.join(work, `ecr-push-cli-${version}.tgz`);
    expect(statSync(tarball).size).toBeGreaterThan(0);
    mkdirSync(project);
    writeFileSync(
      path.join(project, "package.json"),
      `${JSON.stringify({ name: "consumer", private: true })}\n`,
    );
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], {
      cwd: project,
      env,
      timeoutMs: 120_000,
    });
    expect(install.code, install.stdout + install.stderr).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function ecrPush(args: string[]) {
    if (process.platform === "win32")
      return run(process.execPath, [path.join(installed, "dist", "ecr-push.js"), ...args], {
        cwd: project,
        env,
      });
    return run(bin, args, { cwd: project, env });
  }

  it("holds the bundle, README, LICENSE and package.json, and pulls in no dependency", () => {
    const shipped = files(installed);
    expect(shipped).toContain("dist/ecr-push.js");
    expect(shipped).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json"]));
    expect(
      shipped.filter((f) => !/^(dist\/|README\.md$|LICENSE$|package\.json$|CHANGELOG\.md$)/.test(f)),
    ).toEqual([]);
    expect(shipped.some((f) => f.endsWith(".ts") || f.startsWith("test/"))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(JSON.stringify(manifest)).not.toContain("workspace:");
    expect(manifest).toMatchObject({
      name: "@ecr-push/cli",
      version,
      license: "MIT",
      bin: { "ecr-push": "./dist/ecr-push.js" },
    });
    // Nothing but the package itself was installed.
    expect(readdirSync(path.join(project, "node_modules")).filter((n) => !n.startsWith("."))).toEqual([
      "@ecr-push",
    ]);
  });

  it("runs `ecr-push --version` from node_modules/.bin", async () => {
    const result = await ecrPush(["--version"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`${version}\n`);
    expect(result.code).toBe(0);
  });

  it("fails fast on bad input with one sentence and exit code 2", async () => {
    const result = await ecrPush(["push", "web:1", "--repository", "Team/Web App"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'error: Invalid --repository "Team/Web App": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).\n',
    );
  });
});

describe.runIf(ready)("the @ecr-push/core npm package", () => {
  const CORE_DIR = fileURLToPath(new URL("../../../core/", import.meta.url));

  it("ships its ESM build with a declaration beside every module, the sources its maps name, README and LICENSE", async () => {
    const packed = await run("pnpm", ["pack", "--json", "--dry-run"], { cwd: CORE_DIR });
    expect(packed.code, packed.stderr).toBe(0);
    const listing = JSON.parse(packed.stdout) as { name: string; files: { path: string }[] };
    const shipped = listing.files.map((f) => f.path);
    expect(listing.name).toBe("@ecr-push/core");
    expect(shipped).toEqual(
      expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"]),
    );
    const modules = shipped.filter((f) => f.startsWith("dist/") && f.endsWith(".js"));
    expect(modules.length).toBeGreaterThan(10);
    for (const js of modules) expect(shipped, js).toContain(js.replace(/\.js$/, ".d.ts"));
    expect(shipped.filter((f) => f.startsWith("test/") || f.includes("tsbuildinfo"))).toEqual([]);
  });
});

describe.runIf(ready)("publint", () => {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  for (const pkg of ["cli", "core"]) {
    it(`finds nothing to fix in packages/${pkg}`, async () => {
      const publint = path.join(root, "node_modules", ".bin", "publint");
      const result = await run(publint, ["--strict", path.join(root, "packages", pkg)], { cwd: root });
      expect(result.stdout + result.stderr).toContain("All good!");
      expect(result.code).toBe(0);
    });
  }
});
