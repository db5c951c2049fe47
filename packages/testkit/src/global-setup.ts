import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { type DockerEngineHandle, findOrStartDockerd } from "./dockerd.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** DOCKER_HOST of a working engine, or "" when there is none. */
    dockerHost: string;
    /** Why there is no engine, or "". */
    dockerMissing: string;
  }
}

let engine: DockerEngineHandle | undefined;

/**
 * Vitest globalSetup: one Docker engine for the whole run of a package's tests. Use it with
 * `globalSetup: ["@ecr-push/testkit/global-setup"]` and read it with `dockerForTests()`.
 */
export async function setup(project: TestProject): Promise<void> {
  const found = await findOrStartDockerd();
  if (typeof found === "string") {
    project.provide("dockerHost", "");
    project.provide("dockerMissing", found);
    return;
  }
  engine = found;
  project.provide("dockerHost", found.host);
  project.provide("dockerMissing", "");
}

export async function teardown(): Promise<void> {
  await engine?.stop();
  engine = undefined;
}
