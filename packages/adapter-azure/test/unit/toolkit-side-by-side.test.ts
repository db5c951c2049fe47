import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const read = (file: string) => readFileSync(path.join(PACKAGE_DIR, file), "utf8");
const extension = JSON.parse(read("vss-extension.json"));
const task = JSON.parse(read("task/task.json"));
const taskReadme = read("README.md");
const rootReadme = read("../../README.md");

/**
 * The AWS Toolkit for Azure DevOps as it is published (Marketplace item
 * AmazonWebServices.aws-vsts-tools; aws/aws-toolkit-azure-devops, vss-extension.json and
 * src/tasks/ECRPushImage/task.json): what this extension must live next to.
 */
const TOOLKIT = {
  publisher: "AmazonWebServices",
  extension: "aws-vsts-tools",
  ecrPushTaskId: "467d1870-1a00-4755-b00d-9642129fe759",
  endpointContribution: "aws-credentials",
  /** The inputs of its `AWS` type's one scheme (basic); none is required. */
  endpointInputs: [
    "username",
    "password",
    "sessionToken",
    "assumeRoleArn",
    "roleSessionName",
    "externalId",
    "useOIDC",
  ],
  confidential: ["password", "sessionToken"],
};

type Contribution = { id: string; type: string; targets: string[]; properties: Record<string, unknown> };
const contributions = extension.contributions as Contribution[];
const taskContribution = contributions.find((c) => c.type === "ms.vss-distributed-task.task");
const endpointType = contributions.find((c) => c.type === "ms.vss-endpoint.service-endpoint-type");

interface InputDescriptor {
  id: string;
  inputMode: string;
  isConfidential?: boolean;
  validation?: { isRequired?: boolean };
}
const schemes = (endpointType?.properties.authenticationSchemes ?? []) as {
  type: string;
  inputDescriptors: InputDescriptor[];
}[];
const basic = schemes.find((s) => s.type === "ms.vss-endpoint.endpoint-auth-scheme-basic");

describe("next to the AWS Toolkit", () => {
  it("keeps the Toolkit's task name and major version, with a task GUID of its own", () => {
    expect(task.name).toBe("ECRPushImage");
    expect(task.version.Major).toBe(1);
    expect(task.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The GUID is what a classic pipeline stores and what a YAML `<GUID>@1` names: the Toolkit's
    // would make the two tasks one identity.
    expect(task.id).not.toBe(TOOLKIT.ecrPushTaskId);
    expect(`${extension.publisher}.${extension.id}`).not.toBe(`${TOOLKIT.publisher}.${TOOLKIT.extension}`);
  });

  it("documents the fully qualified reference and the GUID reference the manifests give", () => {
    expect(taskContribution?.targets).toEqual(["ms.vss-distributed-task.tasks"]);
    const qualified = `${extension.publisher}.${extension.id}.${taskContribution?.id}.${task.name}@${task.version.Major}`;
    expect(qualified).toBe("ecr-push.ecr-push.ecr-push-task.ECRPushImage@1");
    for (const readme of [taskReadme, rootReadme]) {
      expect(readme).toContain(qualified);
      expect(readme).toContain(`${task.id}@${task.version.Major}`);
    }
    expect(taskReadme).toContain(`${TOOLKIT.publisher}.${TOOLKIT.extension}.ECRPushImage.ECRPushImage@1`);
    expect(taskReadme).toContain(TOOLKIT.ecrPushTaskId);
  });

  it("contributes the connection type `AWS` the task's awsCredentials input asks for", () => {
    expect(endpointType?.targets).toEqual(["ms.vss-endpoint.endpoint-types"]);
    expect(endpointType?.properties.name).toBe("AWS");
    const input = task.inputs.find((i: { name: string }) => i.name === "awsCredentials");
    expect(input.type).toBe(`connectedService:${endpointType?.properties.name}`);
    expect(input.required).toBe(false);
  });

  it("stores access-keys connections with the Toolkit's fields, so either form's connection serves both", () => {
    const inputs = new Map(basic?.inputDescriptors.map((d) => [d.id, d]));
    for (const id of TOOLKIT.endpointInputs) {
      expect(inputs.has(id), id).toBe(true);
      expect(inputs.get(id)?.validation?.isRequired, id).toBe(false);
      expect(inputs.get(id)?.isConfidential ?? false, id).toBe(TOOLKIT.confidential.includes(id));
    }
    expect(inputs.get("useOIDC")?.inputMode).toBe("checkbox");
    // Nothing more than the Toolkit's in that scheme: its form must be able to edit ours.
    expect([...inputs.keys()].sort()).toEqual([...TOOLKIT.endpointInputs].sort());
  });
});
