import { existsSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { realPartAvailable } from "./real-parts.js";

/**
 * The Docker engine the globalSetup found or started, for use at the top of a test file:
 * `const docker = dockerForTests(); describe.runIf(docker)(...)`. Throws on CI when there is none.
 */
export function dockerForTests(): string | undefined {
  const host = inject("dockerHost");
  if (!realPartAvailable("A Docker engine", host ? undefined : inject("dockerMissing") || "unknown reason")) {
    return undefined;
  }
  return host;
}

/**
 * The containerd under the test Docker engine, for reading images as containerd clients do
 * (Docker 23+'s image store, ECS, EKS): its socket, found where dockerd puts it (a private
 * dockerd's exec-root, else the system's), or undefined (a throw on CI) with the reason.
 */
export function containerdForTests(dockerHost: string): string | undefined {
  const dockerSocket = dockerHost.replace(/^unix:\/\//, "");
  const candidates = [
    path.join(path.dirname(dockerSocket), "exec", "containerd", "containerd.sock"),
    "/run/docker/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
  ];
  const socket = candidates.find((candidate) => existsSync(candidate));
  const missing = socket ? undefined : `no containerd socket at ${candidates.join(", ")}`;
  return realPartAvailable("containerd (with ctr on PATH)", missing) ? socket : undefined;
}
