import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { indexTar, resolveEntry } from "../../../src/sources/tar.js";
import { tar } from "./tar-writer.js";

const dir = mkdtempSync(path.join(tmpdir(), "tar-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function indexOf(bytes: Buffer) {
  const file = path.join(dir, `${Math.random()}.tar`);
  writeFileSync(file, bytes);
  const handle = await open(file, "r");
  try {
    return await indexTar(handle);
  } finally {
    await handle.close();
  }
}

describe("indexTar", () => {
  it("locates each member's data by offset without reading it", async () => {
    const bytes = tar([
      { name: "a/", type: "5" },
      { name: "a/one.txt", data: "hello" },
      { name: "./b.json", data: "{}" },
    ]);
    const entries = await indexOf(bytes);
    const one = entries.get("a/one.txt");
    expect(one).toMatchObject({ type: "file", size: 5 });
    expect(bytes.subarray(one?.offset, (one?.offset ?? 0) + 5).toString()).toBe("hello");
    expect(entries.get("b.json")?.size).toBe(2);
  });

  it("reads PAX long names and follows symbolic links relative to their folder", async () => {
    const long = `${"d".repeat(120)}/layer.tar`;
    const entries = await indexOf(
      tar([
        { name: long, data: "layer" },
        { name: "a/layer.tar", data: "shared" },
        { name: "x/layer.tar", type: "2", link: "../a/layer.tar" },
      ]),
    );
    expect(entries.get(long)?.size).toBe(5);
    expect(resolveEntry(entries, "x/layer.tar")?.name).toBe("a/layer.tar");
  });

  it("rejects a damaged header and a truncated archive", async () => {
    const bytes = tar([{ name: "a.txt", data: "x".repeat(600) }]);
    const damaged = Buffer.from(bytes);
    damaged[10] = 0x41;
    await expect(indexOf(damaged)).rejects.toThrow(/bad tar header/);
    await expect(indexOf(bytes.subarray(0, 700))).rejects.toThrow(/truncated/);
  });
});
