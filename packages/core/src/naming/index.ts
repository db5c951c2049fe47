/**
 * Docker repository naming: what Azure's `forceDockerNamingConventions` (and any host offering the
 * same switch) does to a repository name before it is validated.
 */

// A path part is lowercase alphanumerics joined by one `.`, `_`, `__` or a run of `-`.
const ALLOWED_SEPARATOR = /^(?:[._]|__|-+)$/;

/**
 * Lower-cases `name` and replaces every run of characters Docker forbids in a repository path with
 * `-`, keeping `/` between path parts: `Team/My App!` becomes `team/my-app`. Separators Docker would
 * reject (`a..b`, `a.-b`) become one `-`; separators at either end of a part and empty parts are
 * dropped. The result is a valid repository name whenever the input has any letter or digit.
 */
export function toDockerRepositoryName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .split("/")
    .map(toDockerPathPart)
    .filter((part) => part !== "")
    .join("/");
}

function toDockerPathPart(part: string): string {
  return part
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]+/g, (separator) => (ALLOWED_SEPARATOR.test(separator) ? separator : "-"))
    .replace(/^[._-]+|[._-]+$/g, "");
}
