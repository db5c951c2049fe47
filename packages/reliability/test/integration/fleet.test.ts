import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture, type EntryRun } from "@ecr-push/e2e";
import type { RecordedCall } from "@ecr-push/ecr-local";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy, type FaultRequest } from "../../src/fault-proxy.js";
import { recordFigures } from "../../src/figures.js";
import { type WrittenImage, writeOciImage } from "../../src/oci-image.js";
import {
  cliMissing,
  NO_DOCKER,
  pushWithCli,
  removeCliSnapshot,
  retriesLogged,
  secretsIn,
  storedImage,
} from "../../src/push-runs.js";

/**
 * Many pipelines share one account, and ECR counts PutImage (10 calls a second) per account and
 * region, not per repository: here 20 pipelines push at the same moment, each its own service to
 * its own repository (one repository each, so that every push's tags a, b and c are its own and
 * can be read back; the limit is the account's all the same), against an endpoint that enforces
 * PutImage at ECR's 10 a second and GetAuthorizationToken at 8 a second with a burst of 8, so
 * that 20 logins at once get throttled too. ECR's own GetAuthorizationToken rate is 20 a second
 * with a burst of 200, which 20 logins never meet; at 5 a second (burst 5) the SDK's default 5
 * attempts lost a login in one run of six here, a fleet far past any real ECR's.
 */
const PUSHES = 20;
const TAGS = ["a", "b", "c"];
const LIMITS = { PutImage: 10, GetAuthorizationToken: 8 };
const LAYER_BYTES = 16 * 1024;
/** What one push of an existing repository calls on the ECR API, each once. */
const CONTROL_NEEDED = {
  BatchGetImage: 1,
  DescribeImages: 1,
  DescribeRepositories: 1,
  GetAuthorizationToken: 1,
};
/** Its registry requests: per blob (2 layers and the config) a HEAD and an upload; per tag a manifest PUT. */
const BLOBS = 3;
const DATA_NEEDED = {
  BatchCheckLayerAvailability: BLOBS,
  CompleteLayerUpload: BLOBS,
  InitiateLayerUpload: BLOBS,
  PutImage: TAGS.length,
  UploadLayerPart: BLOBS,
};
/** Every wait of this test ends: the pushes (each also killed by the runner after 120 s), the reads. */
const PUSHES_WITHIN_MS = 150_000;
const READS_WITHIN_MS = 20_000;

const repositoryOf = (i: number) => `fleet/service-${String(i).padStart(2, "0")}`;

/** The ECR operation a registry request is, named as ecr-local counts them (a manifest PUT is PutImage...). */
function registryOperation({ method, path: target }: FaultRequest): {
  repository: string;
  operation: string;
} {
  const match = /^\/v2\/(.+?)\/(blobs\/uploads\/?([^/?]*)|blobs\/[^/?]+|manifests\/[^/?]+)/.exec(target);
  if (!match) return { repository: "", operation: `${method} ${target}` };
  const [, repository = "", route = "", session] = match;
  const operation =
    session === ""
      ? { POST: "InitiateLayerUpload" }[method]
      : session !== undefined
        ? { PATCH: "UploadLayerPart", PUT: "CompleteLayerUpload" }[method]
        : route.startsWith("blobs/")
          ? { HEAD: "BatchCheckLayerAvailability" }[method]
          : { PUT: "PutImage" }[method];
  return { repository, operation: operation ?? `${method} ${route}` };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

function spread(values: number[], digits = 0): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 ? (sorted[Math.floor(mid)] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return [sorted[0] ?? 0, median, sorted.at(-1) ?? 0].map((v) => v.toFixed(digits)).join(" / ");
}

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The most attempts one registry request of a push needed, from its --debug log ("attempt N of M"). */
function mostRegistryAttempts(run: EntryRun): number {
  const attempts = [...run.stderr.matchAll(/; retrying in \d+ ms \(attempt (\d+) of \d+\)/g)];
  return Math.max(1, ...attempts.map(([, n]) => Number(n)));
}

/** The manifest PUTs a push logged with --debug and what each was answered, e.g. `a -> 429`. */
function manifestAnswers(run: EntryRun, repository: string): string[] {
  const line = new RegExp(`debug: PUT /v2/${repository}/manifests/([^ ]+) -> (\\d+)$`, "gm");
  return [...run.stderr.matchAll(line)].map(([, tag, status]) => `${tag} -> ${status}`);
}

describe.runIf(realPartAvailable("the built CLI", cliMissing()))(
  "a fleet of pushes at once in one account, under ECR's rate limits",
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-fleet-"));
    let e2e: EcrFixture;
    let proxy: FaultProxy;
    /** Registry requests by repository, as they passed on their way to the endpoint. */
    const registryRequests = new Map<string, string[]>();

    beforeAll(async () => {
      e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST, { rateLimits: LIMITS });
      // A pass-through that faults nothing: all it does is see each registry request, whose
      // repository names the push that sent it (the registry password does not name a key).
      proxy = await FaultProxy.start({
        upstream: e2e.local.endpoint,
        faults: (request) => {
          if (request.plane === "registry") {
            const { repository, operation } = registryOperation(request);
            registryRequests.set(repository, [...(registryRequests.get(repository) ?? []), operation]);
          }
          return false;
        },
      });
      for (let i = 0; i < PUSHES; i++) await e2e.createRepository(repositoryOf(i));
    });
    afterAll(async () => {
      await proxy?.close();
      await e2e?.close();
      removeCliSnapshot();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${PUSHES} pushes started at once all land, throttled on PutImage and GetAuthorizationToken, with no call beyond what each needs`, async () => {
      const images: WrittenImage[] = Array.from({ length: PUSHES }, (_, i) =>
        writeOciImage(path.join(dir, `image-${i}`), { layers: 2, layerBytes: LAYER_BYTES }),
      );
      // Each pipeline its own temporary key of the account, so that its ECR calls can be told apart.
      const keys = images.map(() => e2e.local.issueTemporaryCredentials(3600));
      const callsBefore = e2e.local.calls.length;
      const seconds: number[] = [];

      const started = Date.now();
      const runs = await within(
        PUSHES_WITHIN_MS,
        `${PUSHES} pushes`,
        Promise.all(
          images.map(async (image, i) => {
            const key = keys[i];
            const run = await pushWithCli(
              e2e,
              [
                `oci:${image.dir}`,
                "-r",
                repositoryOf(i),
                ...TAGS.flatMap((tag) => ["-t", tag]),
                "--json",
                "--debug",
              ],
              {
                AWS_ACCESS_KEY_ID: key?.accessKeyId,
                AWS_SECRET_ACCESS_KEY: key?.secretAccessKey,
                AWS_SESSION_TOKEN: key?.sessionToken,
                AWS_ENDPOINT_URL_ECR: proxy.endpoint,
                AWS_ENDPOINT_URL_STS: proxy.endpoint,
              },
            );
            seconds[i] = (Date.now() - started) / 1000;
            return run;
          }),
        ),
      );
      const wallSeconds = (Date.now() - started) / 1000;
      // The endpoint's counters as the fleet left them, before this test reads anything back.
      const stats = structuredClone(e2e.local.stats);
      const calls: RecordedCall[] = e2e.local.calls.slice(callsBefore);

      // Every push landed: exit 0 and its own digest.
      for (const [i, run] of runs.entries()) {
        expect(run.code, `push ${i}:\n${run.stderr.split("\n").slice(-40).join("\n")}`).toBe(0);
        expect(JSON.parse(run.stdout).digest).toBe(images[i]?.digest);
        expect(secretsIn(run, keys[i]?.secretAccessKey ?? "", keys[i]?.sessionToken ?? "")).toEqual([]);
        expect(run.leftovers).toEqual([]);
      }

      // The limits bit: both operations were answered as throttled, and nothing else was.
      expect(stats.throttled.PutImage ?? 0).toBeGreaterThan(0);
      expect(stats.throttled.GetAuthorizationToken ?? 0).toBeGreaterThan(0);
      expect(Object.keys(stats.throttled).sort()).toEqual(["GetAuthorizationToken", "PutImage"]);

      // The ECR API, per push (its own key): what it needs, each once, and throttled attempts besides.
      const perPush = keys.map((key, i) => {
        const mine = calls.filter((call) => call.accessKeyId === key.accessKeyId);
        const succeeded = mine.filter((call) => call.status === 200);
        const throttled = mine.filter((call) => call.errorCode === "ThrottlingException");
        expect(
          countBy(succeeded, (call) => call.operation),
          `push ${i}`,
        ).toEqual(CONTROL_NEEDED);
        // No other failure: a call that was not answered 200 was throttled.
        expect(succeeded.length + throttled.length, `push ${i}`).toBe(mine.length);
        const registry = registryRequests.get(repositoryOf(i)) ?? [];
        const answers = manifestAnswers(runs[i] as EntryRun, repositoryOf(i));
        const manifestRetries = answers.filter((answer) => answer.endsWith("-> 429")).length;
        // The most attempts one ECR call needed: it is one operation, each made once.
        const mostAttempts = Math.max(...Object.values(countBy(mine, (call) => call.operation)));
        return { calls: mine.length, throttled, registry, answers, manifestRetries, mostAttempts };
      });
      // Every ECR call came from a push (none unsigned, none with another key).
      expect(sum(perPush.map((p) => p.calls))).toBe(calls.length);
      expect(sum(perPush.map((p) => p.throttled.length))).toBe(stats.throttled.GetAuthorizationToken);

      // The registry, per push (its repository): every blob checked and uploaded once, and one
      // manifest PUT per tag landed; the only extra requests are the PutImage attempts answered 429.
      for (const [i, push] of perPush.entries()) {
        expect(
          countBy(push.registry, (operation) => operation),
          `push ${i}`,
        ).toEqual({
          ...DATA_NEEDED,
          PutImage: TAGS.length + push.manifestRetries,
        });
        expect(push.answers.filter((answer) => !answer.endsWith("-> 429")).sort(), `push ${i}`).toEqual(
          TAGS.map((tag) => `${tag} -> 201`),
        );
        expect(retriesLogged(runs[i] as EntryRun), `push ${i}`).toBe(push.manifestRetries);
      }
      // Every registry request the proxy saw was one of a push's (none without a repository).
      expect([...registryRequests.keys()].sort()).toEqual(images.map((_, i) => repositoryOf(i)));
      // The same from the endpoint's side, over the whole fleet.
      const throttledPuts = stats.throttled.PutImage ?? 0;
      expect(sum(perPush.map((p) => p.manifestRetries))).toBe(throttledPuts);
      expect(stats.dataPlaneCalls).toEqual(
        Object.fromEntries(
          Object.entries(DATA_NEEDED).map(([operation, n]) => [
            operation,
            PUSHES * n + (operation === "PutImage" ? throttledPuts : 0),
          ]),
        ),
      );
      expect((stats.dataPlaneCalls.PutImage ?? 0) - throttledPuts).toBe(PUSHES * TAGS.length);
      expect(stats.manifestsPut).toBe(PUSHES * TAGS.length);
      expect(stats.blobsUploaded).toBe(PUSHES * BLOBS);

      // Every tag of every push names its image, read straight from the endpoint, every blob present.
      const { password } = await within(READS_WITHIN_MS, "a login", e2e.registryCredentials());
      await within(
        READS_WITHIN_MS,
        "reading the tags back",
        Promise.all(
          images.flatMap((image, i) =>
            TAGS.map(async (tag) => {
              const stored = await storedImage(e2e.local, password, repositoryOf(i), tag);
              expect(stored, `${repositoryOf(i)}:${tag}`).toMatchObject({
                digest: image.digest,
                blobs: image.blobs,
                missing: [],
              });
            }),
          ),
        ),
      );

      const controlCalls = perPush.map((p) => p.calls);
      const registryCalls = perPush.map((p) => p.registry.length);
      const sdkRetries = sum(perPush.map((p) => p.throttled.length));
      const registryRetries = sum(runs.map(retriesLogged));
      recordFigures("fleet", {
        order: 14,
        title: `A fleet: ${PUSHES} pushes at once under ECR's rate limits`,
        figures: {
          [`pushes started at once (OCI layout, 2 layers of ${LAYER_BYTES / 1024} KiB + config, tags ${TAGS.join(", ")}, one repository each, one account)`]:
            PUSHES,
          "pushes landed (exit 0, the digest, every tag readable, every blob present)": runs.filter(
            (run) => run.code === 0,
          ).length,
          "PutImage limit (calls per second per account, burst as many)": LIMITS.PutImage,
          "GetAuthorizationToken limit (calls per second per account)": LIMITS.GetAuthorizationToken,
          "throttled answers: PutImage (manifest PUT answered 429 TOOMANYREQUESTS)": throttledPuts,
          "throttled answers: GetAuthorizationToken (400 ThrottlingException)":
            stats.throttled.GetAuthorizationToken ?? 0,
          "ECR API calls per push, throttled attempts included (min / median / max)": spread(controlCalls),
          "ECR API calls per push that succeeded": `${Object.values(CONTROL_NEEDED).length} each (${Object.keys(CONTROL_NEEDED).join(", ")}, once)`,
          "registry requests per push, throttled included (min / median / max)": spread(registryCalls),
          "manifest PUTs landed / sent": `${stats.manifestsPut} / ${stats.dataPlaneCalls.PutImage ?? 0}`,
          "retries: ECR API (SDK, after ThrottlingException)": sdkRetries,
          "retries: registry (logged by the pushes, after 429)": registryRetries,
          "most attempts one request needed: ECR API (5 allowed) / registry (5, 9 when each is a 429)": `${Math.max(...perPush.map((p) => p.mostAttempts))} / ${Math.max(...runs.map(mostRegistryAttempts))}`,
          "push time (s, min / median / max)": spread(seconds, 1),
          "wall time of the fleet (s)": wallSeconds.toFixed(1),
        },
        note: `The built CLI, ${PUSHES} processes started together with the default retry settings (5 attempts, standard mode), each with its own temporary key of the account (to tell its ECR calls apart) and through a pass-through proxy that saw each registry request (its repository names the push); ecr-local enforced PutImage at ${LIMITS.PutImage} and GetAuthorizationToken at ${LIMITS.GetAuthorizationToken} calls a second for the account, a manifest PUT counting as PutImage as in ECR. Every tag was then read back from the endpoint and each blob of its manifest checked. A 429 spends half a retry of the registry client's budget; when it spent a whole one, as a 503 does, 4 runs in 5 of this test lost a push.`,
      });
    });
  },
);
