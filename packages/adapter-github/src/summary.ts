import type { PushResult } from "@ecr-push/core";

/** Bytes as people read them: 512 B, 4.8 MiB, 1.2 GiB. */
function size(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Markdown for the job summary (GITHUB_STEP_SUMMARY): what was pushed, where, and how long it took. */
export function summaryMarkdown(result: PushResult, milliseconds: number): string {
  const code = (text: string) => `\`${text}\``;
  const rows: [string, string][] = [
    ["Repository", `${code(result.repository)} in ${code(result.registry)}`],
    ["Tags", result.tags.map(code).join(", ")],
    ["Digest", code(result.digest)],
    ["Size", result.imageSizeBytes === undefined ? "not reported by ECR" : size(result.imageSizeBytes)],
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
