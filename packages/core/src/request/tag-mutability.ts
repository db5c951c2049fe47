import type { ImageTagMutability } from "./types.js";

/**
 * A repository's tag mutability as ECR holds it: the mode and, for the `_WITH_EXCLUSION` modes,
 * the WILDCARD filters naming the tags that behave the other way.
 */
export interface TagMutability {
  mode: ImageTagMutability;
  exclusionFilters: readonly string[];
}

export const MUTABLE_TAGS: TagMutability = { mode: "MUTABLE", exclusionFilters: [] };

/** ECR's filter syntax (ImageTagMutabilityExclusionFilter.filter): `^[0-9a-zA-Z._*-]{1,128}$`. */
const EXCLUSION_FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;
export const MAX_EXCLUSION_FILTERS = 5;

export const isExclusionFilter = (value: string) => EXCLUSION_FILTER.test(value);
export const hasExclusions = (mode: ImageTagMutability) => mode.endsWith("_WITH_EXCLUSION");

/** Whether a WILDCARD filter matches a whole tag: `*` stands for any run of characters, even none. */
export function matchesWildcard(filter: string, tag: string): boolean {
  const parts = filter.split("*").map((part) => part.replace(/[.\\^$+?()[\]{}|-]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(tag);
}

/** The exclusion filter a tag matches, if any. */
export function matchingFilter(mutability: TagMutability, tag: string): string | undefined {
  return mutability.exclusionFilters.find((filter) => matchesWildcard(filter, tag));
}

/**
 * Whether ECR refuses to move `tag` to another image: IMMUTABLE always; IMMUTABLE_WITH_EXCLUSION
 * unless the tag matches a filter; MUTABLE_WITH_EXCLUSION only when it does; MUTABLE never.
 */
export function isTagImmutable(mutability: TagMutability, tag: string): boolean {
  switch (mutability.mode) {
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return matchingFilter(mutability, tag) === undefined;
    case "MUTABLE_WITH_EXCLUSION":
      return matchingFilter(mutability, tag) !== undefined;
    default:
      return false;
  }
}

/**
 * Why `tag` cannot move, for the one-sentence error: the words used since IMMUTABLE alone existed,
 * or, with exclusion filters, which filter (or none) decided it.
 */
export function immutableReason(mutability: TagMutability, tag: string): string {
  const filters = mutability.exclusionFilters.join(", ");
  if (mutability.mode === "IMMUTABLE_WITH_EXCLUSION") {
    return `the repository's tags are immutable except those matching ${filters} (IMMUTABLE_WITH_EXCLUSION), and ${tag} matches none`;
  }
  if (mutability.mode === "MUTABLE_WITH_EXCLUSION") {
    return `the repository's tags matching ${matchingFilter(mutability, tag)} are immutable (MUTABLE_WITH_EXCLUSION)`;
  }
  return "the repository's tags are immutable";
}

/** TagMutability from what DescribeRepositories or CreateRepository answered (absent: MUTABLE). */
export function tagMutabilityOf(repository: {
  imageTagMutability?: string;
  imageTagMutabilityExclusionFilters?: { filter?: string }[];
}): TagMutability {
  const mode = (repository.imageTagMutability ?? "MUTABLE") as ImageTagMutability;
  const exclusionFilters = (repository.imageTagMutabilityExclusionFilters ?? []).flatMap(
    (entry) => entry.filter ?? [],
  );
  return { mode, exclusionFilters };
}
