// ECR's documented pattern, widened as the service itself is: `__` and runs of `-` also separate.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY_NAME = new RegExp(`^(?:${COMPONENT}/)*${COMPONENT}$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ACCOUNT_ID = /^\d{12}$/;

export function isRepositoryName(name: unknown): name is string {
  return typeof name === "string" && name.length >= 2 && name.length <= 256 && REPOSITORY_NAME.test(name);
}

export function isTag(tag: unknown): tag is string {
  return typeof tag === "string" && TAG.test(tag);
}

export function isDigest(digest: unknown): digest is string {
  return typeof digest === "string" && DIGEST.test(digest);
}

export function isAccountId(id: unknown): id is string {
  return typeof id === "string" && ACCOUNT_ID.test(id);
}
