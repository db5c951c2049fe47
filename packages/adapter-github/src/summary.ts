import type { PushResult } from "@ecr-push/core";

/** Markdown for the job summary (GITHUB_STEP_SUMMARY): what was pushed, where, and how long it took. */
export function summaryMarkdown(result: PushResult, milliseconds: number): string {
  const code = (text: string) => `\`${text}\``;
  const rows: [string, string][] = [
    ["Repository", `${code(result.repository)} in ${code(result.registry)}`],
    ["Tags", result.tags.map(code).join(", ")],
    ["Digest", code(result.digest)],
    ["Repository status", result.repositoryCreated ? "created by this push" : "existing"],
    ["Time taken", `${(milliseconds / 1000).toFixed(1)} s`],
  ];
  return [
    "### Pushed to Amazon ECR",
    "",
    "| | |",
    "| --- | --- |",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    "",
  ].join("\n");
}
