import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EcrPublicApi } from "../../../src/aws/ecr-public.js";
import { InputError, type LocalImage, parsePushRequest, resolveInputNames } from "../../../src/index.js";
import { openPublicSession } from "../../../src/workflow/public-session.js";
import { FakeEngine, FakeLogger, FakeMasker, FakeOutputs, fixedClock, IMAGE_ID } from "./fakes.js";

/** ECR Public as the session sees it: what it answers, and each call in `calls`. */
function fakeApi(state: { aliases: string[]; denied?: boolean; repositories: Record<string, string> }) {
  const calls: string[] = [];
  const api = {
    async getAuthorization() {
      calls.push("GetAuthorizationToken");
      return { username: "AWS" as const, password: "pw", expiresAt: new Date("2030-01-01") };
    },
    async describeRepository(name: string) {
      calls.push(`DescribeRepositories ${name}`);
      const uri = state.repositories[name];
      return uri ? { registryId: "111122223333", uri } : undefined;
    },
    async registryAliases() {
      calls.push("DescribeRegistries");
      return state.denied ? undefined : state.aliases;
    },
    async createRepository(name: string, catalog: { logoImageBlob?: Uint8Array; description?: string }) {
      calls.push(
        `CreateRepository ${name} ${catalog.description ?? ""} ${catalog.logoImageBlob?.length ?? 0}`,
      );
      // ECR Public gives the registry its default alias with its first repository.
      const alias = state.aliases[0] ?? "default-alias";
      state.repositories[name] = `public.ecr.aws/${alias}/${name}`;
      return { registryId: "111122223333", uri: state.repositories[name] as string, created: true };
    },
  };
  return { api: api as unknown as EcrPublicApi, calls };
}

const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-public-session-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function session(
  repository: string,
  api: EcrPublicApi,
  extra: Record<string, string | boolean> = {},
  logger = new FakeLogger(),
) {
  const request = parsePushRequest({ source: "web:1.0", repository, tags: "1,latest", ...extra });
  const engine = new FakeEngine();
  const image: LocalImage = { id: IMAGE_ID, repoTags: ["web:1.0"] } as LocalImage;
  return openPublicSession(request as Parameters<typeof openPublicSession>[0], {
    api,
    deps: {
      logger,
      outputs: new FakeOutputs(),
      secrets: new FakeMasker(),
      engine,
      clock: fixedClock,
      env: {},
    },
    names: resolveInputNames({}),
    inspection: Promise.resolve(image),
    tagTarget: async () => {},
  });
}

describe("the ECR Public session", () => {
  it("creates the repository with its catalog data and names the targets by the URI's host and the alias", async () => {
    const logo = path.join(dir, "logo.png");
    writeFileSync(logo, Buffer.alloc(10));
    const { api, calls } = fakeApi({ aliases: ["mine"], repositories: {} });
    const opened = await session("public.ecr.aws/mine/team/web", api, {
      createRepository: true,
      publicDescription: "Web",
      publicLogo: logo,
    });
    expect(opened.auth.registry).toBe("public.ecr.aws");
    expect(opened.targets).toEqual(["public.ecr.aws/mine/team/web:1", "public.ecr.aws/mine/team/web:latest"]);
    expect(opened.repository).toEqual({
      registryId: "111122223333",
      created: true,
      tagMutability: { mode: "MUTABLE", exclusionFilters: [] },
    });
    expect(calls).toContain("CreateRepository team/web Web 10");
  });

  it("stops before creating anything when the alias is none of the registry's", async () => {
    const { api, calls } = fakeApi({ aliases: ["mine", "other"], repositories: {} });
    const failed = await session("public.ecr.aws/typo/web", api, { createRepository: true }).catch((e) => e);
    expect(failed).toBeInstanceOf(InputError);
    expect(failed.message).toBe(
      'Invalid repository "public.ecr.aws/typo/web": this account\'s ECR Public registry has the alias "mine", "other", so set repository to public.ecr.aws/mine/web.',
    );
    expect(calls.some((c) => c.startsWith("CreateRepository"))).toBe(false);
  });

  it("checks the alias against the first repository's URI when the registry had none yet", async () => {
    const { api } = fakeApi({ aliases: [], repositories: {} });
    const failed = await session("public.ecr.aws/guess/web", api, { createRepository: true }).catch((e) => e);
    expect(failed).toBeInstanceOf(InputError);
    expect(failed.message).toMatch(
      /has the alias "default-alias", so set repository to public\.ecr\.aws\/default-alias\/web\./,
    );
  });

  it("goes on without the alias check when the credentials may not call DescribeRegistries", async () => {
    const { api } = fakeApi({
      aliases: ["mine"],
      denied: true,
      repositories: { web: "public.ecr.aws/mine/web" },
    });
    const logger = new FakeLogger();
    const opened = await session("public.ecr.aws/second-alias/web", api, {}, logger);
    expect(opened.targets[0]).toBe("public.ecr.aws/second-alias/web:1");
    expect(logger.lines).toContain(
      'warn: The ECR Public registry\'s aliases could not be read (ecr-public:DescribeRegistries is not allowed), so the alias "second-alias" is not checked.',
    );
  });

  it("uses the dual-stack host when the repository names it", async () => {
    const { api } = fakeApi({ aliases: ["mine"], repositories: { web: "public.ecr.aws/mine/web" } });
    const opened = await session("ecr-public.aws.com/mine/web", api);
    expect(opened.targets).toEqual(["ecr-public.aws.com/mine/web:1", "ecr-public.aws.com/mine/web:latest"]);
    expect(opened.repository.created).toBe(false);
  });

  it("refuses a logo over ECR Public's limit before creating the repository", async () => {
    const big = path.join(dir, "big.png");
    writeFileSync(big, Buffer.alloc(384_001));
    const { api, calls } = fakeApi({ aliases: ["mine"], repositories: {} });
    const failed = await session("public.ecr.aws/mine/web", api, {
      createRepository: true,
      publicLogo: big,
    }).catch((e) => e);
    expect(failed).toBeInstanceOf(InputError);
    expect(failed.message).toMatch(
      /the logo is 384001 bytes and ECR Public takes 1 to 384000, so use a smaller image\.$/,
    );
    expect(calls.some((c) => c.startsWith("CreateRepository"))).toBe(false);
  });
});
