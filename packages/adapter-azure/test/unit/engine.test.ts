import { readFileSync } from "node:fs";
import { parsePushRequest } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { readTaskInputs } from "../../src/inputs.js";
import { agentCacheDir } from "../../src/run.js";
import { envAgent, inputEnv } from "./agent-env.js";

const taskJson = JSON.parse(readFileSync(new URL("../../task/task.json", import.meta.url), "utf8"));
const input = (name: string) => taskJson.inputs.find((i: { name: string }) => i.name === name);

describe("the engine input", () => {
  it("is an advanced pickList of auto, registry and docker, default auto, for push only", () => {
    expect(input("engine")).toMatchObject({
      type: "pickList",
      defaultValue: "auto",
      required: false,
      groupName: "advanced",
      visibleRule: "command = push",
    });
    expect(Object.keys(input("engine").options)).toEqual(["auto", "registry", "docker"]);
    expect(taskJson.groups).toContainEqual({ name: "advanced", displayName: "Advanced", isExpanded: false });
    expect(input("engine").helpMarkDown).toMatch(/registry-mirrors or insecure-registries/);
    // Parallel uploads now apply to every source, unless docker push does the uploading.
    expect(input("concurrency").visibleRule).toBe("command = push && engine != docker");
  });

  it("passes engine on as given and names it as task.json does", () => {
    const settings = readTaskInputs(
      envAgent(inputEnv({ sourceImageName: "web", repositoryName: "team/web", engine: "docker" })),
    );
    expect(settings.raw.engine).toBe("docker");
    expect(settings.names.engine).toBe("engine");
    expect(parsePushRequest(settings.raw, settings.names).engine).toBe("docker");
  });

  it("leaves engine out of retag and promote, which push nothing", () => {
    for (const command of ["retag", "promote"]) {
      const settings = readTaskInputs(
        envAgent(inputEnv({ command, repositoryName: "team/web", engine: "x" })),
      );
      expect(settings.raw.engine, command).toBeUndefined();
    }
  });

  it("fails an unknown engine with core's one sentence naming engine", () => {
    const settings = readTaskInputs(
      envAgent(inputEnv({ sourceImageName: "web", repositoryName: "team/web", engine: "podman" })),
    );
    expect(() => parsePushRequest(settings.raw, settings.names)).toThrow(
      'Invalid engine "podman": use auto, registry, docker (default auto).',
    );
  });
});

describe("the layer cache folder", () => {
  it("is ecr-push in the agent's tools directory, from the Agent.ToolsDirectory variable", () => {
    const agent = envAgent({ AGENT_TOOLSDIRECTORY: "/home/vsts/work/_tool" });
    expect(agentCacheDir(agent, {})).toBe("/home/vsts/work/_tool/ecr-push");
  });

  it("falls back to AGENT_TOOLSDIRECTORY in the environment, else there is none", () => {
    expect(agentCacheDir(envAgent({}), { AGENT_TOOLSDIRECTORY: "/opt/hostedtoolcache" })).toBe(
      "/opt/hostedtoolcache/ecr-push",
    );
    expect(agentCacheDir(envAgent({}), {})).toBeUndefined();
    expect(agentCacheDir(envAgent({}), { AGENT_TOOLSDIRECTORY: " " })).toBeUndefined();
  });
});
