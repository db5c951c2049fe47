import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { commandMissing, realPartAvailable, runOk } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy, type FaultProxyOptions } from "../../src/fault-proxy.js";
import { recordFigures } from "../../src/figures.js";
import { type WrittenImage, writeOciImage } from "../../src/oci-image.js";
import { cliMissing, NO_DOCKER, pushWithCli, removeCliSnapshot, storedImage } from "../../src/push-runs.js";

/**
 * One fault kind at a time, at 30% of the requests it can hit: each push must land with the
 * digest computed here, every blob readable and verified by skopeo, and the bytes sent again are
 * counted at the proxy (bytes it received for registry PATCH and PUT bodies beyond one copy of
 * the image).
 */
const PUSHES = 4;
const RATE = 0.3;
const MiB = 1024 * 1024;
/** Failures in a row a request may have before the push gives up: at 30%, 0.3^10 is 6 in a million. */
const ATTEMPTS = "10";

interface Kind {
  name: string;
  options: Partial<FaultProxyOptions>;
  counted: (proxy: FaultProxy) => number;
  image: { layers: number; layerBytes: number };
}

const KINDS: Kind[] = [
  {
    name: "connection resets (half before forwarding, half after the answer)",
    options: { resetRate: RATE },
    counted: (p) => p.counts.resetsBeforeForwarding + p.counts.resetsAfterAnswer,
    image: { layers: 3, layerBytes: 256 * 1024 },
  },
  {
    name: "503 answers",
    options: { unavailableRate: RATE },
    counted: (p) => p.counts.unavailable,
    image: { layers: 3, layerBytes: 256 * 1024 },
  },
  {
    name: "PATCH bodies cut half-way",
    options: { cutPatchRate: RATE },
    counted: (p) => p.counts.patchesCut,
    image: { layers: 3, layerBytes: 256 * 1024 },
  },
  {
    name: "commit PUTs that land but whose answer is dropped",
    options: { dropCommitAnswerRate: RATE },
    counted: (p) => p.counts.commitAnswersDropped,
    image: { layers: 3, layerBytes: 256 * 1024 },
  },
  {
    name: "upload sessions the registry forgets",
    options: { forgetSessionRate: RATE },
    counted: (p) => p.counts.sessionsForgotten,
    image: { layers: 3, layerBytes: 256 * 1024 },
  },
  {
    // Every PATCH of the 24 MiB layer is cut after 12 MiB (or answered 503 once sent whole), so
    // it goes on through the layer API, whose UploadLayerPart calls are throttled and answered 503.
    name: "a big layer cut after 12 MiB, then UploadLayerPart throttled and 503",
    options: {
      cutPatchRate: 1 - RATE / 2,
      cutAfterBytes: 12 * MiB,
      faults: ({ plane, method, operation, contentLength = 0 }) =>
        (plane === "registry" && method === "PATCH" && contentLength > MiB) ||
        operation === "UploadLayerPart",
      throttleRate: RATE / 2,
      throttleOperations: ["UploadLayerPart"],
      unavailableRate: RATE / 2,
    },
    counted: (p) => p.counts.patchesCut + p.counts.throttled + p.counts.unavailable,
    image: { layers: 1, layerBytes: 24 * MiB },
  },
];

const skopeoMissing = await commandMissing("skopeo", "apt-get install skopeo");

describe.runIf(
  realPartAvailable("the built CLI", cliMissing()) && realPartAvailable("skopeo", skopeoMissing),
)("each fault kind at 30%: every push lands with the right digest", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-fault-kinds-"));
  let e2e: EcrFixture;
  const figures: Record<string, string | number> = {};

  beforeAll(async () => {
    e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST);
  });
  afterAll(async () => {
    recordFigures("fault-kinds", {
      order: 12,
      title: "Faults one kind at a time, 30% of the requests each can hit",
      figures,
      note: `The built CLI pushed ${PUSHES} OCI images (3 layers of 256 KiB, or one 24 MiB layer for the layer API row) through the fault proxy for each kind, with AWS_MAX_ATTEMPTS=${ATTEMPTS}; each tag was read back from the endpoint, every blob checked, and one image per kind copied out by skopeo (which verifies every digest). "Bytes sent again" is what the proxy received for registry PATCH and PUT bodies beyond one copy of the images.`,
    });
    await e2e?.close();
    removeCliSnapshot();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [k, kind] of KINDS.entries()) {
    it(kind.name, async () => {
      const repository = `reliability/kind-${k}`;
      await e2e.createRepository(repository);
      const proxy = await FaultProxy.start({
        upstream: e2e.local.endpoint,
        seed: 20_261_204 + k,
        ...kind.options,
      });
      try {
        const images: WrittenImage[] = [];
        const statsBefore = { ...e2e.local.stats };
        for (let i = 0; i < PUSHES; i++) {
          images.push(writeOciImage(path.join(dir, `kind-${k}-${i}`), kind.image));
        }
        const runs = [];
        for (const [i, image] of images.entries()) {
          runs.push(
            await pushWithCli(
              e2e,
              [`oci:${image.dir}`, "-r", repository, "-t", `p${i}`, "--json", "--debug"],
              {
                AWS_ENDPOINT_URL_ECR: proxy.endpoint,
                AWS_ENDPOINT_URL_STS: proxy.endpoint,
                AWS_MAX_ATTEMPTS: ATTEMPTS,
              },
            ),
          );
        }
        const { password } = await e2e.registryCredentials();
        for (const [i, run] of runs.entries()) {
          expect(run.code, run.stderr.split("\n").slice(-30).join("\n")).toBe(0);
          expect(JSON.parse(run.stdout).digest).toBe(images[i]?.digest);
          // One line about the retries, whatever their number (each is a --debug line of its own).
          expect(run.stderr.match(/Registry requests needed/g)?.length ?? 0).toBeLessThanOrEqual(1);
          const stored = await storedImage(e2e.local, password, repository, `p${i}`);
          expect(stored).toMatchObject({ digest: images[i]?.digest, missing: [] });
        }
        // skopeo reads one image back whole, checking every blob against its digest.
        const out = path.join(dir, `copy-${k}`);
        await runOk("skopeo", [
          "copy",
          "--src-tls-verify=false",
          "--src-creds",
          `AWS:${password}`,
          `docker://${e2e.local.registry}/${repository}:p0`,
          `dir:${out}`,
        ]);

        const imageBytes = images.reduce((sum, image) => sum + (image.bytes ?? 0), 0);
        const parts = (e2e.local.stats.layerPartsReceived ?? 0) - (statsBefore.layerPartsReceived ?? 0);
        const partBytes =
          (e2e.local.stats.layerPartBytesReceived ?? 0) - (statsBefore.layerPartBytesReceived ?? 0);
        // Parts travel on the ECR API (base64 in JSON, a third more on the wire): counted as data.
        const resent = proxy.counts.registryBytesReceived + partBytes - imageBytes;
        const faults = kind.counted(proxy);
        expect(faults).toBeGreaterThan(0);
        if (k === KINDS.length - 1) expect(parts).toBeGreaterThan(0);
        const retries = runs.map((run) => /Registry requests needed (\d+) retr/.exec(run.stderr)?.[1] ?? "0");
        figures[`${kind.name}: faults met / retries logged`] =
          `${faults} / ${retries.map(Number).reduce((a, b) => a + b, 0)}`;
        figures[`${kind.name}: bytes sent again (MiB, of ${(imageBytes / MiB).toFixed(1)})`] = (
          Math.max(0, resent) / MiB
        ).toFixed(2);
        if (parts) figures[`${kind.name}: layer parts ECR received`] = parts;
      } finally {
        await proxy.close();
      }
    });
  }
});
