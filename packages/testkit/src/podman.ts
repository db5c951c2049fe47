import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runOk } from "./process.js";

/** podman with an image store of its own, for tests of hosts where docker is absent. */
export interface PodmanForTests {
  /** CONTAINERS_STORAGE_CONF naming the private store, for every podman the test starts (ours too). */
  storeEnv: Record<string, string>;
  /** A PATH holding podman and nothing called docker. */
  podmanOnlyPath: string;
  /** Runs podman on the private store; resolves with its stdout. */
  podman(args: string[]): Promise<string>;
  /** Builds `name` from files (FROM scratch, one COPY each); resolves with its ID and diff IDs. */
  build(name: string, files: Record<string, string>): Promise<{ imageId: string; diffIds: string[] }>;
}

/**
 * podman set up under `dir`: a private store (vfs, so no mounts are left behind and parallel runs
 * never share an image) and a PATH on which podman stands alone. Linux test machines only.
 */
export async function podmanForTests(dir: string): Promise<PodmanForTests> {
  const storageConf = path.join(dir, "storage.conf");
  const root = path.join(dir, "store");
  writeFileSync(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(root, "graph")}"\nrunroot = "${path.join(root, "run")}"\n`,
  );
  const storeEnv = { CONTAINERS_STORAGE_CONF: storageConf };
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  symlinkSync((await runOk("sh", ["-c", "command -v podman"])).trim(), path.join(bin, "podman"));
  const podman = (args: string[]) => runOk("podman", args, { env: { ...process.env, ...storeEnv } });
  return {
    storeEnv,
    podmanOnlyPath: [bin, "/usr/sbin", "/sbin"].join(path.delimiter),
    podman,
    async build(name, files) {
      const context = path.join(dir, `context-${name.replace(/[^a-z0-9]+/gi, "-")}`);
      mkdirSync(context, { recursive: true });
      const copies = Object.entries(files).map(([file, content]) => {
        writeFileSync(path.join(context, path.basename(file)), content);
        return `COPY ${path.basename(file)} ${file}\n`;
      });
      writeFileSync(path.join(context, "Containerfile"), `FROM scratch\n${copies.join("")}`);
      await podman(["build", "-q", "-t", name, context]);
      const imageId = `sha256:${(await podman(["image", "inspect", "--format", "{{.Id}}", name])).trim()}`;
      const diffIds = JSON.parse(
        await podman(["image", "inspect", "--format", "{{json .RootFS.Layers}}", name]),
      ) as string[];
      return { imageId, diffIds };
    },
  };
}
