import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const TINYPROXY_BIN = "/usr/bin/tinyproxy";

/** Why Debian's tinyproxy cannot run here, or undefined when it can. */
export function tinyproxyMissing(): string | undefined {
  return existsSync(TINYPROXY_BIN) ? undefined : `${TINYPROXY_BIN} is missing (apt-get install tinyproxy)`;
}

/** A real forward proxy on loopback, with its log of the requests it relayed. */
export interface Tinyproxy {
  /** `http://127.0.0.1:PORT`, for HTTP_PROXY / HTTPS_PROXY. */
  readonly url: string;
  /** The request lines relayed so far: `POST http://127.0.0.1:5000/ HTTP/1.1`, `CONNECT host:443 HTTP/1.1`. */
  requests(): string[];
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Starts tinyproxy in the foreground with its own config and log in a temporary folder: loopback
 * only, CONNECT allowed to `connectPorts` (443 always).
 */
export async function startTinyproxy(options: { connectPorts?: number[] } = {}): Promise<Tinyproxy> {
  const dir = mkdtempSync(path.join(tmpdir(), "tinyproxy-"));
  const log = path.join(dir, "tinyproxy.log");
  const config = path.join(dir, "tinyproxy.conf");
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      config,
      [
        `Port ${port}`,
        "Listen 127.0.0.1",
        "Allow 127.0.0.1",
        `LogFile "${log}"`,
        "LogLevel Connect",
        "MaxClients 100",
        "Timeout 600",
        ...[443, ...(options.connectPorts ?? [])].map((p) => `ConnectPort ${p}`),
        "",
      ].join("\n"),
    );
    const child: ChildProcess = spawn(TINYPROXY_BIN, ["-d", "-c", config], { stdio: "ignore" });
    let exited = false;
    child.on("exit", () => {
      exited = true;
    });
    for (let i = 0; i < 100 && !exited && !(await accepting(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!exited && (await accepting(port))) {
      return {
        url: `http://127.0.0.1:${port}`,
        requests: () =>
          (existsSync(log) ? readFileSync(log, "utf8") : "")
            .split("\n")
            .map((line) => /Request \(file descriptor \d+\): (.*)$/.exec(line)?.[1])
            .filter((line): line is string => line !== undefined),
        close: async () => {
          if (!exited) {
            const gone = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            await gone;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill("SIGKILL");
    // Another process took the port between the probe and tinyproxy's bind: try another one.
    if (attempt >= 3) throw new Error(`tinyproxy did not start on 127.0.0.1:${port}`);
  }
}
