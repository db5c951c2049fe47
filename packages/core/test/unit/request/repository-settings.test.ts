import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  InputError,
  isTagImmutable,
  matchesWildcard,
  parsePromoteRequest,
  parsePushRequest,
  type RawPushInputs,
  type TagMutability,
} from "../../../src/index.js";

const base: RawPushInputs = { source: "web:1.0", repository: "team/web" };
const parse = (extra: RawPushInputs) => parsePushRequest({ ...base, ...extra }).repositorySettings;

function errorOf(extra: RawPushInputs): InputError {
  try {
    parse(extra);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected ${JSON.stringify(extra)} to be rejected`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "ecr-push-policies-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

const LIFECYCLE = {
  rules: [
    {
      rulePriority: 1,
      description: "Keep the last 30 images",
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
      action: { type: "expire" },
    },
  ],
};
const POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "pull",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: ["ecr:BatchGetImage"],
    },
  ],
};

describe("tag mutability with exclusion filters", () => {
  it("takes the four modes, in any case, with filters only for the _WITH_EXCLUSION ones", () => {
    expect(parse({ imageTagMutability: "mutable" }).imageTagMutability).toBe("MUTABLE");
    expect(parse({ imageTagMutability: "IMMUTABLE" }).imageTagMutability).toBe("IMMUTABLE");
    const settings = parse({
      imageTagMutability: "immutable_with_exclusion",
      imageTagMutabilityExclusionFilters: "latest, dev-*\nlatest",
    });
    expect(settings.imageTagMutability).toBe("IMMUTABLE_WITH_EXCLUSION");
    expect(settings.imageTagMutabilityExclusionFilters).toEqual(["latest", "dev-*"]);
    expect(
      parse({
        imageTagMutability: "MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: ["release-*", "v*.*.*"],
      }).imageTagMutabilityExclusionFilters,
    ).toEqual(["release-*", "v*.*.*"]);
    expect(parse({}).imageTagMutabilityExclusionFilters).toBeUndefined();
  });

  it.each<[RawPushInputs, RegExp]>([
    [
      { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" },
      /^Missing imageTagMutabilityExclusionFilters: imageTagMutability IMMUTABLE_WITH_EXCLUSION needs at least one filter/,
    ],
    [
      { imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: " , " },
      /^Missing imageTagMutabilityExclusionFilters: imageTagMutability MUTABLE_WITH_EXCLUSION needs/,
    ],
    [
      { imageTagMutability: "IMMUTABLE", imageTagMutabilityExclusionFilters: "latest" },
      /^Invalid imageTagMutabilityExclusionFilters "latest": filters apply only with imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION/,
    ],
    [
      { imageTagMutabilityExclusionFilters: "latest" },
      /^Invalid imageTagMutabilityExclusionFilters "latest": filters apply only with/,
    ],
    [
      { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: "dev/*" },
      /^Invalid imageTagMutabilityExclusionFilters "dev\/\*": use 1-128 letters, digits, and \. _ - characters, with \* as the wildcard/,
    ],
    [
      { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: "x".repeat(129) },
      /^Invalid imageTagMutabilityExclusionFilters "x+": use 1-128/,
    ],
    [
      { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: "a,b,c,d,e,f" },
      /^Invalid imageTagMutabilityExclusionFilters: ECR takes at most 5 filters \(got 6\)\.$/,
    ],
  ])("refuses %j", (extra, message) => {
    const error = errorOf(extra);
    expect(error.input).toBe("imageTagMutabilityExclusionFilters");
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/\.$/);
  });

  it("matches WILDCARD filters against whole tags, * standing for any run of characters", () => {
    expect(matchesWildcard("latest", "latest")).toBe(true);
    expect(matchesWildcard("latest", "latest-1")).toBe(false);
    expect(matchesWildcard("dev-*", "dev-")).toBe(true);
    expect(matchesWildcard("dev-*", "dev-feature.1")).toBe(true);
    expect(matchesWildcard("dev-*", "xdev-1")).toBe(false);
    expect(matchesWildcard("v*.*", "v1.2")).toBe(true);
    expect(matchesWildcard("v1.2", "v1x2")).toBe(false);
    expect(matchesWildcard("*", "anything")).toBe(true);
  });

  it("says which tags cannot move in each mode", () => {
    const modes = (mode: TagMutability["mode"]): TagMutability => ({
      mode,
      exclusionFilters: ["latest", "dev-*"],
    });
    const immutable = (m: TagMutability) => ["latest", "dev-1", "v1"].filter((tag) => isTagImmutable(m, tag));
    expect(immutable(modes("MUTABLE"))).toEqual([]);
    expect(immutable(modes("IMMUTABLE"))).toEqual(["latest", "dev-1", "v1"]);
    expect(immutable(modes("IMMUTABLE_WITH_EXCLUSION"))).toEqual(["v1"]);
    expect(immutable(modes("MUTABLE_WITH_EXCLUSION"))).toEqual(["latest", "dev-1"]);
  });

  it("applies to promote's created repository too", () => {
    const request = parsePromoteRequest({
      source: "docker://registry.example.com/web:1",
      repository: "team/web",
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: "latest",
      lifecyclePolicy: JSON.stringify(LIFECYCLE),
    });
    expect(request.repositorySettings.imageTagMutabilityExclusionFilters).toEqual(["latest"]);
    expect(JSON.parse(request.repositorySettings.lifecyclePolicy ?? "")).toEqual(LIFECYCLE);
  });
});

describe("lifecycle and repository policies", () => {
  it("reads a file (absolute, or relative to the working directory) or takes JSON given inline", () => {
    const text = JSON.stringify(LIFECYCLE, null, 2);
    expect(parse({ lifecyclePolicy: file("lifecycle.json", text) }).lifecyclePolicy).toBe(text);
    const relative = path.relative(process.cwd(), file("policy.json", `\uFEFF${JSON.stringify(POLICY)}\n`));
    expect(parse({ repositoryPolicy: relative }).repositoryPolicy).toBe(JSON.stringify(POLICY));
    expect(parse({ lifecyclePolicy: ` ${JSON.stringify(LIFECYCLE)} ` }).lifecyclePolicy).toBe(
      JSON.stringify(LIFECYCLE),
    );
    expect(parse({}).lifecyclePolicy).toBeUndefined();
    expect(parse({}).repositoryPolicy).toBeUndefined();
  });

  const [rule] = LIFECYCLE.rules as [(typeof LIFECYCLE.rules)[number]];
  const lifecycle = (rules: unknown) => JSON.stringify({ rules });
  it.each<[RawPushInputs, "lifecyclePolicy" | "repositoryPolicy", RegExp]>([
    [
      { lifecyclePolicy: path.join(dir, "missing.json") },
      "lifecyclePolicy",
      /^Invalid lifecyclePolicy ".*missing\.json": no file .* could be read \(ENOENT\): give the path of a JSON file, relative to the working directory, or the JSON itself\.$/,
    ],
    [{ lifecyclePolicy: dir }, "lifecyclePolicy", /: name a JSON file, not a folder\.$/],
    [
      { lifecyclePolicy: '{"rules": [' },
      "lifecyclePolicy",
      /^Invalid lifecyclePolicy: the JSON given is not valid JSON \(.+\): fix it, or check the path\.$/,
    ],
    [
      { lifecyclePolicy: file("bad.json", "rules: []") },
      "lifecyclePolicy",
      /^Invalid lifecyclePolicy: the file .*bad\.json is not valid JSON/,
    ],
    [
      { lifecyclePolicy: '{"rulez": []}' },
      "lifecyclePolicy",
      /is not a lifecycle policy ECR accepts: it needs a "rules" array with at least one rule\.$/,
    ],
    [{ lifecyclePolicy: lifecycle([]) }, "lifecyclePolicy", /needs a "rules" array/],
    [
      { lifecyclePolicy: lifecycle([{ ...rule, rulePriority: 0 }]) },
      "lifecyclePolicy",
      /rule 1 needs a "rulePriority" that is a whole number of at least 1\.$/,
    ],
    [
      { lifecyclePolicy: lifecycle([rule, { ...rule, description: "again" }]) },
      "lifecyclePolicy",
      /rulePriority 1 is given twice; each rule needs its own\.$/,
    ],
    [
      { lifecyclePolicy: lifecycle([{ ...rule, selection: { ...rule.selection, tagStatus: "all" } }]) },
      "lifecyclePolicy",
      /rule 1 needs a selection "tagStatus" of tagged, untagged, any\.$/,
    ],
    [
      { lifecyclePolicy: lifecycle([{ ...rule, selection: { tagStatus: "any", countNumber: 1 } }]) },
      "lifecyclePolicy",
      /rule 1 needs a selection "countType"\.$/,
    ],
    [
      { lifecyclePolicy: lifecycle([{ ...rule, selection: { ...rule.selection, countNumber: "30" } }]) },
      "lifecyclePolicy",
      /"countNumber" that is a whole number of at least 1\.$/,
    ],
    [
      { lifecyclePolicy: lifecycle([{ ...rule, action: {} }]) },
      "lifecyclePolicy",
      /rule 1 needs an "action" with a "type" \(such as expire\)\.$/,
    ],
    [
      {
        lifecyclePolicy: lifecycle([{ ...rule, action: { type: "expire" } }]).replace(
          "}]}",
          `}], "pad": "${"x".repeat(30_720)}"}`,
        ),
      },
      "lifecyclePolicy",
      /has \d+ characters and ECR takes 100 to 30720\.$/,
    ],
    [
      { lifecyclePolicy: file("huge.json", "x".repeat(200_000)) },
      "lifecyclePolicy",
      /the file has 200000 bytes and ECR takes at most 30720 characters\.$/,
    ],
    [
      { repositoryPolicy: '{"Version": "2012-10-17"}' },
      "repositoryPolicy",
      /^Invalid repositoryPolicy: the JSON given is not a repository policy: it needs a "Statement" \(an IAM policy document\)\.$/,
    ],
    [{ repositoryPolicy: "[1]" }, "repositoryPolicy", /no file .* could be read/],
    [
      { repositoryPolicy: JSON.stringify({ ...POLICY, Sid: "x".repeat(10_240) }) },
      "repositoryPolicy",
      /has \d+ characters and ECR takes at most 10240\.$/,
    ],
  ])("refuses %j", (extra, input, message) => {
    const error = errorOf(extra);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/\n/);
  });
});
