// docs/troubleshooting.md quotes error messages exactly as the product prints them. This reads
// every string and template literal in the sources that print them (core and the CLI) and fails
// when a quoted `error:` line is no longer one of them, so the page cannot drift from the code.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const SOURCES = ["packages/core/src", "packages/cli/src"];
const PAGE = "docs/troubleshooting.md";

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith(".ts") ? [file] : [];
  });
}

/**
 * The string literals of a TypeScript source, each as its literal parts: a plain string is one
 * part; a template literal is the text between its `${...}` holes (nested templates are listed
 * too). A small scanner, enough for this code base: comments, regex literals, quotes, templates.
 */
function literals(source: string): string[][] {
  const found: string[][] = [];
  let i = 0;
  let last = ""; // the last significant character, to tell a regex literal from a division

  function quoted(quote: string): string {
    let text = "";
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === "\\") i++;
      text += source[i];
      i++;
    }
    i++;
    return text;
  }

  function regex(): void {
    i++;
    let inClass = false;
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") i++;
      else if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) break;
      i++;
    }
    i++;
  }

  function template(): void {
    const parts: string[] = [];
    let current = "";
    i++;
    while (i < source.length && source[i] !== "`") {
      if (source[i] === "\\") {
        i++;
        current += source[i];
        i++;
      } else if (source[i] === "$" && source[i + 1] === "{") {
        i += 2;
        expression();
        parts.push(current);
        current = "";
      } else {
        current += source[i];
        i++;
      }
    }
    i++;
    found.push([...parts, current]);
  }

  /** Scans code up to the `}` that closes the current depth (or the end), collecting literals. */
  function expression(topLevel = false): void {
    let depth = 0;
    while (i < source.length) {
      const c = source[i] ?? "";
      const next = source[i + 1];
      if (c === "/" && next === "/") {
        const end = source.indexOf("\n", i);
        i = end < 0 ? source.length : end;
      } else if (c === "/" && next === "*") {
        const end = source.indexOf("*/", i + 2);
        i = end < 0 ? source.length : end + 2;
      } else if (c === '"' || c === "'") {
        found.push([quoted(c)]);
        last = c;
      } else if (c === "`") {
        template();
        last = "`";
      } else if (
        c === "/" &&
        (last === "" ||
          "(,=:[!&|?{};+-*%<>~^".includes(last) ||
          /\breturn$/.test(source.slice(0, i).trimEnd()))
      ) {
        regex();
        last = "/";
      } else {
        if (c === "{") depth++;
        if (c === "}") {
          if (depth === 0 && !topLevel) {
            i++;
            return;
          }
          depth--;
        }
        if (!/\s/.test(c)) last = c;
        i++;
      }
    }
  }

  expression(true);
  return found;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const patterns = SOURCES.flatMap((dir) => sourceFiles(path.join(root, dir)))
  .flatMap((file) => literals(readFileSync(file, "utf8")))
  // Too little fixed text to say anything about a message (such as `${a}: ${b}`).
  .filter((parts) => parts.join("").length >= 8)
  // Two ways to split a message among holes side by side (`so ${settings} ${verb} not applied`):
  // the first holes as short as they can be, or as long.
  .flatMap((parts) =>
    ["(.*?)", "(.*)"].map((hole) => ({ regex: new RegExp(`^${parts.map(escapeRegex).join(hole)}$`, "s") })),
  );

/**
 * A value that fills a message's hole: one word (a name, an ARN, a region, an error code, a path),
 * a quoted one (`"Team/Web App"`, with the space some messages put before it), or both (two holes
 * side by side, as in `Invalid ${name}${shown}`).
 */
const VALUE = /^(?=.)\S*(?: ?"[^"]*")?$/;
/**
 * A container CLI's command line as the engine names it in a message (`docker push REF`, `podman
 * tag A B`): built as `${cli} VERB ${args}`, whose fixed text alone is too short to be a pattern.
 */
const COMMAND = /^(docker|podman) [a-z]+( \S+){1,2}$/;

/**
 * Whether the sources spell out `text`: a literal matches it, and what fills each hole is a value
 * or is itself spelled out by another literal (messages are built from pieces, such as
 * `Invalid ${name}: ${advice}`).
 */
function spelledOut(text: string, depth = 3): boolean {
  return patterns.some(({ regex }) => {
    const match = regex.exec(text);
    return (
      match
        ?.slice(1)
        .every(
          (hole) =>
            hole === "" ||
            VALUE.test(hole) ||
            COMMAND.test(hole) ||
            (depth > 0 && spelledOut(hole, depth - 1)),
        ) ?? false
    );
  });
}

/** What the CLI puts before a message it prints: an error, a warning, the cause --debug adds. */
const PREFIX = /^\s*(error|warning|debug: cause): /;

/** The `error: ...`, `warning: ...` and `debug: cause: ...` lines of the page's ```text blocks. */
function quotedMessages(): string[] {
  const page = readFileSync(path.join(root, PAGE), "utf8");
  return [...page.matchAll(/^```text\n([\s\S]*?)^```$/gm)]
    .flatMap((block) => (block[1] ?? "").split("\n"))
    .filter((line) => PREFIX.test(line))
    .map((line) => line.replace(PREFIX, ""));
}

describe("docs/troubleshooting.md", () => {
  const messages = quotedMessages();

  it("quotes the common failures: credentials, region, repository, immutable tag, Docker, network, proxy, TLS, retries, IAM, retag and promote", () => {
    expect(messages.length).toBeGreaterThanOrEqual(10);
    for (const start of [
      "No AWS credentials found",
      "AWS rejected the credentials",
      "No AWS region",
      'Repository "',
      "The tag ",
      "Cannot connect to the Docker daemon",
      "Could not reach",
      "The TLS certificate of",
      "ECR throttled",
      "AWS denied ecr:",
      "AWS_MAX_ATTEMPTS must be",
      "AWS_RETRY_MODE must be",
      "ECR_PUSH_RETRY_MAX_SECONDS must be",
      "Could not read the certificate bundle AWS_CA_BUNDLE",
      "The image ",
      "The source registry ",
      "The registry ",
    ]) {
      expect(
        messages.some((m) => m.startsWith(start)),
        start,
      ).toBe(true);
    }
  });

  // Example values (a repository, a region, an account id) fill the holes; every word around them
  // must still be in the sources.
  it.each(messages)("still prints: %s", (message) => {
    expect(spelledOut(message)).toBe(true);
  });

  it("notices a message that changed", () => {
    const changed =
      "Could not reach ECR at eu-west-1 (ENOTFOUND): check your internet connection and AWS_ENDPOINT_URL_ECR.";
    expect(spelledOut(changed)).toBe(false);
    expect(spelledOut('Invalid --region "us_west_2": use a region code such as us-east-1.')).toBe(false);
  });
});
