import { parseEcrRegistryHost } from "../aws/registry-host.js";
import type { PlatformFilter } from "../select/index.js";
import { resolveInputNames } from "./names.js";
import {
  InputReader,
  parseCredentials,
  parsePlatforms,
  parseRegistryTarget,
  parseRepository,
  parseRepositorySettings,
  parseTags,
  splitList,
} from "./parse.js";
import { isImageTag, isRepositoryName, isRoleArn, parseImageReference } from "./rules.js";
import type { CredentialInputs, InputNames, RawPushInputs, RepositorySettings } from "./types.js";

/** An image in a repository, named by a tag or by a manifest digest. */
export type ImageSelector = { tag: string; digest?: undefined } | { digest: string; tag?: undefined };

/** A validated retag: new tags for an image already in an ECR repository, no blob moves. */
export interface RetagRequest {
  repository: string;
  image: ImageSelector;
  /** At least one, unique, in the order given. */
  tags: string[];
  region?: string;
  /** The dualStack input; undefined when not given (AWS_USE_DUALSTACK_ENDPOINT then decides). */
  dualStack?: boolean;
  registryId?: string;
  credentials: CredentialInputs;
  /** Of an index: only these platforms (one: that image alone); a new manifest is then written. */
  platforms?: PlatformFilter[];
  /** Of an index: leave attestation manifests out (a rewritten index is then written). */
  dropAttestations: boolean;
}

export type { PlatformFilter } from "../select/index.js";

/** Where a promoted image comes from: another ECR registry (any account or region), or any registry. */
export type PromoteSource =
  | {
      kind: "ecr";
      /** The SOURCE as given, for messages. */
      reference: string;
      /** Registry host as written (`123456789012.dkr.ecr.us-east-1.amazonaws.com`). */
      registry: string;
      registryId: string;
      region: string;
      repository: string;
      image: ImageSelector;
      credentials: CredentialInputs;
      /** ECR API endpoint of the source's region, when not the default one. */
      endpointUrl?: string;
    }
  | {
      kind: "registry";
      reference: string;
      /** `host[:port]`. */
      registry: string;
      repository: string;
      image: ImageSelector;
      /** Explicit credentials; without them the Docker config's entry for the host is used, if any. */
      username?: string;
      password?: string;
    };

/** A validated promote: copy an image registry to registry into an ECR repository, digest unchanged. */
export interface PromoteRequest {
  source: PromoteSource;
  repository: string;
  /** At least one; the source's tag (or latest) when none is given. */
  tags: string[];
  region?: string;
  /** The dualStack input; undefined when not given (AWS_USE_DUALSTACK_ENDPOINT then decides). */
  dualStack?: boolean;
  registryId?: string;
  createRepository: boolean;
  repositorySettings: RepositorySettings;
  /** Destination credentials. */
  credentials: CredentialInputs;
  /** Only these platforms of an index (the digest then changes); undefined keeps every platform. */
  platforms?: PlatformFilter[];
  /** Leave an index's attestation manifests out (the digest then changes). */
  dropAttestations: boolean;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The account and region of an ECR registry host, or undefined when the host is not ECR's: every
 * partition (commercial, China, GovCloud, European Sovereign Cloud, ISO), IPv4 or dual-stack, FIPS or not.
 */
export function parseEcrHost(host: string): { registryId: string; region: string } | undefined {
  const parsed = parseEcrRegistryHost(host);
  return parsed ? { registryId: parsed.registryId, region: parsed.region } : undefined;
}

/** True when a `source` input names an image in a registry (`docker://...`): a promote, not a push. */
export function isRegistrySource(source: string | undefined): boolean {
  return /^docker:\/\//i.test(source?.trim() ?? "");
}

/** Validates a retag: SOURCE is `REPOSITORY:TAG` or `REPOSITORY@sha256:...` in the destination registry. */
export function parseRetagRequest(raw: RawPushInputs, names?: Partial<InputNames>): RetagRequest {
  const p = new InputReader(raw, resolveInputNames(names));
  const value = p.text("source");
  const advice =
    "name the image to tag as REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, such as team/web:1.4.2.";
  if (value === undefined) throw p.missing("source", advice);
  const reference = parseImageReference(value);
  if (
    !reference ||
    (reference.tag === undefined) === (reference.digest === undefined) ||
    (reference.digest !== undefined && !DIGEST.test(reference.digest))
  ) {
    throw p.invalid("source", value, advice);
  }
  const first = reference.name.split("/")[0] ?? "";
  if (/^(public\.ecr\.aws|ecr-public\.aws\.com)$/i.test(first)) {
    throw p.invalid(
      "source",
      value,
      "ECR Public repositories take pushes only, so push the image under the new tag.",
    );
  }
  if (reference.name.includes("/") && /[.:]|^localhost$/.test(first)) {
    throw p.invalid(
      "source",
      value,
      `give the repository without a registry host (the registry comes from ${p.name("registryId")} and ${p.name("region")}), or use promote to copy from another registry.`,
    );
  }
  if (!isRepositoryName(reference.name)) {
    throw p.invalid(
      "source",
      value,
      "use a repository name of 2-256 lowercase letters, digits, and . _ - separators, with / between path parts.",
    );
  }
  const repository = reference.name;
  if (splitList(p.raw.tags).length === 0) throw p.missing("tags", "give at least one new tag for the image.");
  return {
    repository,
    image: reference.digest !== undefined ? { digest: reference.digest } : { tag: reference.tag as string },
    tags: parseTags(p),
    ...parseRegistryTarget(p),
    credentials: parseCredentials(p),
    platforms: parsePlatforms(p),
    dropAttestations: p.flag("dropAttestations"),
  };
}

/**
 * Validates a promote. SOURCE is `[docker://]HOST/REPOSITORY[:TAG|@sha256:DIGEST]`: an ECR host
 * (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`) is read with AWS credentials of its own, any other host
 * as a plain registry.
 */
export function parsePromoteRequest(raw: RawPushInputs, names?: Partial<InputNames>): PromoteRequest {
  const p = new InputReader(raw, resolveInputNames(names));
  const source = parsePromoteSource(p);
  return {
    source,
    repository: parseRepository(p),
    tags: splitList(p.raw.tags).length > 0 ? parseTags(p) : [source.image.tag ?? "latest"],
    ...parseRegistryTarget(p),
    createRepository: p.flag("createRepository"),
    repositorySettings: parseRepositorySettings(p),
    credentials: parseCredentials(p),
    platforms: parsePlatforms(p),
    dropAttestations: p.flag("dropAttestations"),
  };
}

function parsePromoteSource(p: InputReader): PromoteSource {
  const given = p.text("source");
  const advice =
    "use docker://HOST/REPOSITORY:TAG (or @sha256:DIGEST), such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 or docker://registry.example.com/team/web:1.4.2.";
  if (given === undefined) throw p.missing("source", `name the image to promote: ${advice}`);
  const value = given.replace(/^docker:\/\//i, "");
  const reference = parseImageReference(value);
  const slash = value.indexOf("/");
  const host = slash > 0 ? value.slice(0, slash) : "";
  if (!reference || !host || !/[.:]|^localhost$/.test(host) || reference.name.length <= host.length + 1) {
    throw p.invalid("source", given, advice);
  }
  if (reference.digest !== undefined && !DIGEST.test(reference.digest)) {
    throw p.invalid("source", given, "use a sha256 digest (sha256: and 64 hex digits).");
  }
  if (reference.tag !== undefined && !isImageTag(reference.tag)) throw p.invalid("source", given, advice);
  const repository = reference.name.slice(host.length + 1);
  const image: ImageSelector =
    reference.digest !== undefined ? { digest: reference.digest } : { tag: reference.tag ?? "latest" };
  const ecr = parseEcrHost(host);
  const endpointUrl = p.text("sourceEndpointUrl");
  if (endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) {
    throw p.invalid("sourceEndpointUrl", endpointUrl, "use an http:// or https:// URL.");
  }
  if (ecr) {
    for (const key of ["sourceUsername", "sourcePassword"] as const) {
      if (p.given(key)) {
        throw p.invalid(
          key,
          undefined,
          `an ECR source is read with AWS credentials (${p.name("sourceProfile")} or ${p.name("sourceRoleArn")}), so remove it.`,
        );
      }
    }
    return {
      kind: "ecr",
      reference: given,
      registry: host,
      ...ecr,
      repository,
      image,
      credentials: {
        profile: p.text("sourceProfile"),
        roleArn: p.checked(
          "sourceRoleArn",
          isRoleArn,
          () => "use an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-read.",
        ),
      },
      ...(endpointUrl ? { endpointUrl } : {}),
    };
  }
  for (const key of ["sourceProfile", "sourceRoleArn", "sourceEndpointUrl"] as const) {
    if (p.given(key)) {
      throw p.invalid(
        key,
        p.text(key),
        `it applies only to an ECR source (ACCOUNT.dkr.ecr.REGION.amazonaws.com/...), and ${host} is not one, so remove it.`,
      );
    }
  }
  const username = p.text("sourceUsername");
  const password = p.text("sourcePassword");
  if (username !== undefined && password === undefined) {
    throw p.missing("sourcePassword", `it is required with ${p.name("sourceUsername")}.`);
  }
  if (password !== undefined && username === undefined) {
    throw p.missing("sourceUsername", `it is required with ${p.name("sourcePassword")}.`);
  }
  return {
    kind: "registry",
    reference: given,
    registry: host,
    repository,
    image,
    ...(username !== undefined ? { username, password } : {}),
  };
}
