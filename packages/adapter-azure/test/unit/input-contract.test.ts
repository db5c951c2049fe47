import { uncoveredInputs } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { AZURE_INPUTS, readTaskInputs } from "../../src/inputs.js";
import { envAgent, inputEnv } from "./agent-env.js";

describe("the input contract", () => {
  it("spells every input of the commands this host offers, or says why not", () => {
    expect(uncoveredInputs(AZURE_INPUTS, ["push", "retag", "promote"])).toEqual([]);
  });

  it.each(["push", "retag", "promote"])("reads platforms and dropAttestations for %s", (command) => {
    const settings = readTaskInputs(
      envAgent(
        inputEnv({
          command,
          repositoryName: "web",
          imageSource: "archive",
          sourceArchive: "oci:/builds/layout",
          existingImage: "1",
          promoteSource: "registry.example.com/web:1",
          platforms: "linux/amd64",
          dropAttestations: "true",
        }),
      ),
    );
    expect(settings.raw).toMatchObject({ platform: "linux/amd64", dropAttestations: true });
    expect(settings.names).toMatchObject({ platform: "platforms", dropAttestations: "dropAttestations" });
  });
});
