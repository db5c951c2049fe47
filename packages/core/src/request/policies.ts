import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { InputReader } from "./parse.js";

/** ECR's limits on the policy texts (PutLifecyclePolicy: 100 to 30720; SetRepositoryPolicy: up to 10240). */
export const LIFECYCLE_POLICY_LENGTH = { min: 100, max: 30_720 };
export const REPOSITORY_POLICY_MAX_LENGTH = 10_240;

const TAG_STATUSES = ["tagged", "untagged", "any"];

/**
 * Reads a policy input: JSON text when the value starts with `{` (no file name does in practice),
 * else a file path, relative to the working directory. Read here, while the request is checked,
 * so a missing file or bad JSON fails before any AWS call (and before a repository is created
 * without the policy it was meant to have).
 */
function policyText(p: InputReader, key: "lifecyclePolicy" | "repositoryPolicy", max: number) {
  const value = p.text(key);
  if (value === undefined) return undefined;
  if (value.startsWith("{")) return { text: value, from: "the JSON given" };
  const file = path.resolve(value);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (error) {
    throw p.invalid(
      key,
      value,
      `no file ${file} could be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"}): give the path of a JSON file, relative to the working directory, or the JSON itself.`,
    );
  }
  if (!stat.isFile()) throw p.invalid(key, value, "name a JSON file, not a folder.");
  const size = stat.size;
  // A file far over ECR's limit is not read whole (its length is checked again as text below).
  if (size > max * 4) {
    throw p.invalid(key, value, `the file has ${size} bytes and ECR takes at most ${max} characters.`);
  }
  return { text: readFileSync(file, "utf8").replace(/^\uFEFF/, ""), from: `the file ${value}` };
}

/** Parses JSON text; a bad one is one sentence with the parser's reason. */
function parseJson(p: InputReader, key: "lifecyclePolicy" | "repositoryPolicy", value: string, from: string) {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw p.invalid(
      key,
      undefined,
      `${from} is not valid JSON (${(error as Error).message}): fix it, or check the path.`,
    );
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The lifecycle policy text, checked for what ECR's lifecycle policy properties document as
 * required: a `rules` array whose rules each have a unique integer rulePriority, a selection with
 * tagStatus (tagged, untagged or any), countType and countNumber, and an action with a type.
 * ECR checks the rest (tag prefixes, storage classes) itself.
 */
export function parseLifecyclePolicy(p: InputReader): string | undefined {
  const read = policyText(p, "lifecyclePolicy", LIFECYCLE_POLICY_LENGTH.max);
  if (!read) return undefined;
  const json = parseJson(p, "lifecyclePolicy", read.text, read.from);
  const bad = (what: string) =>
    p.invalid("lifecyclePolicy", undefined, `${read.from} is not a lifecycle policy ECR accepts: ${what}`);
  if (!isObject(json) || !Array.isArray(json.rules) || json.rules.length === 0) {
    throw bad('it needs a "rules" array with at least one rule.');
  }
  const priorities = new Set<number>();
  for (const [i, rule] of json.rules.entries()) {
    const which = `rule ${i + 1}`;
    if (!isObject(rule)) throw bad(`${which} is not an object.`);
    const priority = rule.rulePriority;
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1) {
      throw bad(`${which} needs a "rulePriority" that is a whole number of at least 1.`);
    }
    if (priorities.has(priority))
      throw bad(`rulePriority ${priority} is given twice; each rule needs its own.`);
    priorities.add(priority);
    const selection = rule.selection;
    if (!isObject(selection)) throw bad(`${which} needs a "selection" object.`);
    if (typeof selection.tagStatus !== "string" || !TAG_STATUSES.includes(selection.tagStatus)) {
      throw bad(`${which} needs a selection "tagStatus" of ${TAG_STATUSES.join(", ")}.`);
    }
    if (typeof selection.countType !== "string") throw bad(`${which} needs a selection "countType".`);
    const count = selection.countNumber;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
      throw bad(`${which} needs a selection "countNumber" that is a whole number of at least 1.`);
    }
    if (!isObject(rule.action) || typeof rule.action.type !== "string") {
      throw bad(`${which} needs an "action" with a "type" (such as expire).`);
    }
  }
  return checkLength(p, "lifecyclePolicy", read, LIFECYCLE_POLICY_LENGTH.min, LIFECYCLE_POLICY_LENGTH.max);
}

/** The repository policy text: a JSON object with a Statement (IAM policy grammar; ECR checks the rest). */
export function parseRepositoryPolicy(p: InputReader): string | undefined {
  const read = policyText(p, "repositoryPolicy", REPOSITORY_POLICY_MAX_LENGTH);
  if (!read) return undefined;
  const json = parseJson(p, "repositoryPolicy", read.text, read.from);
  if (!isObject(json) || !(Array.isArray(json.Statement) || isObject(json.Statement))) {
    throw p.invalid(
      "repositoryPolicy",
      undefined,
      `${read.from} is not a repository policy: it needs a "Statement" (an IAM policy document).`,
    );
  }
  return checkLength(p, "repositoryPolicy", read, 0, REPOSITORY_POLICY_MAX_LENGTH);
}

function checkLength(
  p: InputReader,
  key: "lifecyclePolicy" | "repositoryPolicy",
  read: { text: string; from: string },
  min: number,
  max: number,
): string {
  const text = read.text.trim();
  if (text.length > max || text.length < min) {
    throw p.invalid(
      key,
      undefined,
      `${read.from} has ${text.length} characters and ECR takes ${min > 0 ? `${min} to ${max}` : `at most ${max}`}.`,
    );
  }
  return text;
}
