import { describe, expect, it } from "vitest";
import {
  type HostInputTable,
  hostInputNames,
  INPUT_KEYS,
  INPUTS,
  notOffered,
  uncoveredInputs,
} from "../../../src/request/index.js";

describe("the input registry", () => {
  it("declares every input the request parsers know, once", () => {
    expect(Object.keys(INPUTS)).toEqual(INPUT_KEYS);
    expect(INPUT_KEYS.filter((key) => "secret" in INPUTS[key])).toEqual([
      "secretAccessKey",
      "sessionToken",
      "webIdentityToken",
      "sourcePassword",
    ]);
  });

  it("finds the inputs a host neither spells nor declines with a reason, for the commands it offers", () => {
    const table = Object.fromEntries(INPUT_KEYS.map((key) => [key, `--${key}`])) as HostInputTable;
    expect(uncoveredInputs(table, ["push", "retag", "promote"])).toEqual([]);
    const partial: Partial<HostInputTable> = {
      ...table,
      sourceProfile: undefined,
      engine: { notOffered: "no" },
    };
    // sourceProfile is promote's only: a push-only host need not offer it, but a terse opt-out is not enough.
    expect(uncoveredInputs(partial, ["push"])).toEqual(["engine"]);
    expect(uncoveredInputs(partial, ["promote"])).toEqual(["sourceProfile"]);
    const declined = { ...table, engine: { notOffered: "this host always pushes with docker" } };
    expect(uncoveredInputs(declined, ["push"])).toEqual([]);
    expect(notOffered(declined)).toEqual([{ key: "engine", why: "this host always pushes with docker" }]);
    expect(hostInputNames(declined).engine).toBeUndefined();
    expect(hostInputNames(declined).repository).toBe("--repository");
    const supplied = { ...table, webIdentityToken: { fromHost: "the runner's OIDC token" } };
    expect(uncoveredInputs(supplied, ["push"])).toEqual([]);
    expect(hostInputNames(supplied).webIdentityToken).toBe("the runner's OIDC token");
  });
});
