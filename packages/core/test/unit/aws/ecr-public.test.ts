import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EcrPublicApi } from "../../../src/aws/ecr-public.js";
import { PushFailedError } from "../../../src/index.js";
import { FakeLogger, FakeMasker } from "../workflow/fakes.js";

// The real ECR Public SDK client against ecr-local, through AWS_ENDPOINT_URL_ECR_PUBLIC in the injected env.
describe("EcrPublicApi", () => {
  let local: LocalEcr;
  beforeAll(async () => {
    local = await startLocalEcr({ env: {}, publicRegistryAlias: "k7t2q9" });
  });
  afterAll(() => local.close());

  function api(env: Record<string, string> = { AWS_ENDPOINT_URL_ECR_PUBLIC: local.endpoint }) {
    const secrets = new FakeMasker();
    const logger = new FakeLogger();
    const client = new EcrPublicApi({
      credentials: { accessKeyId: local.accessKeyId, secretAccessKey: local.secretAccessKey },
      env: { AWS_MAX_ATTEMPTS: "1", ...env },
      logger,
      secrets,
      dualStack: false,
    });
    return { client, secrets, logger };
  }

  it("masks the token, reads aliases, creates with catalog data, and takes a lost create race as found", async () => {
    const { client, secrets, logger } = api();
    try {
      expect(client.endpoint).toBe(local.endpoint);
      const auth = await client.getAuthorization();
      expect(auth.username).toBe("AWS");
      expect(secrets.masked).toContain(auth.password);
      expect(logger.lines.join("\n")).not.toContain(auth.password);
      expect(await client.registryAliases()).toEqual([]);
      expect(await client.describeRepository("web")).toBeUndefined();
      const created = await client.createRepository(
        "web",
        { description: "Web", architectures: ["x86-64"], logoImageBlob: new Uint8Array([1, 2, 3]) },
        { team: "web" },
      );
      expect(created).toEqual({
        registryId: local.accountId,
        uri: `${local.publicRegistry}/k7t2q9/web`,
        created: true,
      });
      expect(local.publicRepository("web")).toMatchObject({
        catalogData: { description: "Web", architectures: ["x86-64"], logoBytes: 3 },
        tags: [{ Key: "team", Value: "web" }],
      });
      // The logo's bytes are never logged, only their count.
      expect(logger.lines.join("\n")).toContain('"logoImageBlob":"(3 bytes)"');
      expect(await client.registryAliases()).toEqual(["k7t2q9"]);
      const again = await client.createRepository("web", {}, {});
      expect(again).toEqual({
        registryId: local.accountId,
        uri: `${local.publicRegistry}/k7t2q9/web`,
        created: false,
      });
    } finally {
      client.destroy();
    }
  });

  it("says in one sentence when ECR Public refuses catalog data", async () => {
    const { client } = api();
    try {
      const failed = await client
        .createRepository("long", { description: "d".repeat(1025) }, {})
        .catch((e) => e);
      expect(failed).toBeInstanceOf(PushFailedError);
      expect(failed.message).toMatch(
        /^ECR Public CreateRepository failed: Invalid parameter at 'catalogData\.description'/,
      );
    } finally {
      client.destroy();
    }
  });
});
