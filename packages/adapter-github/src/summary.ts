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

/** How the summary says what happened to a tag. */
const TAG_STATUS = { pushed: "pushed", unchanged: "already there" } as const;

/**
 * Markdown for the job summary (GITHUB_STEP_SUMMARY): what was pushed, where, and how long it took;
 * each tag says whether it was pushed now or already named the image (a re-run).
 */
export function summaryMarkdown(result: PushResult, milliseconds: number): string {
  const code = (text: string) => `\`${text}\``;
  const status = new Map(result.tagResults.map((t) => [t.tag, TAG_STATUS[t.status]]));
  const tag = (name: string) => {
    const said = status.get(name);
    return said ? `${code(name)} (${said})` : code(name);
  };
  const rows: [string, string][] = [
    ["Repository", `${code(result.repository)} in ${code(result.registry)}`],
    ["Tags", result.tags.map(tag).join(", ")],
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
