#!/usr/bin/env node
// Writes the inputs and outputs tables of each host's README from the file that host reads:
// task.json (Azure Pipelines), action.yml (GitHub Actions), step.yaml (Codefresh) and the
// component's `spec: inputs:` in templates/ecr-push.yml (GitLab CI/CD, whose dotenv report's
// variables are GITLAB_DOTENV below). The tables sit between `<!-- inputs:start -->` /
// `<!-- inputs:end -->` and `<!-- outputs:start -->` / `<!-- outputs:end -->` markers; everything
// else in the README is left as written.
//
// Each host's README (the CLI's too) also lists, between `<!-- not-offered:start -->` /
// `<!-- not-offered:end -->`, the core inputs that host declines (`{ notOffered: why }` in its
// HostInputTable) with the reason and how the other hosts spell them: what someone switching hosts
// looks for. The tables are read from the TypeScript sources of this checkout (bundled with esbuild).
//
//   node scripts/docs.mjs           rewrite the tables (`pnpm run docs`)
//   node scripts/docs.mjs --check   change nothing; exit 1 naming each README that is out of date
//   --root DIR                      work on another checkout (the drift test uses a copy)
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// The workspace has `yaml` as a dependency of the adapters, not of the root: load it through one.
const YAML = createRequire(path.join(repoRoot, "packages/adapter-codefresh/package.json"))("yaml");

/** Markdown table cell: one line, pipes escaped, `<tag`-like text kept visible. */
function cell(value) {
  return String(value ?? "")
    .replace(/\s*\n\s*/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/<(?=[A-Za-z/])/g, "&lt;")
    .trim();
}

function code(value) {
  return `\`${value}\``;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The default column: the default value, else "required" for a required input without one. */
function defaultCell(value, required) {
  const text = value === undefined || value === null ? "" : String(value);
  if (text !== "") return code(text);
  return required ? "required" : "";
}

function azure(root) {
  const file = "packages/adapter-azure/task/task.json";
  const task = JSON.parse(readFileSync(path.join(root, file), "utf8"));
  const groups = new Map((task.groups ?? []).map((g) => [g.name, g.displayName]));
  const inputs = task.inputs.map((input) => {
    const notes = [];
    if (input.options && Object.keys(input.options).length > 0)
      notes.push(`one of ${Object.keys(input.options).map(code).join(", ")}`);
    if (input.type.startsWith("connectedService:"))
      notes.push(`a service connection of type ${code(input.type.slice("connectedService:".length))}`);
    else if (input.type === "boolean") notes.push("`true` or `false`");
    if (input.visibleRule) notes.push(`used when ${code(input.visibleRule)}`);
    if (input.groupName && groups.has(input.groupName)) notes.push(`under "${groups.get(input.groupName)}"`);
    const meaning = [input.helpMarkDown, notes.length ? `(${notes.join("; ")})` : ""].join(" ");
    return [code(input.name), input.label, defaultCell(input.defaultValue, input.required), meaning];
  });
  const outputs = (task.outputVariables ?? []).map((o) => [code(o.name), o.description]);
  return {
    readme: "packages/adapter-azure/README.md",
    source: file,
    inputs: table(["input", "label", "default", "meaning"], inputs),
    outputs: table(["output variable", "value"], outputs),
  };
}

function github(root) {
  const file = "action.yml";
  const action = YAML.parse(readFileSync(path.join(root, file), "utf8"));
  const inputs = Object.entries(action.inputs ?? {}).map(([name, input]) => [
    code(name),
    defaultCell(input.default, input.required === true),
    input.description,
  ]);
  const outputs = Object.entries(action.outputs ?? {}).map(([name, output]) => [
    code(name),
    output.description,
  ]);
  return {
    readme: "packages/adapter-github/README.md",
    source: file,
    inputs: table(["input", "default", "meaning"], inputs),
    outputs: table(["output", "value"], outputs),
  };
}

function codefresh(root) {
  const file = "packages/adapter-codefresh/step.yaml";
  const step = YAML.parse(readFileSync(path.join(root, file), "utf8"));
  const args = JSON.parse(step.spec.arguments);
  const returns = JSON.parse(step.spec.returns);
  const required = new Set(args.required ?? []);
  const inputs = Object.entries(args.properties ?? {}).map(([name, schema]) => [
    code(name),
    schema.type ?? "",
    defaultCell(schema.default, required.has(name)),
    schema.description,
  ]);
  const outputs = Object.entries(returns.properties ?? {}).map(([name, schema]) => [
    code(name),
    schema.description,
  ]);
  return {
    readme: "packages/adapter-codefresh/README.md",
    source: file,
    inputs: table(["argument", "type", "default", "meaning"], inputs),
    outputs: table(["variable", "value"], outputs),
  };
}

/**
 * The variables of the GitLab job's dotenv report. GitLab reads no file that declares them (the
 * job writes them: dotenvVariables in packages/adapter-gitlab/src/outputs.ts), so they are
 * described here; adapter-gitlab's test/unit/readme.test.ts keeps the names equal to the job's.
 */
const GITLAB_DOTENV = {
  ECR_IMAGE_URI: "The URI of the first tag pushed: REGISTRY/REPOSITORY:TAG.",
  ECR_IMAGE_URIS: "Every URI pushed, in the order of tags, separated by commas.",
  ECR_IMAGE_DIGEST:
    "The digest of the pushed manifest, sha256:<64 hex>; pin deployments with REGISTRY/REPOSITORY@DIGEST.",
  ECR_REGISTRY: "The registry host, ACCOUNT.dkr.ecr.REGION.amazonaws.com.",
  ECR_SOURCE_DIGEST:
    "After a promote (source): the digest of the source image, equal to ECR_IMAGE_DIGEST unless platforms filtered it.",
};

function gitlab(root) {
  const file = "templates/ecr-push.yml";
  // A component is two YAML documents: the `spec:` header, then the job it adds.
  const [header] = YAML.parseAllDocuments(readFileSync(path.join(root, file), "utf8")).map((d) => d.toJS());
  // GitLab requires an input without a default; its type is string unless it says otherwise.
  const inputs = Object.entries(header?.spec?.inputs ?? {}).map(([name, input]) => {
    const options = input.options?.length ? ` (one of ${input.options.map(code).join(", ")})` : "";
    return [
      code(name),
      input.type ?? "string",
      defaultCell(input.default, input.default === undefined),
      `${input.description ?? ""}${options}`,
    ];
  });
  const outputs = Object.entries(GITLAB_DOTENV).map(([name, value]) => [code(name), value]);
  return {
    readme: "packages/adapter-gitlab/README.md",
    source: file,
    outputsSource: "GITLAB_DOTENV in scripts/docs.mjs",
    inputs: table(["input", "type", "default", "meaning"], inputs),
    outputs: table(["variable", "value"], outputs),
  };
}

/** Every host's input table: where its README is, and the export that holds the table. */
const HOST_TABLES = [
  { host: "CLI", pkg: "packages/cli", table: "CLI_INPUTS", readme: "packages/cli/README.md" },
  {
    host: "Azure Pipelines",
    pkg: "packages/adapter-azure",
    table: "AZURE_INPUTS",
    readme: "packages/adapter-azure/README.md",
  },
  {
    host: "GitHub Actions",
    pkg: "packages/adapter-github",
    table: "GITHUB_INPUTS",
    readme: "packages/adapter-github/README.md",
  },
  {
    host: "Codefresh",
    pkg: "packages/adapter-codefresh",
    table: "CODEFRESH_INPUTS",
    readme: "packages/adapter-codefresh/README.md",
  },
  {
    host: "GitLab CI",
    pkg: "packages/adapter-gitlab",
    table: "GITLAB_INPUTS",
    readme: "packages/adapter-gitlab/README.md",
  },
];

/** The .ts file under `dir` that declares `export const NAME`, whatever the file is called. */
function declaring(dir, name) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = declaring(file, name);
      if (found) return found;
    } else if (entry.name.endsWith(".ts") && readFileSync(file, "utf8").includes(`export const ${name}`)) {
      return file;
    }
  }
  return undefined;
}

/**
 * Core's input registry and every host's table, loaded from this checkout's sources: esbuild
 * bundles just those modules (core from its src/, so no build is needed) and the bundle is imported.
 */
async function loadInputTables() {
  const { build } = await import("esbuild");
  const lines = HOST_TABLES.map(({ pkg, table }) => {
    const file = declaring(path.join(repoRoot, pkg, "src"), table);
    if (!file) throw new Error(`no file under ${pkg}/src declares ${table}.`);
    return `export { ${table} } from ${JSON.stringify(file)};`;
  });
  lines.push(
    `export { INPUTS } from ${JSON.stringify(path.join(repoRoot, "packages/core/src/request/inputs.ts"))};`,
  );
  const bundled = await build({
    stdin: { contents: lines.join("\n"), resolveDir: repoRoot, loader: "ts", sourcefile: "input-tables.ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "silent",
    alias: { "@ecr-push/core": path.join(repoRoot, "packages/core/src/index.ts") },
  });
  const text = bundled.outputFiles[0].text;
  return await import(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`);
}

/** How an entry reads in a table: a spelling in code, a value the host supplies as words. */
function spelled(entry) {
  if (typeof entry === "string") return /\s/.test(entry) ? entry : code(entry);
  return entry && "fromHost" in entry ? entry.fromHost : undefined;
}

/**
 * The "Not offered on this host" table of each host: the input (core's help line), how the hosts
 * that offer it spell it, and why this one does not (with what to use instead).
 */
function notOfferedTables(modules) {
  return HOST_TABLES.map(({ host, table: name, pkg, readme }) => {
    const own = modules[name];
    const rows = Object.entries(own).flatMap(([key, entry]) => {
      if (typeof entry !== "object" || !("notOffered" in entry)) return [];
      const elsewhere = HOST_TABLES.filter((other) => other.table !== name).flatMap((other) => {
        const spelling = spelled(modules[other.table][key]);
        return spelling ? [`${other.host}: ${spelling}`] : [];
      });
      // Reasons start with an input's spelling as often as not, so their case is kept.
      return [[modules.INPUTS[key].help, elsewhere.join("; ") || "none", `${entry.notOffered}.`]];
    });
    const body =
      rows.length > 0
        ? table(["input", "on other hosts", "why not here, and what instead"], rows)
        : `${host} offers every input of the commands it runs.`;
    const sourceFile = declaring(path.join(repoRoot, pkg, "src"), name);
    return { readme, body, source: `${name} in ${path.relative(repoRoot, sourceFile)}` };
  });
}

/** Replaces what sits between the `name` markers; throws when the README lacks them. */
function fill(text, name, body, readme, source) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${readme} has no ${start} ... ${end} markers.`);
  const note = `<!-- generated from ${source} by \`pnpm run docs\`: edit that file, not this table -->`;
  return `${text.slice(0, from + start.length)}\n${note}\n\n${body}\n\n${text.slice(to)}`;
}

/**
 * The README as `pnpm lint` wants it: biome formats Markdown too (it pads table columns), so the
 * generated text goes through the same formatter and `pnpm run docs` never fights `pnpm lint`.
 */
function formatMarkdown(text, readme) {
  const biome = path.join(repoRoot, "node_modules/@biomejs/biome/bin/biome");
  const result = spawnSync(process.execPath, [biome, "format", `--stdin-file-path=${readme}`], {
    cwd: repoRoot,
    input: text,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`biome could not format ${readme}: ${(result.stderr || "").trim()}`);
  return result.stdout;
}

/** Every README with its tables as they should read: [{ readme, current, expected }]. */
export async function renderAll(root = repoRoot) {
  const declined = new Map(notOfferedTables(await loadInputTables()).map((t) => [t.readme, t]));
  const docs = [azure(root), github(root), codefresh(root), gitlab(root)];
  const cli = { readme: "packages/cli/README.md", source: declined.get("packages/cli/README.md").source };
  return [...docs, cli].map((doc) => {
    const current = readFileSync(path.join(root, doc.readme), "utf8");
    let expected = current;
    if (doc.inputs) expected = fill(expected, "inputs", doc.inputs, doc.readme, doc.source);
    if (doc.outputs)
      expected = fill(expected, "outputs", doc.outputs, doc.readme, doc.outputsSource ?? doc.source);
    const own = declined.get(doc.readme);
    expected = fill(expected, "not-offered", own.body, doc.readme, own.source);
    return {
      readme: doc.readme,
      source: doc.source,
      current,
      expected: formatMarkdown(expected, doc.readme),
    };
  });
}

async function main(argv) {
  const check = argv.includes("--check");
  const rootAt = argv.indexOf("--root");
  const root = rootAt >= 0 ? path.resolve(argv[rootAt + 1] ?? ".") : repoRoot;
  let docs;
  try {
    docs = await renderAll(root);
  } catch (error) {
    console.error(`docs: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const stale = docs.filter((d) => d.current !== d.expected);
  if (check) {
    for (const d of stale)
      console.error(
        `docs: ${d.readme} is out of date with ${d.source}; run \`pnpm run docs\` and commit it.`,
      );
    if (stale.length === 0) console.log(`docs: ${docs.length} READMEs match their sources.`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const d of stale) {
    writeFileSync(path.join(root, d.readme), d.expected);
    console.log(`docs: wrote ${d.readme}`);
  }
  if (stale.length === 0) console.log("docs: nothing to change.");
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
