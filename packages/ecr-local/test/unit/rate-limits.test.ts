import { describe, expect, it } from "vitest";
import { parseRateLimits, RateLimiter } from "../../src/rate-limits.js";

describe("RateLimiter", () => {
  it("lets a burst of one second's calls through, then refills at the rate up to that burst", () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    limiter.set({ PutImage: 10 });
    const take = (n: number) =>
      Array.from({ length: n }, () => limiter.take("PutImage")).filter(Boolean).length;
    expect(take(15)).toBe(10);
    now += 100;
    expect(take(5)).toBe(1);
    now += 60_000;
    expect(take(50)).toBe(10);
    expect(limiter.take("DescribeImages")).toBe(true);
  });

  it("takes rates under one per second, zero (nothing passes) and clearing", () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    limiter.set({ PutImage: 0.5, UploadLayerPart: 0 });
    expect(limiter.take("PutImage")).toBe(true);
    expect(limiter.take("PutImage")).toBe(false);
    now += 1000;
    expect(limiter.take("PutImage")).toBe(false);
    now += 1000;
    expect(limiter.take("PutImage")).toBe(true);
    expect(limiter.take("UploadLayerPart")).toBe(false);
    limiter.set({});
    expect(limiter.take("UploadLayerPart")).toBe(true);
    expect(() => limiter.set({ PutImage: Number.NaN })).toThrow(/PutImage/);
  });
});

describe("parseRateLimits", () => {
  it("reads Operation=rate lists", () => {
    expect(parseRateLimits(undefined)).toBeUndefined();
    expect(parseRateLimits(" ")).toBeUndefined();
    expect(parseRateLimits("PutImage=10, UploadLayerPart=500")).toEqual({
      PutImage: 10,
      UploadLayerPart: 500,
    });
    expect(() => parseRateLimits("PutImage")).toThrow(/Operation=callsPerSecond/);
    expect(() => parseRateLimits("PutImage=fast")).toThrow();
    expect(() => parseRateLimits("PutImage=-1")).toThrow();
  });
});
