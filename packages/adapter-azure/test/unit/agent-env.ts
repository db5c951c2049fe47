import type { Agent } from "../../src/agent.js";

/**
 * An Agent over an environment spelled as the agent spells it for a task (INPUT_*, variables with
 * `.` as `_`, SECRET_*, ENDPOINT_AUTH_PARAMETER_*, ENDPOINT_DATA_*): the unit-test stand-in for task-lib.
 */
export function envAgent(env: Record<string, string | undefined>): Agent & { reads: string[] } {
  const key = (name: string) => name.replace(/[.\s]/g, "_").toUpperCase();
  const reads: string[] = [];
  const get = (name: string) => {
    reads.push(name);
    return env[name]?.trim() ?? "";
  };
  return {
    reads,
    input: (name) => get(`INPUT_${key(name)}`),
    variable: (name) => get(key(name)),
    secretVariable: (name) => get(`SECRET_${key(name)}`) || get(key(name)),
    endpointScheme: (id) => get(`ENDPOINT_AUTH_SCHEME_${key(id)}`),
    endpointParameter: (id, k) =>
      get(`ENDPOINT_AUTH_PARAMETER_${key(id)}_${key(k)}`) || get(`ENDPOINT_DATA_${key(id)}_${key(k)}`),
  };
}

/** The INPUT_* variables the agent sets for a YAML step's `inputs:` map. */
export function inputEnv(inputs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replace(/[.\s]/g, "_").toUpperCase()}`,
      String(value),
    ]),
  );
}
