import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../src/fault-proxy.js";
import { recordFigures } from "../../src/figures.js";
import { writeOciImage } from "../../src/oci-image.js";
import { cliMissing, NO_DOCKER, pushWithCli, removeCliSnapshot, storedImage } from "../../src/push-runs.js";

const ROUNDS = 5;

describe.runIf(realPartAvailable("the built CLI", cliMissing()))("two pushes of one tag at once", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-same-tag-"));
  let e2e: EcrFixture;
  let proxy: FaultProxy;

  beforeAll(async () => {
    e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST);
    // Slow answers make the two pushes interleave request by request.
    proxy = await FaultProxy.start({
      upstream: e2e.local.endpoint,
      seed: 11,
      delayRate: 0.5,
      maxDelayMs: 150,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await e2e?.close();
    removeCliSnapshot();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leave the tag on one of the two images, complete, and never on a partial one while they run", async () => {
    await e2e.createRepository("reliability/same-tag");
    const { password } = await e2e.registryCredentials();
    let observations = 0;
    const incomplete: string[] = [];
    const winners: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const images = ["a", "b"].map((name) =>
        writeOciImage(path.join(dir, `${round}-${name}`), { layers: 3, layerBytes: 64 * 1024 }),
      );
      let running = true;
      // Reads the tag straight from the endpoint, over and over, while both pushes run.
      const watcher = (async () => {
        while (running) {
          const seen = await storedImage(e2e.local, password, "reliability/same-tag", "shared");
          observations++;
          if (seen && seen.missing.length > 0)
            incomplete.push(`${seen.digest} lacks ${seen.missing.join(", ")}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const runs = await Promise.all(
        images.map((image) =>
          pushWithCli(e2e, [`oci:${image.dir}`, "-r", "reliability/same-tag", "-t", "shared", "--json"], {
            AWS_ENDPOINT_URL_ECR: proxy.endpoint,
            AWS_ENDPOINT_URL_STS: proxy.endpoint,
          }),
        ),
      );
      running = false;
      await watcher;
      for (const [i, run] of runs.entries()) {
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout).digest).toBe(images[i]?.digest);
      }
      const final = await storedImage(e2e.local, password, "reliability/same-tag", "shared");
      expect(images.map((image) => image.digest)).toContain(final?.digest);
      expect(final?.missing).toEqual([]);
      winners.push(final?.digest === images[0]?.digest ? "a" : "b");
    }
    expect(incomplete).toEqual([]);

    recordFigures("same-tag", {
      order: 40,
      title: "Two pushes of one tag at once",
      figures: {
        "rounds (two different 3-layer images pushed to one tag at once)": ROUNDS,
        "pushes succeeded": ROUNDS * 2,
        "image the tag ended on, per round": winners.join(", "),
        "reads of the tag while the pushes ran": observations,
        "reads finding the tag on an incomplete image": incomplete.length,
      },
      note: "The manifest is PUT only after every blob it names is uploaded, and the endpoint refuses a manifest naming a missing blob, so the tag moves from one complete image to another: the last manifest PUT wins.",
    });
  });
});
