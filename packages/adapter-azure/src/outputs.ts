import type { OutputName, Outputs } from "@ecr-push/core";
import type { TaskLib } from "./agent.js";

/** Core's Outputs as the agent's `##vso[task.setvariable]` logging commands. */
export class AgentOutputs implements Outputs {
  constructor(private readonly tl: TaskLib) {}

  /** Core's outputs become the task's output variables (declared in task.json); URIs comma-separated. */
  set(name: OutputName, value: string): void {
    this.tl.setVariable(name, name === "imageUris" ? value.split("\n").join(",") : value, false, true);
  }

  /** Sets a variable the pipeline named (the Toolkit's `outputVariable`), for later steps of the job. */
  setVariable(name: string, value: string): void {
    this.tl.setVariable(name, value, false, false);
  }
}
