import { createHash } from "node:crypto";

export interface TarMember {
  name: string;
  data?: Buffer | string;
  /** "0" file (default), "2" symbolic link, "5" folder. */
  type?: "0" | "2" | "5";
  link?: string;
}

function header(name: string, size: number, type: string, link = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write(link, 157, 100, "utf8");
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

/** A minimal ustar writer; names over 100 bytes get a PAX `path` record. */
export function tar(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.data ?? "");
    if (Buffer.byteLength(m.name) > 100) {
      const record = `path=${m.name}\n`;
      let length = record.length + 3;
      while (`${length} ${record}`.length !== length) length = `${length} ${record}`.length;
      const pax = Buffer.from(`${length} ${record}`);
      parts.push(header("PaxHeader", pax.length, "x"), pad(pax));
    }
    parts.push(header(m.name.slice(0, 100), data.length, m.type ?? "0", m.link), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
