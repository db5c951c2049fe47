import type { FileHandle } from "node:fs/promises";

/** One member of a tar archive, located by byte offset so it can be streamed in place. */
export interface TarEntry {
  name: string;
  /** Offset of the member's data in the archive file. */
  offset: number;
  size: number;
  /** "file", "link" (symbolic or hard: `linkName` says to what) or "other". */
  type: "file" | "link" | "other";
  linkName: string;
}

const BLOCK = 512;

/** Thrown for anything that is not a readable tar; the caller words the user's sentence. */
export class TarFormatError extends Error {}

/**
 * Lists a tar archive's members by reading only their headers (ustar, GNU long names, PAX path and
 * size): a multi-gigabyte archive is indexed in a few reads and nothing is extracted.
 */
export async function indexTar(file: FileHandle): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const { size: fileSize } = await file.stat();
  const header = Buffer.alloc(BLOCK);
  let position = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (position + BLOCK <= fileSize) {
    await readExactly(file, header, position);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumOk(header)) throw new TarFormatError(`bad tar header at byte ${position}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const size = Number(pax.size ?? parseNumber(header.subarray(124, 136)));
    const offset = position + BLOCK;
    if (offset + size > fileSize) throw new TarFormatError("the archive is truncated");
    position = offset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L" || type === "x") {
      const data = Buffer.alloc(size);
      await readExactly(file, data, offset);
      if (type === "L") longName = cString(data);
      else pax = parsePax(data);
      continue;
    }
    if (type === "g") continue;
    const prefix = header.subarray(257, 263).toString("latin1").startsWith("ustar")
      ? cString(header.subarray(345, 500))
      : "";
    const raw = pax.path ?? longName ?? (prefix ? `${prefix}/` : "") + cString(header.subarray(0, 100));
    const name = normalize(raw);
    const linkName = pax.linkpath ?? cString(header.subarray(157, 257));
    const kind =
      type === "0" || type === "\0" || type === "7"
        ? "file"
        : type === "1" || type === "2"
          ? "link"
          : "other";
    // A hard link names its target from the archive root; a symbolic one from its own folder.
    const target = type === "2" ? normalize(joinRelative(name, linkName)) : normalize(linkName);
    entries.set(name, { name, offset, size, type: kind, linkName: target });
    longName = undefined;
    pax = {};
  }
  return entries;
}

/** Follows links (a bounded number of hops) to the member that holds the data. */
export function resolveEntry(entries: Map<string, TarEntry>, name: string): TarEntry | undefined {
  let entry = entries.get(normalize(name));
  for (let hops = 0; entry?.type === "link" && hops < 8; hops++) entry = entries.get(entry.linkName);
  return entry?.type === "file" ? entry : undefined;
}

async function readExactly(file: FileHandle, buffer: Buffer, position: number): Promise<void> {
  const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
  if (bytesRead !== buffer.length) throw new TarFormatError("the archive is truncated");
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  return parseNumber(header.subarray(148, 156)) === sum;
}

/** Octal, or base-256 (high bit set) for sizes over 8 GiB. */
function parseNumber(field: Buffer): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError("bad number in a tar header");
  return text ? Number.parseInt(text, 8) : 0;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** PAX records: `<length> <key>=<value>\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString("latin1"));
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** Archive paths: forward slashes, no leading `./` or `/`, no `.` segments. */
export function normalize(name: string): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

function joinRelative(from: string, link: string): string {
  if (link.startsWith("/")) return link;
  const dir = from.includes("/") ? from.slice(0, from.lastIndexOf("/")) : "";
  return dir ? `${dir}/${link}` : link;
}
