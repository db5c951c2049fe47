import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** `reliability/` at the repository root: results.md and the per-section figures it is made from. */
export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../reliability");

export interface FigureSection {
  /** Order in the page (lower first), then title. */
  order: number;
  title: string;
  /** Figure name -> value, one table row each. */
  figures: Record<string, string | number>;
  /** A sentence under the table: what was run and how. */
  note?: string;
}

/**
 * Records one section of figures (each test file its own `key`) and rewrites results.md from every
 * section recorded so far, so a partial run still leaves a readable page.
 */
export function recordFigures(key: string, section: FigureSection): void {
  const dir = path.join(RESULTS_DIR, "figures");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${key}.json`), `${JSON.stringify(section, null, 2)}\n`);
  const sections = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as FigureSection)
    .sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  const page = [
    "# ecr-push reliability figures",
    "",
    `Written by \`pnpm test\` (packages/reliability), last ${new Date().toISOString()}.`,
    "",
    ...sections.flatMap((s) => [
      `## ${s.title}`,
      "",
      "| figure | value |",
      "| --- | --- |",
      ...Object.entries(s.figures).map(([name, value]) => `| ${name} | ${value} |`),
      "",
      ...(s.note ? [s.note, ""] : []),
    ]),
  ].join("\n");
  writeFileSync(path.join(RESULTS_DIR, "results.md"), page);
}
