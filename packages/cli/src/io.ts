/** What a command needs from the process; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** An AbortSignal fired by SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Whether stderr is a terminal (live progress) and its width. */
  stderrIsTTY?: boolean;
  columns?: number;
}
