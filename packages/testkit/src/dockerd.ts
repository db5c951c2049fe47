import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { overlayUnsupported } from "./overlay.js";
import { run } from "./process.js";

export interface DockerEngineHandle {
  /** Value for DOCKER_HOST. */
  host: string;
  /** True when this process started the daemon (and so must stop it). */
  owned: boolean;
  /** The storage driver of a daemon started here (`overlay2`, else `vfs`); undefined for one found running. */
  storageDriver?: string;
  stop(): Promise<void>;
}

/** True when the docker CLI answers for this DOCKER_HOST (the daemon, not just the client). */
export async function dockerReachable(host: string | undefined): Promise<boolean> {
  const env = { ...process.env };
  if (host) env.DOCKER_HOST = host;
  else delete env.DOCKER_HOST;
  try {
    const result = await run("docker", ["version", "--format", "{{.Server.Version}}"], {
      env,
      timeoutMs: 15_000,
    });
    return result.code === 0 && result.stdout.trim().length > 0;
  } catch {
    return false;
  }
}

/**
 * Finds a Docker engine for the tests: DOCKER_HOST (or the default socket) when it answers,
 * else a private dockerd in a temporary directory (needs root and Debian's docker.io).
 * Returns a reason string when neither is possible.
 */
export async function findOrStartDockerd(): Promise<DockerEngineHandle | string> {
  const existing = process.env.DOCKER_HOST;
  if (await dockerReachable(existing)) {
    return { host: existing ?? "unix:///var/run/docker.sock", owned: false, stop: async () => {} };
  }
  if (process.platform !== "linux")
    return "no Docker engine answers and starting dockerd is only automated on Linux";
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "no Docker engine answers (set DOCKER_HOST) and starting a private dockerd needs root";
  }
  const probe = await run("dockerd", ["--version"]).catch(() => undefined);
  if (probe?.code !== 0)
    return "no Docker engine answers and dockerd is not installed (apt-get install docker.io)";
  return startDockerd();
}

/**
 * Removes a stopped daemon's directory. dockerd can leave mounts under it (network namespaces in
 * its exec-root, overlay2 layer mounts when it was killed, an overlay probe a signal interrupted):
 * unmount those first, deepest first. A directory that still cannot go is reported, not thrown: the
 * tests have finished by then. Synchronous, so that an exit or signal listener can run it.
 */
function removeDaemonRoot(root: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    // Mount points are octal-escaped there (a space is \040).
    .map((line) =>
      (line.split(" ")[1] ?? "").replace(/\\([0-7]{3})/g, (_, o) =>
        String.fromCharCode(Number.parseInt(o, 8)),
      ),
    )
    .filter((point) => point.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync("umount", ["-l", point]);
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    console.warn(`Could not remove ${root}: ${(error as Error).message}`);
  }
}

/** True once `pid` has exited (gone, or a zombie waiting to be reaped). */
function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? true;
  } catch {
    return true;
  }
}

/**
 * While a daemon starts, a signal or process.exit() would leave its root behind (a detached dockerd
 * still running, an overlay mount): until the returned release() is called, either one first stops
 * the daemon and removes the root, synchronously. After that, the handle's stop() is the caller's.
 */
function cleanUpIfInterrupted(daemon: { root?: string; child?: ChildProcess }): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const cleanUp = () => {
    release();
    const pid = daemon.child?.exitCode === null ? daemon.child.pid : undefined;
    if (pid !== undefined) {
      daemon.child?.kill("SIGTERM");
      const until = Date.now() + 10_000;
      const pause = new Int32Array(new SharedArrayBuffer(4));
      while (!exited(pid) && Date.now() < until) Atomics.wait(pause, 0, 0, 50);
      if (!exited(pid)) daemon.child?.kill("SIGKILL");
    }
    if (daemon.root) removeDaemonRoot(daemon.root);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp();
    // Nobody else listens: end as the signal would have ended the process without this listener.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off("exit", cleanUp);
  };
  for (const signal of signals) process.on(signal, onSignal);
  process.on("exit", cleanUp);
  return release;
}

/**
 * Starts a throw-away dockerd with the flags that work in an unprivileged sandbox with no network.
 * Its storage driver is overlay2, as on CI runners, when a test overlay mount works under its data
 * root; else vfs (which copies whole layers: build, load and save get slower), said on stderr.
 */
export async function startDockerd(): Promise<DockerEngineHandle> {
  // Listening first: a signal that comes once the root exists finds it to remove.
  const daemon: { root?: string; child?: ChildProcess } = {};
  const release = cleanUpIfInterrupted(daemon);
  try {
    const root = mkdtempSync(path.join(tmpdir(), "ecr-push-dockerd-"));
    daemon.root = root;
    const dataRoot = path.join(root, "data");
    mkdirSync(dataRoot);
    const unsupported = overlayUnsupported(dataRoot);
    if (unsupported) console.error(`dockerd: storage driver vfs instead of overlay2: ${unsupported}`);
    const first = await launchDockerd(root, unsupported ? "vfs" : "overlay2", daemon);
    if (typeof first !== "string") return first;
    if (!unsupported) {
      // The mount worked but dockerd refused overlay2 (a backing file system it does not support).
      console.error(
        `dockerd: storage driver vfs instead of overlay2: dockerd did not start with overlay2: ${first}`,
      );
      const second = await launchDockerd(root, "vfs", daemon);
      if (typeof second !== "string") return second;
      removeDaemonRoot(root);
      throw new Error(`dockerd did not start with overlay2 nor vfs: ${second}`);
    }
    removeDaemonRoot(root);
    throw new Error(`dockerd did not start: ${first}`);
  } finally {
    release();
  }
}

/** Runs dockerd in `root` with one storage driver: its handle once it answers, else why not (its last log lines). */
async function launchDockerd(
  root: string,
  storageDriver: string,
  daemon: { child?: ChildProcess },
): Promise<DockerEngineHandle | string> {
  const socket = path.join(root, "docker.sock");
  const dataRoot = path.join(root, "data");
  const execRoot = path.join(root, "exec");
  mkdirSync(execRoot, { recursive: true });
  const pidfile = path.join(root, "docker.pid");
  const logFile = path.join(root, "dockerd.log");
  const log = openSync(logFile, "a");
  const child = spawn(
    "dockerd",
    [
      "--iptables=false",
      "--ip6tables=false",
      "--bridge=none",
      `--storage-driver=${storageDriver}`,
      `--data-root=${dataRoot}`,
      `--exec-root=${execRoot}`,
      `--pidfile=${pidfile}`,
      "-H",
      `unix://${socket}`,
    ],
    { stdio: ["ignore", log, log], detached: true },
  );
  daemon.child = child;
  closeSync(log);
  child.unref();
  const host = `unix://${socket}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (existsSync(socket) && (await dockerReachable(host))) {
      return {
        host,
        owned: true,
        storageDriver,
        stop: async () => {
          child.kill("SIGTERM");
          const until = Date.now() + 30_000;
          while (child.exitCode === null && Date.now() < until) await sleep(100);
          if (child.exitCode === null) child.kill("SIGKILL");
          removeDaemonRoot(root);
        },
      };
    }
    await sleep(200);
  }
  const exited = child.exitCode !== null;
  if (!exited) {
    child.kill("SIGKILL");
    while (child.exitCode === null && child.signalCode === null) await sleep(50);
  }
  const tail = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join("\n");
  return `${exited ? `dockerd exited with ${child.exitCode}` : "dockerd did not become ready within 60 s"}; last log lines:\n${tail}`;
}
