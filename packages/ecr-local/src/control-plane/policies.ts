import type { Context } from "../context.js";
import { invalidParameter, ServiceError } from "../errors.js";
import type { RepositoryRecord } from "../store/store.js";
import { type Call, epochSeconds, type Input, repositoryOf, requiredString } from "./input.js";

// The lengths the API reference documents: lifecyclePolicyText 100 to 30720, policyText up to 10240.
const LIFECYCLE_LENGTH = { min: 100, max: 30_720 };
const POLICY_MAX = 10_240;

const constraint = (key: string, what: string) =>
  invalidParameter(`Invalid parameter at '${key}' failed to satisfy constraint: '${what}'`);

function lengthOf(key: string, text: string, min: number, max: number): void {
  if (text.length < min) throw constraint(key, `Member must have length greater than or equal to ${min}`);
  if (text.length > max) throw constraint(key, `Member must have length less than or equal to ${max}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What ECR checks of a lifecycle policy before storing it (its lifecycle policy properties): rules
 * with unique integer priorities, a selection with tagStatus, countType and a positive countNumber,
 * an action with a type; at most one `any` rule, and it has the highest priority.
 */
function lifecycleProblem(text: string): string | undefined {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    return "Lifecycle policy validation failure: the policy is not valid JSON";
  }
  if (!isObject(policy) || !Array.isArray(policy.rules) || policy.rules.length === 0) {
    return 'Lifecycle policy validation failure: object has missing required properties (["rules"])';
  }
  const priorities: number[] = [];
  let anyPriority: number | undefined;
  for (const rule of policy.rules) {
    if (!isObject(rule)) return "Lifecycle policy validation failure: a rule is not an object";
    const { rulePriority, selection, action } = rule;
    if (typeof rulePriority !== "number" || !Number.isInteger(rulePriority) || rulePriority < 1) {
      return "Lifecycle policy validation failure: rulePriority must be an integer of at least 1";
    }
    if (priorities.includes(rulePriority)) {
      return `Lifecycle policy validation failure: rulePriority ${rulePriority} is not unique`;
    }
    priorities.push(rulePriority);
    if (!isObject(selection) || !["tagged", "untagged", "any"].includes(String(selection.tagStatus))) {
      return "Lifecycle policy validation failure: selection.tagStatus must be one of [tagged, untagged, any]";
    }
    if (typeof selection.countType !== "string") {
      return 'Lifecycle policy validation failure: object has missing required properties (["countType"])';
    }
    const count = selection.countNumber;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
      return "Lifecycle policy validation failure: selection.countNumber must be an integer of at least 1";
    }
    if (!isObject(action) || typeof action.type !== "string") {
      return 'Lifecycle policy validation failure: object has missing required properties (["action"])';
    }
    if (selection.tagStatus === "any") {
      if (anyPriority !== undefined) {
        return "Lifecycle policy validation failure: only one rule can have tagStatus any";
      }
      anyPriority = rulePriority;
    }
  }
  if (anyPriority !== undefined && priorities.some((priority) => priority > (anyPriority as number))) {
    return "Lifecycle policy validation failure: the rule with tagStatus any must have the highest rulePriority";
  }
  return undefined;
}

const where = (ctx: Context, repo: RepositoryRecord) =>
  `the repository with name '${repo.name}' in the registry with id '${ctx.accountId}'`;

export const policyOperations = {
  /** Creates or replaces the lifecycle policy: putting the same text again changes nothing. */
  PutLifecyclePolicy(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const text = requiredString(input, "lifecyclePolicyText");
    lengthOf("lifecyclePolicyText", text, LIFECYCLE_LENGTH.min, LIFECYCLE_LENGTH.max);
    const problem = lifecycleProblem(text);
    if (problem) throw constraint("LifecyclePolicyText", problem);
    ctx.store.update(repo, { lifecyclePolicyText: text });
    return { registryId: ctx.accountId, repositoryName: repo.name, lifecyclePolicyText: text };
  },

  GetLifecyclePolicy(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    if (repo.lifecyclePolicyText === undefined) {
      throw new ServiceError(
        "LifecyclePolicyNotFoundException",
        `Lifecycle policy does not exist for ${where(ctx, repo)}`,
      );
    }
    return {
      registryId: ctx.accountId,
      repositoryName: repo.name,
      lifecyclePolicyText: repo.lifecyclePolicyText,
      lastEvaluatedAt: epochSeconds(0),
    };
  },

  /** Sets (replaces) the repository policy: a JSON policy document with a Statement. */
  SetRepositoryPolicy(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const text = requiredString(input, "policyText");
    lengthOf("policyText", text, 0, POLICY_MAX);
    let policy: unknown;
    try {
      policy = JSON.parse(text);
    } catch {
      policy = undefined;
    }
    if (!isObject(policy) || !(Array.isArray(policy.Statement) || isObject(policy.Statement))) {
      throw constraint("PolicyText", "Invalid repository policy provided");
    }
    ctx.store.update(repo, { repositoryPolicyText: text });
    return { registryId: ctx.accountId, repositoryName: repo.name, policyText: text };
  },

  GetRepositoryPolicy(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    if (repo.repositoryPolicyText === undefined) {
      throw new ServiceError(
        "RepositoryPolicyNotFoundException",
        `Repository policy does not exist for ${where(ctx, repo)}`,
      );
    }
    return { registryId: ctx.accountId, repositoryName: repo.name, policyText: repo.repositoryPolicyText };
  },
};
