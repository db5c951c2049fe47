import { type Command, INPUTS, type InputKey } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { CLI_HELP, CLI_INPUTS, commandInputs } from "../../src/commands/inputs.js";
import { PROMOTE_OPTIONS } from "../../src/commands/promote.js";
import { PUSH_OPTIONS } from "../../src/commands/push.js";
import { RETAG_OPTIONS } from "../../src/commands/retag.js";
import { optionLines } from "../../src/usage.js";
import { cli } from "./run-cli.js";

const PARSERS: Record<Command, Record<string, { type: string; short?: string }>> = {
  push: PUSH_OPTIONS,
  retag: RETAG_OPTIONS,
  promote: PROMOTE_OPTIONS,
};

/** The Options section of a --help, as `--flag` or `-s, --flag` (continuation lines skipped). */
function listedFlags(help: string): string[] {
  const section = help.split("\nOptions:\n")[1]?.split("\n\n")[0] ?? "";
  return section.split("\n").flatMap((line) => {
    const match = /^(?: {2}-(\w), | {6})--([a-z0-9-]+)/.exec(line);
    if (!match) return [];
    return [match[1] ? `-${match[1]}, --${match[2]}` : `--${match[2]}`];
  });
}

describe("a command's --help", () => {
  it.each(Object.keys(PARSERS) as Command[])("lists exactly the flags %s accepts", async (command) => {
    const { stdout } = await cli(command, "--help");
    const accepted = Object.entries(PARSERS[command]).map(([flag, option]) =>
      option.short ? `-${option.short}, --${flag}` : `--${flag}`,
    );
    expect(listedFlags(stdout).sort()).toEqual(accepted.sort());
  });

  it.each(Object.keys(PARSERS) as Command[])("lists %s's inputs in core's order", async (command) => {
    const { stdout } = await cli(command, "--help");
    const inputs = commandInputs(command).map((key) => (CLI_INPUTS[key] as string).slice(2));
    const listed = listedFlags(stdout).map((flag) => flag.replace(/^.*--/, ""));
    expect(listed.filter((flag) => inputs.includes(flag))).toEqual(inputs);
  });

  it("keeps the CLI's wording of an input, per command where they differ", async () => {
    const promote = (await cli("promote", "--help")).stdout;
    expect(promote).toContain("  -r, --repository NAME           ECR repository to copy to (required)\n");
    expect(promote).toContain(
      "      --profile NAME              Destination: shared config profile for credentials\n",
    );
    const retag = (await cli("retag", "--help")).stdout;
    expect(retag).toContain(
      "  -t, --tag TAG                   New tag; repeat or separate with commas (required)\n",
    );
    expect(retag).toContain(
      "      --web-identity-token-file F Web identity (OIDC) token file, used with --role-arn\n",
    );
  });
});

describe("CLI_HELP", () => {
  it("has texts only for flags the CLI has, and only for commands that read them", () => {
    for (const [key, shown] of Object.entries(CLI_HELP)) {
      const spelled = CLI_INPUTS[key as InputKey];
      expect(typeof spelled === "string" && spelled.startsWith("--"), key).toBe(true);
      if (typeof shown.help === "object") {
        const commands: readonly Command[] = INPUTS[key as InputKey].commands;
        for (const command of Object.keys(shown.help)) expect(commands, key).toContain(command);
      }
    }
  });
});

describe("optionLines", () => {
  it("aligns the texts at one column, after a space when the flag reaches it", () => {
    expect(
      optionLines([
        { flag: "repository", short: "r", value: "NAME", help: "ECR repository" },
        { flag: "scan-on-push", help: "Scan" },
        { flag: "web-identity-token-file", value: "F", help: "Token file" },
        { flag: "a-flag-longer-than-the-column", value: "VALUE", help: "Long" },
      ]),
    ).toBe(
      [
        "  -r, --repository NAME           ECR repository",
        "      --scan-on-push              Scan",
        "      --web-identity-token-file F Token file",
        "      --a-flag-longer-than-the-column VALUE Long",
      ].join("\n"),
    );
  });

  it("wraps a long text at word boundaries under its column, within 110 characters", () => {
    const help = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const lines = optionLines([{ flag: "engine", value: "ENGINE", help }]).split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(110);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {34}\S/);
    expect(lines.map((line) => line.slice(34)).join(" ")).toBe(help);
  });
});
