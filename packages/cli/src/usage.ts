/** A mistake in how the command was called: exit code 2, one sentence, no stack. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Turns node:util parseArgs errors into one sentence that says what to do. */
export function usageErrorFrom(error: unknown, command: string): UsageError | undefined {
  if (!(error instanceof Error) || !("code" in error)) return undefined;
  const code = String((error as { code: unknown }).code);
  if (!code.startsWith("ERR_PARSE_ARGS_")) return undefined;
  const help = `run \`ecr-push ${command} --help\` for the options`;
  // Node names options as '-r, --repository <value>' or '--repository': prefer the long form.
  const option = /--[A-Za-z0-9-]+/.exec(error.message)?.[0] ?? /'(-[^' ,]+)/.exec(error.message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`Unknown option ${option}: ${help}.`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/ambiguous/.test(error.message)) {
        return new UsageError(
          `The value of ${option} starts with "-": write ${option}=VALUE if that is meant.`,
        );
      }
      return new UsageError(`Option ${option} needs a value: ${help}.`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`Unexpected argument ${/'([^']+)'/.exec(error.message)?.[1] ?? ""}: ${help}.`);
    default:
      return new UsageError(`${error.message.split("\n")[0]}: ${help}.`);
  }
}

/** One line of a command's Options: its flag, short form, value placeholder and text. */
export interface OptionHelp {
  flag: string;
  short?: string;
  /** The value's placeholder (NAME, TAG); none for a yes/no flag. */
  value?: string;
  help: string;
}

/** Where an option's text starts, and how wide a help line may be. */
const TEXT_COLUMN = 34;
const WIDTH = 110;

/**
 * The Options section: `  -r, --repository NAME   text`, texts aligned at one column and
 * wrapped under it when a line would pass WIDTH.
 */
export function optionLines(options: readonly OptionHelp[]): string {
  return options
    .map((option) => {
      const name = `${option.short ? `  -${option.short}, ` : "      "}--${option.flag}${option.value ? ` ${option.value}` : ""}`;
      const lead = name.length < TEXT_COLUMN ? name.padEnd(TEXT_COLUMN) : `${name} `;
      return wrapped(option.help, lead, WIDTH);
    })
    .join("\n");
}

/** `text` after `lead`, wrapped at word boundaries, continuation lines indented to the text column. */
function wrapped(text: string, lead: string, width: number): string {
  const lines: string[] = [];
  let line = lead;
  for (const word of text.split(/\s+/)) {
    const fresh = line === lead;
    if (!fresh && line.length + 1 + word.length > width) {
      lines.push(line);
      line = " ".repeat(TEXT_COLUMN) + word;
    } else {
      line = fresh ? line + word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\n");
}

/** A command's --help: usage line, what it does, its generated Options, then the rest. */
export function commandHelp(parts: {
  usage: string;
  about: string;
  options: readonly OptionHelp[];
  after: string;
}): string {
  return `Usage: ${parts.usage}\n\n${parts.about.trim()}\n\nOptions:\n${optionLines(parts.options)}\n\n${parts.after.trim()}\n`;
}
