import { Writable } from "node:stream";
import type * as TaskLibModule from "azure-pipelines-task-lib";

/** The part of azure-pipelines-task-lib this task uses (tests give a stand-in). */
export type TaskLib = Pick<
  typeof TaskLibModule,
  | "getInput"
  | "getVariable"
  | "getEndpointAuthorizationParameter"
  | "getEndpointAuthorizationScheme"
  | "getEndpointDataParameter"
  | "setSecret"
  | "setVariable"
  | "setResult"
  | "setStdStream"
  | "debug"
  | "warning"
  | "error"
  | "TaskResult"
>;

/** How the task reads what the agent gives it: inputs, variables and the service connection. */
export interface Agent {
  /** A trimmed input, "" when unset. */
  input(name: string): string;
  /** An input that holds a secret (a password): read without task-lib echoing it to the debug log. */
  secretInput?(name: string): string;
  /** A trimmed variable, "" when unset. */
  variable(name: string): string;
  /** A variable that may be secret: read without task-lib echoing its value to the debug log. */
  secretVariable(name: string): string;
  /** The connection's authorization scheme (`UsernamePassword`, `None` for OIDC...). */
  endpointScheme(id: string): string;
  /** An authorization parameter of the connection, else its data parameter; read without echo. */
  endpointParameter(id: string, key: string): string;
}

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * The agent through task-lib. task-lib writes every value it reads to the debug log, secrets
 * included, before the caller could register them with `setsecret`: secret reads run with its
 * output stream switched off.
 */
export function taskLibAgent(tl: TaskLib): Agent {
  const quietly = <T>(read: () => T): T => {
    tl.setStdStream(discard);
    try {
      return read();
    } finally {
      tl.setStdStream(process.stdout);
    }
  };
  return {
    input: (name) => tl.getInput(name, false)?.trim() ?? "",
    secretInput: (name) => quietly(() => tl.getInput(name, false)?.trim() ?? ""),
    variable: (name) => tl.getVariable(name)?.trim() ?? "",
    secretVariable: (name) => quietly(() => tl.getVariable(name)?.trim() ?? ""),
    endpointScheme: (id) => tl.getEndpointAuthorizationScheme(id, true)?.trim() ?? "",
    endpointParameter: (id, key) =>
      quietly(
        () =>
          tl.getEndpointAuthorizationParameter(id, key, true)?.trim() ||
          tl.getEndpointDataParameter(id, key, true)?.trim() ||
          "",
      ),
  };
}
