// Small tar archives for test images: regular files only, fixed metadata, so the same files
// always give the same bytes (and digests).

/** A tar archive holding one regular file. */
export function tarOf(name: string, content: Buffer): Buffer {
  return tarFiles([{ name, content }]);
}

/** A tar archive of regular files: per file a ustar header and its data padded to 512 bytes, then two zero blocks. */
export function tarFiles(files: { name: string; content: Buffer }[]): Buffer {
  return Buffer.concat([
    ...files.flatMap(({ name, content }) => tarMember(name, content)),
    Buffer.alloc(1024),
  ]);
}

function tarMember(name: string, content: Buffer): Buffer[] {
  const header = Buffer.alloc(512);
  const field = (offset: number, text: string) => header.write(text, offset, "ascii");
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, "0")}\0`;
  field(0, name);
  field(100, octal(0o644, 8));
  field(108, octal(0, 8));
  field(116, octal(0, 8));
  field(124, octal(content.length, 12));
  field(136, octal(0, 12));
  field(148, "        ");
  field(156, "0");
  field(257, "ustar\u000000");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return [header, content, Buffer.alloc((512 - (content.length % 512)) % 512)];
}
