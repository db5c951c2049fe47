/** The shapes inputs must have, from the ECR, IAM and Docker reference rules. */

// ECR repository names: path parts of lowercase alphanumerics joined by . _ - (ECR also allows `__` and `--`).
const REPOSITORY_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^(?:${REPOSITORY_PART}/)*${REPOSITORY_PART}$`);

/** OCI tag: up to 128 characters, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

// Docker reference grammar (distribution/reference): [host[:port]/]path[:tag][@digest].
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(
  `^(?<name>(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*)(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<digest>${DIGEST}))?$`,
);
const IMAGE_ID = /^(?:sha256:[a-f0-9]{64}|[a-f0-9]{12,64})$/;

// Region codes: partition prefix, one or more words, a number (us-east-1, us-gov-west-1, us-isob-east-1).
const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const KMS_KEY =
  /^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[\w/-]+|alias\/[\w/-]{1,250}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export const isRepositoryName = (value: string) =>
  value.length >= 2 && value.length <= 256 && REPOSITORY.test(value);
export const isImageTag = (value: string) => TAG.test(value);
export const isRegistryId = (value: string) => /^\d{12}$/.test(value);
export const isRegionCode = (value: string) => REGION.test(value);
export const isRoleArn = (value: string) => value.length <= 2048 && ROLE_ARN.test(value);
export const isKmsKey = (value: string) => KMS_KEY.test(value);
export const isRoleSessionName = (value: string) => ROLE_SESSION_NAME.test(value);
export const isExternalId = (value: string) => EXTERNAL_ID.test(value);
export const isImageId = (value: string) => IMAGE_ID.test(value);

/** Parses a Docker image reference; undefined when it is not one. Names are at most 255 characters. */
export function parseImageReference(
  value: string,
): { name: string; tag?: string; digest?: string } | undefined {
  const groups = REFERENCE.exec(value)?.groups;
  if (!groups?.name || groups.name.length > 255) return undefined;
  return { name: groups.name, tag: groups.tag, digest: groups.digest };
}

/** A hint for a near-miss region code such as `us_west_2` or `US-EAST-1`, else an empty string. */
export function regionHint(value: string): string {
  const guess = value
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, "-");
  return guess !== value && isRegionCode(guess) ? ` (did you mean ${guess}?)` : "";
}

/** The sentence tail shared by every bad region message. */
export function regionAdvice(value: string): string {
  return `use an AWS region code such as us-east-1${regionHint(value)}.`;
}
