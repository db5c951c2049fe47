// Which manifests of a multi-platform index to keep: the platforms asked for, and attestation
// manifests (buildx's provenance and SBOM entries) unless they are to be dropped. One rule for a
// push from an OCI layout, a promote and a retag, so each says the same thing the same way.
import { InputError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";

/** `os/arch[/variant]` of one platform to keep from a multi-platform source. */
export interface PlatformFilter {
  os: string;
  architecture: string;
  variant?: string;
}

/** What to keep of an index; neither field set keeps it whole. */
export interface ManifestSelection {
  /** Only these platforms; undefined keeps every one. */
  platforms?: PlatformFilter[];
  /** Leave attestation manifests out. */
  dropAttestations?: boolean;
}

/**
 * The outcome: one image manifest (a single platform asked for and found), or the index's
 * entries to keep (`changed` when some were left out, so the index is rewritten).
 */
export type Selected =
  | { kind: "image"; manifest: Descriptor; dropped: number }
  | { kind: "index"; manifests: Descriptor[]; changed: boolean; dropped: number };

/** How buildx marks an attestation manifest in an index (its platform is unknown/unknown). */
const REFERENCE_TYPE = "vnd.docker.reference.type";
const REFERENCE_DIGEST = "vnd.docker.reference.digest";

export function isAttestation(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[REFERENCE_TYPE] === "attestation-manifest";
}

export function isSelecting(selection: ManifestSelection | undefined): boolean {
  return !!selection && (!!selection.platforms?.length || !!selection.dropAttestations);
}

/** `linux/arm64/v8`, or "" for an entry without a platform. */
export function platformOf(descriptor: Descriptor): string {
  const p = descriptor.platform;
  if (!p?.os || !p.architecture) return "";
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

export function formatPlatform(filter: PlatformFilter): string {
  return [filter.os, filter.architecture, filter.variant].filter(Boolean).join("/");
}

function matches(descriptor: Descriptor, filter: PlatformFilter): boolean {
  const p = descriptor.platform;
  return (
    p?.os === filter.os &&
    p?.architecture === filter.architecture &&
    (filter.variant === undefined || p?.variant === filter.variant)
  );
}

/**
 * Applies `selection` to an index's entries. Every platform asked for must be there (else one
 * sentence listing those present, naming the input as `names.platform` spells it). A single
 * platform asked for that matches one image gives that image alone: no index is left to reject
 * (Lambda, some scanners). Attestations follow the images they describe, unless dropped.
 */
export function selectManifests(
  manifests: readonly Descriptor[],
  selection: ManifestSelection,
  context: { reference: string; platformName: string },
): Selected {
  const images = manifests.filter((m) => !isAttestation(m));
  let keptImages = images;
  const { platforms } = selection;
  if (platforms?.length) {
    const missing = platforms.find((filter) => !images.some((m) => matches(m, filter)));
    if (missing) {
      const present = [...new Set(images.map(platformOf).filter(Boolean))].join(", ") || "none named";
      throw new InputError(
        "platform",
        `Invalid ${context.platformName} "${formatPlatform(missing)}": ${context.reference} has no such platform (it has ${present}), so pick one of those.`,
      );
    }
    keptImages = images.filter((m) => platforms.some((filter) => matches(m, filter)));
  }
  const keptDigests = new Set(keptImages.map((m) => m.digest));
  const kept = manifests.filter((m) => {
    if (!isAttestation(m)) return keptDigests.has(m.digest);
    if (selection.dropAttestations) return false;
    const subject = m.annotations?.[REFERENCE_DIGEST];
    // An attestation stays with its image; one naming no image stays only while every image does.
    return subject ? keptDigests.has(subject) : keptImages.length === images.length;
  });
  const dropped = manifests.length - kept.length;
  const only = keptImages[0];
  if (platforms?.length === 1 && keptImages.length === 1 && only) {
    return { kind: "image", manifest: only, dropped: manifests.length - 1 };
  }
  return { kind: "index", manifests: kept, changed: dropped > 0, dropped };
}

/** A platform asked of a source that is one image: there is nothing to choose. */
export function notAnIndex(platformName: string, platforms: PlatformFilter[], reference: string): InputError {
  const given = platforms.map(formatPlatform).join(",");
  return new InputError(
    "platform",
    `Invalid ${platformName} "${given}": ${reference} is one image, not a multi-platform index, so there is no platform to choose: remove it.`,
  );
}

/**
 * The index's bytes with only `kept` entries: every other field as it was. Used only when
 * entries were left out; an unchanged index keeps its bytes (and its digest).
 */
export function rewriteIndex(bytes: Buffer, kept: readonly Descriptor[]): Buffer {
  const whole = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...whole, manifests: kept }));
}

/** The sentence a run logs when the selection changed what is pushed, and so the digest. */
export function selectionNote(
  selected: Selected,
  from: string,
  to: string,
  selection: ManifestSelection,
  verb: "pushed" | "copied" | "tagged" = "pushed",
): string | undefined {
  if (selected.kind === "image") {
    return `Only the ${platformOf(selected.manifest)} image of the index was ${verb}, so the digest is that image manifest's (${to}), not the index's (${from}).`;
  }
  if (!selected.changed) return undefined;
  const what = selection.platforms?.length
    ? selection.dropAttestations
      ? "the platforms asked for, without attestation manifests,"
      : "the platforms asked for"
    : "the index without its attestation manifests";
  return `Only ${what} ${selection.platforms?.length ? "were" : "was"} ${verb} (${selected.dropped} manifest${selected.dropped === 1 ? "" : "s"} left out), so the index was rewritten and the digest changed from ${from} to ${to}.`;
}
