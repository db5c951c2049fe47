import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { resolveCredentials } from "@ecr-push/core";
import {
  type ActionInputs,
  azureDriver,
  type ComponentInputs,
  cliDriver,
  codefreshDriver,
  EcrFixture,
  githubDriver,
  gitlabDriver,
  HOST_DRIVERS,
  registryCredentialsOf,
  type StepArguments,
  serviceConnection,
  type TaskInputs,
  TEST_KEYS,
} from "@ecr-push/e2e";
import { buildTestImage, dockerEnv, dockerForTests, realPartAvailable, runOk } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "../../src/figures.js";
import {
  filesUnder,
  findLeaks,
  installDockerWrapper,
  type Leak,
  onPath,
  runScanned,
  type ScannedRun,
  startCredentialTap,
} from "../../src/secret-scan.js";

const dockerHost = dockerForTests();
const realDocker = onPath("docker");
const hasDockerCli = realPartAvailable("The docker CLI", realDocker ? undefined : "docker is not on PATH");

type Env = Record<string, string | undefined>;
type Dirs = { home: string; tmp: string };

/**
 * What a CI log shows of stdout: the runner consumes masking commands (GitHub's ::add-mask::,
 * Azure's ##vso[task.setsecret]) and shows neither them nor, afterwards, the values they register.
 */
function visible(stdout: string): string {
  return stdout
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::") && !line.startsWith("##vso[task.setsecret]"))
    .join("\n");
}

/** One end-to-end run to scan: which entry, how it is configured, and how it must end. */
interface Scenario {
  name: string;
  entry: keyof typeof HOST_DRIVERS;
  args?: string[];
  env: (dirs: Dirs) => Env;
  /** Exit code the run must end with. */
  code: number;
  /** Whether the run goes through the docker CLI (so the wrapper must have seen it). */
  docker: boolean;
  /** A CI host's engine docker (the CLI's is read from its `--engine docker` argument). */
  dockerEngine?: true;
}

/**
 * The variables of GitLab's job a child process must not inherit (besides the AWS ones): the
 * component's ECR_PUSH_* variables, the ID token's, and GitLab's job token and registry password.
 */
const GITLAB_SECRET_ENV = /^ECR_PUSH_|^AWS_ID_TOKEN$|^CI_JOB_TOKEN$|^CI_JOB_JWT|^CI_REGISTRY_PASSWORD$/;

describe.runIf(dockerHost && hasDockerCli)("secret hygiene: known secrets never leave memory", () => {
  const host = dockerHost as string;
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-secrets-"));
  const archive = path.join(dir, "app.tar");
  const wrapper = installDockerWrapper(dir, realDocker as string);
  let fixture: EcrFixture;
  let tap: Awaited<ReturnType<typeof startCredentialTap>>;
  /** Secrets known before any run: the fixture's key, temporary keys, an OIDC token, a wrong key. */
  const known: Record<string, string> = {
    secretAccessKey: TEST_KEYS.secretAccessKey,
    oidcToken: `eyJhbGciOiJSUzI1NiJ9.${randomBytes(30).toString("base64url")}.scanOidcSignature0001`,
    wrongSecretKey: `wrong/Scan+Secret/${randomBytes(12).toString("hex")}`,
    // GitLab's job token, in every job (CI_JOB_TOKEN, and CI_REGISTRY_PASSWORD is the same value).
    jobToken: `glcbt-${randomBytes(20).toString("hex")}`,
  };
  let tokenFile = "";
  /** The pod's service account token, as EKS Pod Identity projects it; the endpoint checks it. */
  known.podIdentityToken = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(30).toString("base64url")}.scanPodSignature0001`;
  const podTokenFile = path.join(dir, "eks-pod-identity-token");
  writeFileSync(podTokenFile, known.podIdentityToken);
  const staleTokenFile = path.join(dir, "stale-pod-identity-token");
  known.stalePodIdentityToken = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(30).toString("base64url")}.stalePodSignature01`;
  writeFileSync(staleTokenFile, known.stalePodIdentityToken);
  const sourceDockerConfig = mkdtempSync(path.join(dir, "source-docker-"));
  /** Not a secret (AWS prints access key ids), so not scanned for. */
  let tempAccessKeyId = "";
  const results: { name: string; leaks: Leak[]; secrets: number }[] = [];
  const checked = new Set<string>();
  let dockerCalls = 0;
  let dockerCallsWithSecretEnv = 0;

  beforeAll(async () => {
    fixture = await EcrFixture.start(host, { podIdentity: { tokenFile: podTokenFile } });
    tap = await startCredentialTap(fixture.local.endpoint);
    // Temporary keys from the endpoint's STS (AssumeRole), through core's own credential code.
    const temporary = await resolveCredentials(
      { roleArn: `arn:aws:iam::${fixture.local.accountId}:role/scan`, roleSessionName: "scan" },
      { region: fixture.local.region, env: fixture.env(), secrets: { mask: () => {} } },
    );
    tempAccessKeyId = temporary.accessKeyId;
    known.tempSecretKey = temporary.secretAccessKey;
    known.sessionToken = temporary.sessionToken ?? "";
    const tokens = path.join(dir, "oidc");
    mkdirSync(tokens);
    tokenFile = path.join(tokens, "token");
    writeFileSync(tokenFile, known.oidcToken as string);
    await buildTestImage(host, "scan/app:1", { layers: 2 });
    await buildTestImage(host, "scan/other:1", { layers: 1 });
    await runOk("docker", ["save", "-o", archive, "scan/app:1"], { env: dockerEnv(host) });
    for (const name of ["scan/cli", "scan/github", "scan/azure", "scan/codefresh", "scan/gitlab"])
      await fixture.createRepository(name);
    await fixture.createRepository("scan/frozen", { imageTagMutability: "IMMUTABLE" });
    const first = await cliDriver.run(fixture, ["push", "scan/app:1", "-r", "scan/frozen", "-t", "v1"]);
    if (first.code !== 0) throw new Error(`could not push scan/frozen:v1: ${first.stderr}`);
    // A promote's source credentials: the registry password, as `docker login` would store it (in a
    // folder of the test's own, outside the HOME and TMPDIR scanned after each run).
    known.sourcePassword = (await registryCredentialsOf(fixture.local)).password;
    writeFileSync(
      path.join(sourceDockerConfig, "config.json"),
      JSON.stringify({
        auths: {
          [fixture.local.registry]: { auth: Buffer.from(`AWS:${known.sourcePassword}`).toString("base64") },
        },
      }),
    );
  });
  afterAll(async () => {
    const leaks = results.reduce((n, r) => n + r.leaks.length, 0);
    recordFigures("secrets", {
      order: 40,
      title: "Secret hygiene (scanner over end-to-end runs)",
      figures: {
        "scenarios scanned": results.length,
        "distinct secret values checked": checked.size,
        "secret checks made (value × scenario)": results.reduce((n, r) => n + r.secrets, 0),
        "docker calls recorded (argv scanned)": dockerCalls,
        "docker calls whose inherited environment had a secret-named variable": dockerCallsWithSecretEnv,
        "places scanned per run":
          "stdout, stderr, argv of every docker call, every file left in HOME and TMPDIR (GitLab's project folder, its dotenv report and layer cache, is inside TMPDIR)",
        "leaks found": leaks,
      },
      note: "Each run gets its own HOME and TMPDIR (the host's temp folder inside it) and a wrapper docker first on PATH that records its argv and environment names. The secrets are the fixture's secret key, temporary keys and session token, an OIDC token, a wrong secret key, a GitLab job token, and every registry password, authorization token, secret key and session token the endpoint handed out during the run (captured by a pass-through in front of it); each is looked for as is and base64-encoded.",
    });
    await tap?.close();
    await fixture?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The job environment with the API behind the tap, so every issued secret is known. */
  const api = (extra: Env = {}): Env => ({
    AWS_ENDPOINT_URL_ECR: tap.url,
    AWS_ENDPOINT_URL_STS: tap.url,
    ...extra,
  });
  const role = () => `arn:aws:iam::${fixture.local.accountId}:role/scan-pusher`;
  const noKeys: Env = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
  /*
   * Each CI host's environment for its inputs, from its driver (packages/e2e), with the host's
   * folder inside the run's TMPDIR so that every file it leaves there is scanned too.
   */
  /** The runner's, for the action's `with:` inputs: GITHUB_OUTPUT, the step summary and RUNNER_TEMP. */
  const githubStep = (tmp: string, inputs: ActionInputs, extra: Env = {}): Env =>
    api({ ...githubDriver.invocation(inputs, path.join(tmp, "runner")).env, ...extra });
  /** The agent's, for the task's inputs: INPUT_* and its temp folder (task-lib keeps its vault key there). */
  const azureTask = (tmp: string, inputs: TaskInputs, extra: Env = {}): Env =>
    api({ ...azureDriver.invocation(inputs, path.join(tmp, "agent")).env, ...extra });
  /** The step's arguments as its variables, and the shared volume (CF_VOLUME_PATH). */
  const codefreshStep = (tmp: string, args: StepArguments, extra: Env = {}): Env =>
    api({ ...codefreshDriver.invocation(args, path.join(tmp, "volume")).env, ...extra });
  /**
   * GitLab's job: its predefined variables (the job token among them), CI_DEBUG_TRACE on, the
   * project folder (so its dotenv report is scanned), and the component's ECR_PUSH_* variables for
   * `inputs` (an input left out takes the template's default).
   */
  const gitlabJob = (tmp: string, inputs: ComponentInputs, extra: Env = {}): Env =>
    api({
      ...gitlabDriver.invocation(inputs, path.join(tmp, "project")).env,
      CI_DEBUG_TRACE: "true",
      CI_JOB_TOKEN: known.jobToken,
      CI_REGISTRY_PASSWORD: known.jobToken,
      ...extra,
    });

  const scenarios: Scenario[] = [
    {
      name: "CLI, docker engine, temporary keys and session token, --debug",
      entry: "cli",
      args: ["push", "scan/app:1", "-r", "scan/cli", "-t", "keys", "--debug", "--engine", "docker"],
      env: () =>
        api({
          AWS_ACCESS_KEY_ID: tempAccessKeyId,
          AWS_SECRET_ACCESS_KEY: known.tempSecretKey,
          AWS_SESSION_TOKEN: known.sessionToken,
        }),
      code: 0,
      docker: true,
    },
    {
      name: "CLI, docker engine, assume role with an external id, --debug",
      entry: "cli",
      args: [
        "push",
        "scan/app:1",
        "-r",
        "scan/cli",
        "-t",
        "role",
        "--role-arn",
        "ROLE",
        "--external-id",
        "x-1",
        "--debug",
        "--engine",
        "docker",
      ],
      env: () => api(),
      code: 0,
      docker: true,
    },
    {
      name: "CLI, docker engine, web identity token file",
      entry: "cli",
      args: [
        "push",
        "scan/app:1",
        "-r",
        "scan/cli",
        "-t",
        "oidc",
        "--role-arn",
        "ROLE",
        "--web-identity-token-file",
        "TOKEN_FILE",
        "--debug",
      ],
      env: () => api(noKeys),
      code: 0,
      docker: true,
    },
    {
      name: "CLI, web identity from AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN",
      entry: "cli",
      args: ["push", "scan/app:1", "-r", "scan/cli", "-t", "oidc-env"],
      env: () => api({ ...noKeys, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: role() }),
      code: 0,
      docker: true,
    },
    {
      name: "CLI, EKS Pod Identity (container credentials with a token file), --debug",
      entry: "cli",
      args: ["push", "ARCHIVE", "-r", "scan/cli", "-t", "pod-identity", "--debug"],
      env: () =>
        api({
          ...noKeys,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${tap.url}/v1/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: podTokenFile,
        }),
      code: 0,
      docker: false,
    },
    {
      name: "CLI failure: EKS Pod Identity token the agent refuses, --debug",
      entry: "cli",
      args: ["push", "ARCHIVE", "-r", "scan/cli", "-t", "pod-stale", "--debug"],
      env: () =>
        api({
          ...noKeys,
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${tap.url}/v1/credentials`,
          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: staleTokenFile,
        }),
      code: 1,
      docker: false,
    },
    {
      name: "CLI, daemonless docker-archive push, --debug",
      entry: "cli",
      args: ["push", "ARCHIVE", "-r", "scan/cli", "-t", "archive", "--debug"],
      env: () => api(),
      code: 0,
      docker: false,
    },
    {
      name: "CLI failure: wrong secret key",
      entry: "cli",
      args: ["push", "scan/app:1", "-r", "scan/cli", "-t", "wrong", "--debug"],
      env: () => api({ AWS_SECRET_ACCESS_KEY: known.wrongSecretKey }),
      code: 1,
      // The local inspect runs before AWS refuses the key; no login ever happens.
      docker: false,
    },
    {
      name: "CLI failure after login: immutable tag conflict, --debug",
      entry: "cli",
      args: ["push", "scan/other:1", "-r", "scan/frozen", "-t", "v1", "--debug"],
      env: () => api({ AWS_SESSION_TOKEN: undefined }),
      code: 1,
      docker: true,
    },
    {
      name: "CLI failure: missing repository after login, daemonless",
      entry: "cli",
      args: ["push", "ARCHIVE", "-r", "scan/absent", "-t", "1", "--debug"],
      env: () => api(),
      code: 1,
      docker: false,
    },
    {
      name: "GitHub Action, keys and session token as inputs",
      entry: "github",
      env: ({ tmp }) =>
        githubStep(
          tmp,
          {
            image: "scan/app:1",
            repository: "scan/github",
            tags: "gh",
            "aws-access-key-id": tempAccessKeyId,
            "aws-secret-access-key": known.tempSecretKey as string,
            "aws-session-token": known.sessionToken as string,
            "remove-local-image": "false",
          },
          { ...noKeys, RUNNER_DEBUG: "1" },
        ),
      code: 0,
      docker: true,
    },
    {
      name: "GitHub Action, role to assume with the job's keys",
      entry: "github",
      env: ({ tmp }) =>
        githubStep(tmp, {
          image: "scan/app:1",
          repository: "scan/github",
          tags: "gh-role",
          "role-to-assume": role(),
        }),
      code: 0,
      docker: true,
    },
    {
      name: "Azure Pipelines task, service connection keys, logRequest",
      entry: "azure",
      env: ({ tmp }) =>
        azureTask(
          tmp,
          {
            imageSource: "imagename",
            sourceImageName: "scan/app",
            sourceImageTag: "1",
            repositoryName: "scan/azure",
            pushTag: "az",
            logRequest: "true",
            logResponse: "true",
          },
          {
            ...noKeys,
            SYSTEM_DEBUG: "true",
            ...serviceConnection(
              { username: TEST_KEYS.accessKeyId, password: TEST_KEYS.secretAccessKey },
              "UsernamePassword",
              "5f0e4d3c-2b1a-4a9b-8c7d-6e5f4a3b2c1d",
            ),
          },
        ),
      code: 0,
      docker: true,
    },
    {
      name: "Codefresh step, keys and session token",
      entry: "codefresh",
      env: ({ tmp }) =>
        codefreshStep(
          tmp,
          { IMAGE: "scan/app:1", REPOSITORY: "scan/codefresh", TAGS: "cf", DEBUG: "true" },
          {
            AWS_ACCESS_KEY_ID: tempAccessKeyId,
            AWS_SECRET_ACCESS_KEY: known.tempSecretKey,
            AWS_SESSION_TOKEN: known.sessionToken,
          },
        ),
      code: 0,
      docker: true,
    },
    {
      name: "GitLab component, docker engine, keys and session token as inputs, CI_DEBUG_TRACE",
      entry: "gitlab",
      env: ({ tmp }) =>
        gitlabJob(
          tmp,
          {
            image: "scan/app:1",
            repository: "scan/gitlab",
            tags: "gl",
            engine: "docker",
            "aws-access-key-id": tempAccessKeyId,
            "aws-secret-access-key": known.tempSecretKey as string,
            "aws-session-token": known.sessionToken as string,
          },
          noKeys,
        ),
      code: 0,
      docker: true,
      dockerEngine: true,
    },
    {
      name: "GitLab component, role-arn with the job's ID token (AWS_ID_TOKEN), CI_DEBUG_TRACE",
      entry: "gitlab",
      env: ({ tmp }) =>
        gitlabJob(
          tmp,
          { image: "scan/app:1", repository: "scan/gitlab", tags: "gl-oidc", "role-arn": role() },
          { ...noKeys, AWS_ID_TOKEN: known.oidcToken },
        ),
      code: 0,
      docker: true,
    },
    // Promotes read the image the GitHub scenario above pushed (scan/github:gh-role).
    {
      name: "GitHub Action, promote a docker:// source with source-password, debug on",
      entry: "github",
      env: ({ tmp }) =>
        githubStep(
          tmp,
          {
            source: `docker://${fixture.local.registry}/scan/github:gh-role`,
            "source-username": "AWS",
            "source-password": known.sourcePassword as string,
            repository: "scan/github-promoted",
            "create-repository": "true",
          },
          { RUNNER_DEBUG: "1" },
        ),
      code: 0,
      docker: false,
    },
    {
      name: "GitLab component, promote a docker:// source with source-password, CI_DEBUG_TRACE",
      entry: "gitlab",
      env: ({ tmp }) =>
        gitlabJob(tmp, {
          source: `docker://${fixture.local.registry}/scan/github:gh-role`,
          "source-username": "AWS",
          "source-password": known.sourcePassword as string,
          repository: "scan/gitlab-promoted",
          "create-repository": "true",
        }),
      code: 0,
      docker: false,
    },
    {
      name: "CLI, promote with the Docker config's credentials, --debug",
      entry: "cli",
      args: ["promote", "PROMOTE_SOURCE", "-r", "scan/cli-promoted", "--create-repository", "--debug"],
      env: () => api({ DOCKER_CONFIG: sourceDockerConfig }),
      code: 0,
      docker: false,
    },
  ];

  it.each(scenarios.map((s) => [s.name, s] as const))("%s", async (_, scenario) => {
    const before = new Set(tap.issued());
    const args = (scenario.args ?? []).map((a) =>
      a === "ROLE"
        ? role()
        : a === "TOKEN_FILE"
          ? tokenFile
          : a === "ARCHIVE"
            ? `docker-archive:${archive}`
            : a === "PROMOTE_SOURCE"
              ? `docker://${fixture.local.registry}/scan/github:gh-role`
              : a,
    );
    const entry = HOST_DRIVERS[scenario.entry].entry;
    const run: ScannedRun = await runScanned(fixture, entry, args, scenario.env, wrapper);
    const secrets = [...Object.values(known), ...tap.issued()];
    const leaks = findLeaks(secrets, [
      { where: "stdout", text: visible(run.stdout) },
      { where: "stderr", text: run.stderr },
      ...run.docker.map((c, i) => ({ where: `docker call ${i + 1} argv`, text: c.argv.join("\n") })),
      ...run.files.map((f) => ({ where: f.file, text: f.text })),
    ]);
    for (const secret of secrets) checked.add(secret);
    results.push({ name: scenario.name, leaks, secrets: new Set(secrets).size });

    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(scenario.code);
    // An Azure task reports its result with a logging command, not its exit code.
    expect(run.stdout).not.toContain("##vso[task.complete result=Failed");
    expect(leaks).toEqual([]);
    // The run was given a registry password (or was refused before any): the scan is not vacuous.
    if (scenario.code === 0) expect(tap.issued().filter((s) => !before.has(s)).length).toBeGreaterThan(0);
    // GitLab's dotenv report (scanned above with the other files) was written, and holds the digest.
    if (scenario.entry === "gitlab" && scenario.code === 0) {
      const report = run.files.find((f) => f.file === path.join(run.tmp, "project", "ecr-push.env"));
      expect(report?.text).toMatch(/^ECR_IMAGE_DIGEST=sha256:[a-f0-9]{64}$/m);
    }
    if (scenario.docker) {
      const login = run.docker.find((c) => c.argv.includes("login"));
      if (scenario.dockerEngine || scenario.args?.join(" ").includes("--engine docker")) {
        expect(login?.argv).toContain("--password-stdin");
        // Every docker call with credentials used the one private config, and it is gone.
        const configs = new Set(run.docker.map((c) => c.dockerConfig).filter(Boolean));
        expect(configs.size).toBe(1);
        const config = [...configs][0];
        expect(config).toBeTruthy();
        expect(run.files.filter((f) => f.file.startsWith(config as string))).toEqual([]);
      } else {
        // The registry engine: docker only describes and exports the image; no login, no config.
        expect(login).toBeUndefined();
        expect(run.docker.map((c) => c.argv[0])).not.toContain("push");
      }
      expect(run.files.some((f) => f.file.includes("ecr-push-docker-"))).toBe(false);
      // docker gets the job's environment minus its credentials (a child's environment is readable
      // by the same user): only names are recorded, never values.
      dockerCalls += run.docker.length;
      const withSecretEnv = run.docker.filter((c) =>
        c.envNames.some(
          (n) =>
            /SECRET|SESSION_TOKEN|ENDPOINT_AUTH|^INPUT_|^AWS_/i.test(n) ||
            (scenario.entry === "gitlab" && GITLAB_SECRET_ENV.test(n)),
        ),
      );
      dockerCallsWithSecretEnv += withSecretEnv.length;
      expect(
        withSecretEnv.map((c) =>
          c.envNames.filter(
            (n) =>
              /SECRET|TOKEN|AUTH|^INPUT_|^AWS_/i.test(n) ||
              (scenario.entry === "gitlab" && GITLAB_SECRET_ENV.test(n)),
          ),
        ),
      ).toEqual([]);
    } else if (scenario.code === 0) {
      expect(run.docker).toEqual([]);
    }
    expect(
      run.docker.filter((c) => c.argv.includes("login") && !c.argv.includes("--password-stdin")),
    ).toEqual([]);
  });
});

describe("the scanner itself", () => {
  it("finds a planted secret in output, argv and a file, as is and base64-encoded", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-scanner-"));
    try {
      const secret = "planted/Secret+Value/0123456789";
      mkdirSync(path.join(dir, "nested"));
      writeFileSync(
        path.join(dir, "nested", "config.json"),
        JSON.stringify({ auth: Buffer.from(secret).toString("base64") }),
      );
      const leaks = findLeaks(
        [secret, "short"],
        [
          { where: "stdout", text: `token ${secret}` },
          { where: "docker call 1 argv", text: ["login", "-p", secret].join("\n") },
          { where: "stderr", text: "nothing here" },
          ...filesUnder(dir).map((f) => ({ where: f.file, text: f.text })),
        ],
      );
      expect(leaks.map((l) => l.where)).toEqual([
        "stdout",
        "docker call 1 argv",
        path.join(dir, "nested", "config.json"),
      ]);
      expect(JSON.stringify(leaks)).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
