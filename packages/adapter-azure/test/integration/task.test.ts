import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  listLocalTags,
  runOk,
  skopeoInspect,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  commands,
  copyTaskFolder,
  ENDPOINT_ID,
  expectMaskedFirst,
  inputs,
  KEYS,
  NO_ENV_KEYS,
  runTask,
  serviceConnection,
} from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)(
  "the built ECRPushImage task, run as the agent runs it (real Docker, local ECR)",
  () => {
    const host = dockerHost as string;
    let e2e: EcrFixture;
    let task: ReturnType<typeof copyTaskFolder>;
    let password: string;

    beforeAll(async () => {
      task = copyTaskFolder();
      e2e = await EcrFixture.start(host);
      password = (await e2e.registryCredentials()).password;
    });
    afterAll(async () => {
      task?.remove();
      await e2e?.close();
    });

    it("pushes with a service connection's keys and sets every variable with exact logging commands", async () => {
      await e2e.createRepository("azure/keys");
      await buildTestImage(host, "azure/keys-src:1");
      const run = await runTask(e2e, task.entry, {
        ...NO_ENV_KEYS,
        ...serviceConnection({ username: KEYS.accessKeyId, password: KEYS.secretAccessKey }),
        ...inputs({
          regionName: e2e.local.region,
          imageSource: "imagename",
          sourceImageName: "azure/keys-src",
          sourceImageTag: "1",
          repositoryName: "azure/keys",
          pushTag: "v1",
          additionalTags: "stable\nlatest",
          outputVariable: "IMAGE_URI",
          digestOutputVariable: "IMAGE_DIGEST",
        }),
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const uris = ["v1", "stable", "latest"].map((tag) => `${e2e.local.registry}/azure/keys:${tag}`);
      const variables = commands(run.lines, "task.setvariable");
      const digest = variables.find((l) => l.includes("variable=digest;"))?.split("]")[1] ?? "";
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(variables).toEqual([
        `##vso[task.setvariable variable=imageUri;isOutput=true;issecret=false;]${uris[0]}`,
        `##vso[task.setvariable variable=imageUris;isOutput=true;issecret=false;]${uris.join(",")}`,
        `##vso[task.setvariable variable=digest;isOutput=true;issecret=false;]${digest}`,
        `##vso[task.setvariable variable=registry;isOutput=true;issecret=false;]${e2e.local.registry}`,
        "##vso[task.setvariable variable=repositoryCreated;isOutput=true;issecret=false;]false",
        `##vso[task.setvariable variable=IMAGE_URI;isOutput=false;issecret=false;]${uris[0]}`,
        `##vso[task.setvariable variable=IMAGE_DIGEST;isOutput=false;issecret=false;]${digest}`,
      ]);
      expect(commands(run.lines, "task.complete")).toEqual([
        `##vso[task.complete result=Succeeded;]Pushed ${uris.join(", ")}.`,
      ]);
      expect(commands(run.lines, "task.issue")).toEqual([]);
      expectMaskedFirst(run, KEYS.secretAccessKey);
      expect(run.stdout).not.toContain(password);
      expect(run.leftovers).toEqual([]);
      expect(run.stderr).not.toMatch(/^\(node:\d+\)/m);
      // The signing key was the connection's: nothing came from the environment.
      expect(
        e2e.local.calls.filter((c) => c.service === "ecr").every((c) => c.accessKeyId === KEYS.accessKeyId),
      ).toBe(true);
      expect(await listLocalTags(host)).not.toContain(uris[0]);
    });

    it("pushes a docker-archive with no Docker daemon, logging each AWS call with tokens redacted", async () => {
      await e2e.createRepository("azure/archive");
      await buildTestImage(host, "azure/archive-src:1");
      const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-azure-archive-"));
      try {
        const archive = path.join(dir, "image.tar");
        await runOk("docker", ["save", "-o", archive, "azure/archive-src:1"], { env: dockerEnv(host) });
        const run = await runTask(e2e, task.entry, {
          ...NO_ENV_KEYS,
          ...serviceConnection({ username: KEYS.accessKeyId, password: KEYS.secretAccessKey }),
          // No engine and no docker CLI: the archive goes straight to the registry.
          DOCKER_HOST: "unix:///nonexistent/docker.sock",
          PATH: path.dirname(process.execPath),
          ...inputs({
            regionName: e2e.local.region,
            imageSource: "archive",
            sourceArchive: `docker-archive:${archive}`,
            concurrency: "2",
            repositoryName: "azure/archive",
            pushTag: "v1",
            logRequest: "true",
          }),
        });
        expect(run.code, run.stdout + run.stderr).toBe(0);
        const uri = `${e2e.local.registry}/azure/archive:v1`;
        expect(commands(run.lines, "task.complete")).toEqual([
          `##vso[task.complete result=Succeeded;]Pushed ${uri}.`,
        ]);
        const digest = commands(run.lines, "task.setvariable")
          .find((l) => l.includes("variable=digest;"))
          ?.split("]")[1];
        expect(digest).toBe((await skopeoInspect(uri, await e2e.registryCredentials())).Digest);
        expect(run.lines).toContainEqual(
          expect.stringMatching(/ECR GetAuthorizationToken response \(HTTP 200/),
        );
        expect(run.lines.some((l) => l.includes('"authorizationToken":"***"'))).toBe(true);
        expect(run.stdout).not.toContain(password);
        expectMaskedFirst(run, KEYS.secretAccessKey);
        expect(run.leftovers).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("assumes AWS.AssumeRoleArn with the AWS.* task variables, the secret ones given as SECRET_*", async () => {
      await e2e.createRepository("azure/vars");
      await buildTestImage(host, "azure/vars-src:latest");
      const before = e2e.local.assumedRoles.length;
      const run = await runTask(e2e, task.entry, {
        ...NO_ENV_KEYS,
        AWS_ACCESSKEYID: KEYS.accessKeyId,
        SECRET_AWS_SECRETACCESSKEY: KEYS.secretAccessKey,
        AWS_ASSUMEROLEARN: "arn:aws:iam::123456789012:role/azure-vars",
        AWS_EXTERNALID: "ext-azure-1",
        // The AWS.Region variable: the agent gives it as AWS_REGION.
        AWS_REGION: e2e.local.region,
        ...inputs({ sourceImageName: "azure/vars-src", repositoryName: "azure/vars" }),
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(commands(run.lines, "task.complete")).toEqual([
        `##vso[task.complete result=Succeeded;]Pushed ${e2e.local.registry}/azure/vars:latest.`,
      ]);
      const assumed = e2e.local.assumedRoles.slice(before);
      expect(assumed).toMatchObject([
        {
          action: "AssumeRole",
          roleArn: "arn:aws:iam::123456789012:role/azure-vars",
          roleSessionName: "aws-vsts-tools",
          externalId: "ext-azure-1",
          callerAccessKeyId: KEYS.accessKeyId,
        },
      ]);
      expectMaskedFirst(run, KEYS.secretAccessKey);
      expect(run.leftovers).toEqual([]);
    });

    // Two ways one OIDC connection is stored: this extension's scheme None with `role`, and the
    // AWS Toolkit's form (Access keys left empty, Use OIDC ticked, Role to Assume), which is what a
    // connection shared with the Toolkit's tasks holds.
    it.each([
      {
        form: "this extension's OIDC scheme",
        repository: "azure/oidc",
        connection: serviceConnection({ role: "arn:aws:iam::123456789012:role/azure-oidc" }, "None"),
      },
      {
        form: "the AWS Toolkit's form (Use OIDC, no keys)",
        repository: "azure/oidc-toolkit",
        connection: serviceConnection({
          username: "",
          password: "",
          sessionToken: "",
          assumeRoleArn: "arn:aws:iam::123456789012:role/azure-oidc",
          roleSessionName: "",
          externalId: "",
          useOIDC: "true",
        }),
      },
    ])(
      "gets an OIDC token from the agent and pushes with AssumeRoleWithWebIdentity: $form",
      async ({ repository, connection }) => {
        await e2e.createRepository(repository);
        await buildTestImage(host, "azure/oidc-src:2");
        const claims = Buffer.from(
          JSON.stringify({ sub: "sc://org/project/aws", aud: "api://AzureADTokenExchange" }),
        ).toString("base64url");
        const oidcToken = `eyJhbGciOiJSUzI1NiJ9.${claims}.c2lnbmF0dXJlLW9mLXRoZS1vaWRjLXRva2Vu`;
        const accessToken = "job-access-token-0123456789abcdef";
        const requests: { method?: string; url?: string; authorization?: string }[] = [];
        const server = createServer((req: IncomingMessage, res) => {
          requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ oidcToken }));
        });
        server.listen(0, "127.0.0.1");
        await once(server, "listening");
        const port = (server.address() as AddressInfo).port;
        const before = e2e.local.assumedRoles.length;
        try {
          const run = await runTask(e2e, task.entry, {
            ...NO_ENV_KEYS,
            ...connection,
            SYSTEM_OIDCREQUESTURI: `http://127.0.0.1:${port}/org/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken`,
            SECRET_SYSTEM_ACCESSTOKEN: accessToken,
            ...inputs({
              regionName: e2e.local.region,
              sourceImageName: "azure/oidc-src",
              sourceImageTag: "2",
              repositoryName: repository,
              pushTag: "oidc",
            }),
          });
          expect(run.code, run.stdout + run.stderr).toBe(0);
          expect(requests).toEqual([
            {
              method: "POST",
              url: `/org/_apis/distributedtask/hubs/build/plans/p1/jobs/j1/oidctoken?api-version=7.1&serviceConnectionId=${ENDPOINT_ID}`,
              authorization: `Bearer ${accessToken}`,
            },
          ]);
          const assumed = e2e.local.assumedRoles.slice(before);
          expect(assumed).toMatchObject([
            {
              action: "AssumeRoleWithWebIdentity",
              roleArn: "arn:aws:iam::123456789012:role/azure-oidc",
              roleSessionName: "aws-vsts-tools",
            },
          ]);
          expect(assumed[0]?.webIdentityToken).toBe(oidcToken);
          expect(commands(run.lines, "task.complete")).toEqual([
            `##vso[task.complete result=Succeeded;]Pushed ${e2e.local.registry}/${repository}:oidc.`,
          ]);
          expectMaskedFirst(run, accessToken, oidcToken);
          expect(run.stdout).not.toContain(password);
          expect(run.leftovers).toEqual([]);
        } finally {
          server.close();
        }
      },
    );

    it("runs a pipeline written for ECRPushImage@1 unchanged: every input read as the Toolkit reads it", async () => {
      const pipeline = parse(
        readFileSync(new URL("../fixtures/ecrpushimage-v1.yml", import.meta.url), "utf8"),
      );
      const step = pipeline.steps[0].inputs as Record<string, unknown>;
      await buildTestImage(host, `${step.sourceImageName}:${step.sourceImageTag}`);
      const run = await runTask(e2e, task.entry, {
        ...NO_ENV_KEYS,
        ...inputs(step),
        // The agent resolves the connection name ("aws-prod") to its id and passes its parameters.
        ...serviceConnection({ username: KEYS.accessKeyId, password: KEYS.secretAccessKey }),
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // forceDockerNamingConventions: "Team/Web App" -> team/web-app; autoCreateRepository created it.
      const uri = `${e2e.local.registry}/team/web-app:${step.pushTag}`;
      expect(e2e.local.repository("team/web-app")).toBeDefined();
      expect(commands(run.lines, "task.setvariable")).toContain(
        `##vso[task.setvariable variable=${step.outputVariable};isOutput=false;issecret=false;]${uri}`,
      );
      expect(commands(run.lines, "task.setvariable")).toContain(
        "##vso[task.setvariable variable=repositoryCreated;isOutput=true;issecret=false;]true",
      );
      // logRequest/logResponse: the debug lines are in the visible log. regionName was lower-cased.
      expect(run.lines).toContain(`[debug] Region ${e2e.local.region} (from input).`);
      // removeDockerImage: the source image is gone.
      expect(await listLocalTags(host)).not.toContain(`${step.sourceImageName}:${step.sourceImageTag}`);
      expect(commands(run.lines, "task.complete")).toEqual([
        `##vso[task.complete result=Succeeded;]Pushed ${uri}.`,
      ]);
      expectMaskedFirst(run, KEYS.secretAccessKey);
      expect(run.stdout).not.toContain(password);
      expect(run.leftovers).toEqual([]);
    });

    it.each([
      [
        "bad input",
        { sourceImageName: "web", repositoryName: "Bad Name", regionName: "eu-west-3" },
        'Invalid repositoryName "Bad Name": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
      ],
      [
        "a missing secret key",
        { sourceImageName: "web", repositoryName: "web", AWS_ACCESSKEYID: "AKIAONLY" },
        "Missing AWS.SecretAccessKey variable: it is required with AWS.AccessKeyID variable.",
      ],
      [
        "a missing source image",
        {
          sourceImageName: "azure/absent",
          sourceImageTag: "9",
          repositoryName: "azure/keys",
          regionName: "eu-west-3",
        },
        'Source image "azure/absent:9" was not found in the local engine: check sourceImageName and sourceImageTag (docker images lists the local images).',
      ],
    ])("fails with one sentence on %s", async (_case, given, message) => {
      const { AWS_ACCESSKEYID, ...rest } = given as Record<string, string>;
      const run = await runTask(e2e, task.entry, {
        ...inputs(rest),
        ...(AWS_ACCESSKEYID ? { AWS_ACCESSKEYID } : {}),
      });
      expect(run.code).toBe(1);
      expect(commands(run.lines, "task.issue")).toEqual([
        `##vso[task.issue type=error;source=TaskInternal;]${message}`,
      ]);
      expect(commands(run.lines, "task.complete")).toEqual([`##vso[task.complete result=Failed;]${message}`]);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
      const setsecret = `##vso[task.setsecret]${KEYS.secretAccessKey}`;
      expect(run.lines.filter((l) => l !== setsecret).join("\n") + run.stderr).not.toContain(
        KEYS.secretAccessKey,
      );
      expect(run.stderr).toBe("");
      expect(run.leftovers).toEqual([]);
    });
  },
);
