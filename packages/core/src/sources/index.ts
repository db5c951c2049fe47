// Daemonless image sources: docker-archive tarballs and OCI image layouts, read in place.
import { openDockerArchive } from "./docker-archive.js";
import type { SourceContext } from "./errors.js";
import { openOciLayout } from "./oci-layout.js";
import type { OpenedSource } from "./types.js";

export { sha256 } from "../oci/index.js";
export { openDockerArchive } from "./docker-archive.js";
export { type SourceContext, SourceErrorCodes } from "./errors.js";
export { openOciLayout } from "./oci-layout.js";
export { indexTar, resolveEntry, type TarEntry } from "./tar.js";
export * from "./types.js";

/** What a daemonless source names: the transport, a path, and optionally one image in it. */
export interface ArchiveLocation {
  kind: "docker-archive" | "oci";
  path: string;
  /** `name:tag` in a docker-archive, a ref.name in an OCI layout. */
  image?: string;
}

export function openSource(location: ArchiveLocation, ctx: SourceContext): Promise<OpenedSource> {
  return location.kind === "oci"
    ? openOciLayout(location.path, location.image, ctx)
    : openDockerArchive(location.path, location.image, ctx);
}
