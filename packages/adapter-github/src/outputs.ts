import * as actions from "@actions/core";
import type { OutputName, Outputs } from "@ecr-push/core";

/** Core's output names as the action's outputs (action.yml documents each). */
export const ACTION_OUTPUTS = {
  imageUri: "image-uri",
  imageUris: "image-uris",
  digest: "digest",
  registry: "registry",
  repositoryCreated: "repository-created",
  sourceDigest: "source-digest",
} as const satisfies Record<OutputName, string>;

/** Core's outputs as step outputs, written to GITHUB_OUTPUT as core reports them. */
export const actionOutputs: Outputs = {
  set: (name, value) => actions.setOutput(ACTION_OUTPUTS[name], value),
};
