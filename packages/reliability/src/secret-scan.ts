import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EcrFixture } from "@ecr-push/e2e";
import { run } from "@ecr-push/testkit";

/** What the wrapper docker saw of one call: its arguments, the names (not values) of its environment. */
export interface DockerCall {
  argv: string[];
  envNames: string[];
  /** The DOCKER_CONFIG folder the call used (a path, not a secret), to check it is gone afterwards. */
  dockerConfig?: string;
}

/** The first `name` on PATH that is a file, as the shell would find it. */
export function onPath(name: string, pathVar = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * A `docker` to put first on PATH: a Node script that appends its argv and environment names to a
 * record file, then runs the real docker with the same arguments, stdio and exit code.
 */
export function installDockerWrapper(dir: string, realDocker: string) {
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const record = path.join(dir, "docker-calls.jsonl");
  const script = path.join(bin, "docker");
  writeFileSync(
    script,
    `#!${process.execPath}
const { appendFileSync } = require("node:fs");
const { spawnSync } = require("node:child_process");
const argv = process.argv.slice(2);
appendFileSync(${JSON.stringify(record)}, JSON.stringify({
  argv,
  envNames: Object.keys(process.env).sort(),
  dockerConfig: process.env.DOCKER_CONFIG,
}) + "\\n");
const result = spawnSync(${JSON.stringify(realDocker)}, argv, { stdio: "inherit" });
process.exit(result.status ?? 1);
`,
  );
  chmodSync(script, 0o755);
  return {
    bin,
    calls(): DockerCall[] {
      if (!existsSync(record)) return [];
      return readFileSync(record, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as DockerCall);
    },
    reset(): void {
      rmSync(record, { force: true });
    },
  };
}

/**
 * A pass-through in front of ecr-local's ECR and STS API that keeps every secret the endpoint hands
 * out (registry passwords and their tokens, temporary secret keys, session tokens), so a scan knows
 * the exact values a run was given.
 */
export async function startCredentialTap(origin: string) {
  const target = new URL(origin);
  const issued = new Set<string>();
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          collectSecrets(body.toString("utf8"), issued);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issued: () => [...issued],
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function collectSecrets(body: string, into: Set<string>): void {
  for (const m of body.matchAll(/"authorizationToken"\s*:\s*"([^"]+)"/g)) {
    const token = m[1] as string;
    into.add(token);
    const decoded = Buffer.from(token, "base64").toString("utf8");
    const password = decoded.slice(decoded.indexOf(":") + 1);
    if (password) into.add(password);
  }
  for (const m of body.matchAll(/<(SecretAccessKey|SessionToken)>([^<]+)<\/\1>/g)) into.add(m[2] as string);
  // A container credentials endpoint's answer (EKS Pod Identity agent): JSON.
  for (const m of body.matchAll(/"(SecretAccessKey|Token)"\s*:\s*"([^"]+)"/g)) into.add(m[2] as string);
}

/** Every file under `dir` (names and contents), for the scan; unreadable entries are listed by name. */
export function filesUnder(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        let text = "";
        try {
          text = readFileSync(full, "latin1");
        } catch {
          // Unreadable: the name is still scanned.
        }
        out.push({ file: full, text: `${full}\n${text}` });
      } else out.push({ file: full, text: full });
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Where a secret was found: `stdout`, `stderr`, `docker argv`, or a file's path. */
export interface Leak {
  secret: string;
  where: string;
}

/** Every place each secret appears (literally, or base64-encoded) among `places`. */
export function findLeaks(secrets: string[], places: { where: string; text: string }[]): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of new Set(secrets.filter((s) => s.length >= 8))) {
    const forms = [secret, Buffer.from(secret).toString("base64")];
    for (const place of places) {
      if (forms.some((form) => place.text.includes(form)))
        leaks.push({ secret: mask(secret), where: place.where });
    }
  }
  return leaks;
}

/** Enough of a secret to tell which one leaked, never the whole value in a test report. */
function mask(secret: string): string {
  return `${secret.slice(0, 4)}…(${secret.length} chars)`;
}

export interface ScannedRun {
  code: number;
  stdout: string;
  stderr: string;
  docker: DockerCall[];
  /** Files left in the run's private HOME and TMPDIR (the host's temp folder is inside TMPDIR). */
  files: { file: string; text: string }[];
  tmp: string;
}

/**
 * Runs a built entry like EcrFixture.runNode does (a child Node with the job's environment), with
 * the wrapper docker first on PATH and a private HOME and TMPDIR kept until the scan has read them.
 * `env` gets those folders, to put a host's own temp folder or output files inside them.
 */
export async function runScanned(
  fixture: EcrFixture,
  entry: string,
  args: string[],
  env: (dirs: { home: string; tmp: string }) => Record<string, string | undefined>,
  wrapper: ReturnType<typeof installDockerWrapper>,
): Promise<ScannedRun> {
  const root = mkdtempSync(path.join(tmpdir(), "ecr-push-scan-"));
  const home = path.join(root, "home");
  const tmp = path.join(root, "tmp");
  mkdirSync(home);
  mkdirSync(tmp);
  wrapper.reset();
  try {
    const merged = fixture.env({ HOME: home, TMPDIR: tmp, ...env({ home, tmp }) });
    merged.PATH = [wrapper.bin, merged.PATH].filter(Boolean).join(path.delimiter);
    const clean = Object.fromEntries(
      Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const result = await run(process.execPath, [entry, ...args], { env: clean, timeoutMs: 180_000 });
    return { ...result, docker: wrapper.calls(), files: [...filesUnder(home), ...filesUnder(tmp)], tmp };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
