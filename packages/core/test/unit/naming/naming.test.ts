import { describe, expect, it } from "vitest";
import { isRepositoryName, toDockerRepositoryName } from "../../../src/index.js";

describe("toDockerRepositoryName", () => {
  it.each([
    ["web", "web"],
    ["Web-App", "web-app"],
    ["Team/My App!", "team/my-app"],
    ["team/web/api", "team/web/api"],
    ["MyOrg/Sub.Team/Web_App", "myorg/sub.team/web_app"],
    ["a__b--c", "a__b--c"],
    ["a..b", "a-b"],
    ["a.-_b", "a-b"],
    ["a___b", "a-b"],
    ["@scope/pkg", "scope/pkg"],
    ["/lead//trail/", "lead/trail"],
    ["  spaced name  ", "spaced-name"],
    ["Café/Crème", "caf/cr-me"],
    ["team/$(Build.Repository.Name)", "team/build.repository.name"],
  ])("%j becomes %j", (input, expected) => {
    expect(toDockerRepositoryName(input)).toBe(expected);
  });

  it("gives valid repository names for names with letters or digits", () => {
    for (const input of ["X", "Ab", "A B C/D E", "-x-/_y_", "1.2.3", "some/DEEP/Path/With Spaces"]) {
      const name = toDockerRepositoryName(input);
      if (name.length >= 2) expect(isRepositoryName(name), name).toBe(true);
    }
  });

  it("leaves a name that is already valid unchanged", () => {
    for (const name of ["team/web", "a.b_c-d/e__f---g", "123/456"]) {
      expect(toDockerRepositoryName(name)).toBe(name);
    }
  });

  it("returns an empty name when nothing usable is left, for validation to report", () => {
    expect(toDockerRepositoryName("!!!/???")).toBe("");
  });
});
