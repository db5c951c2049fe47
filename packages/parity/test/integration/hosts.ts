import {
  azureDriver,
  cliDriver,
  codefreshDriver,
  type EcrFixture,
  githubDriver,
  gitlabDriver,
  type HostRun,
} from "@ecr-push/e2e";

/** One push, as a pipeline author would configure it on any host. */
export interface Scenario {
  /** A local image to push; empty when `promote` is given. */
  image: string;
  /** A `docker://` image to promote instead of pushing (credentials from DOCKER_CONFIG). */
  promote?: string;
  repository: string;
  tags: string[];
  createRepository?: boolean;
  /** Who pushes (`auto`, `registry` or `docker`); unset leaves each host's default. */
  engine?: string;
  /** ECR Public's catalog data for a created repository (repository public.ecr.aws/ALIAS/NAME). */
  catalog?: { description: string; architectures: string[]; operatingSystems: string[] };
  /** Set the host's dualStack input to true. */
  dualStack?: boolean;
  /** Settings of a created repository beyond the defaults (each host's spelling of the same inputs). */
  created?: CreatedRepositorySettings;
  /** Only these platforms of an index (`os/arch[/variant]`, comma-separated). */
  platform?: string;
  /** Leave an index's attestation manifests out. */
  dropAttestations?: boolean;
}

export interface CreatedRepositorySettings {
  imageTagMutability: string;
  exclusionFilters: string[];
  /** A JSON file's path or the JSON itself, as the host's input takes it. */
  lifecyclePolicy: string;
  repositoryPolicy: string;
}

/** What a host reports: the pushed URI and digest, or its one error sentence. */
export interface HostResult {
  code: number;
  imageUri?: string;
  digest?: string;
  sourceDigest?: string;
  error?: string;
  log: string;
}

export interface Host {
  name: string;
  /** How this host spells the inputs that error sentences name. */
  names: { source: string; promote: string; repository: string; createRepository: string; platform: string };
  /** `env`: extra environment for the entry (a DOCKER_CONFIG holding the promote source's credentials); `undefined` removes a variable. */
  run(fixture: EcrFixture, scenario: Scenario, env?: Record<string, string | undefined>): Promise<HostResult>;
}

/** What every host's driver read back, as the scenarios compare it. */
function resultOf(run: HostRun): HostResult {
  return {
    code: run.code,
    imageUri: run.outputs.imageUri,
    digest: run.outputs.digest,
    sourceDigest: run.outputs.sourceDigest,
    error: run.error,
    log: run.log,
  };
}

/** Each host's driver (packages/e2e) with the scenario in its inputs, and the host's defaults for the rest. */
export const HOSTS: Host[] = [
  {
    name: cliDriver.name,
    names: {
      source: "SOURCE",
      promote: "SOURCE",
      repository: "--repository",
      createRepository: "--create-repository",
      platform: "--platform",
    },
    async run(fixture, s, env = {}) {
      const args = [
        s.promote ? "promote" : "push",
        s.promote ?? s.image,
        "--repository",
        s.repository,
        ...s.tags.flatMap((t) => ["--tag", t]),
        "--json",
      ];
      if (s.createRepository) args.push("--create-repository");
      if (s.engine) args.push("--engine", s.engine);
      if (s.catalog) {
        args.push("--public-description", s.catalog.description);
        for (const a of s.catalog.architectures) args.push("--public-architecture", a);
        for (const os of s.catalog.operatingSystems) args.push("--public-operating-system", os);
      }
      if (s.dualStack) args.push("--dual-stack");
      if (s.created) {
        args.push("--image-tag-mutability", s.created.imageTagMutability);
        for (const filter of s.created.exclusionFilters)
          args.push("--image-tag-mutability-exclusion-filter", filter);
        args.push("--lifecycle-policy", s.created.lifecyclePolicy);
        args.push("--repository-policy", s.created.repositoryPolicy);
      }
      if (s.platform) args.push("--platform", s.platform);
      if (s.dropAttestations) args.push("--no-attestations");
      return resultOf(await cliDriver.run(fixture, args, { env }));
    },
  },
  {
    name: githubDriver.name,
    names: {
      source: "image",
      promote: "source",
      repository: "repository",
      createRepository: "create-repository",
      platform: "platforms",
    },
    run: async (fixture, s, env = {}) =>
      resultOf(
        await githubDriver.run(
          fixture,
          {
            image: s.image,
            source: s.promote ?? "",
            repository: s.repository,
            tags: s.tags.join("\n"),
            "create-repository": String(s.createRepository ?? false),
            ...(s.engine ? { engine: s.engine } : {}),
            ...(s.catalog
              ? {
                  "public-description": s.catalog.description,
                  "public-architectures": s.catalog.architectures.join("\n"),
                  "public-operating-systems": s.catalog.operatingSystems.join("\n"),
                }
              : {}),
            ...(s.dualStack ? { "dual-stack": "true" } : {}),
            ...(s.created
              ? {
                  "image-tag-mutability": s.created.imageTagMutability,
                  "image-tag-mutability-exclusion-filters": s.created.exclusionFilters.join("\n"),
                  "lifecycle-policy": s.created.lifecyclePolicy,
                  "repository-policy": s.created.repositoryPolicy,
                }
              : {}),
            ...(s.platform ? { platforms: s.platform } : {}),
            ...(s.dropAttestations ? { "drop-attestations": "true" } : {}),
          },
          { env },
        ),
      ),
  },
  {
    name: azureDriver.name,
    names: {
      source: "sourceImageName and sourceImageTag",
      promote: "promoteSource",
      repository: "repositoryName",
      createRepository: "autoCreateRepository",
      platform: "platforms",
    },
    run: async (fixture, s, env = {}) => {
      // A daemonless source (docker-archive:, oci:) is the task's sourceArchive.
      const archive = /^(docker-archive|oci):/.test(s.image);
      const [name, tag] = s.image.split(":");
      return resultOf(
        await azureDriver.run(
          fixture,
          {
            command: s.promote ? "promote" : "push",
            promoteSource: s.promote ?? "",
            ...(archive
              ? { imageSource: "archive", sourceArchive: s.image }
              : { imageSource: "imagename", sourceImageName: name, ...(tag ? { sourceImageTag: tag } : {}) }),
            repositoryName: s.repository,
            ...(s.tags[0] ? { pushTag: s.tags[0] } : {}),
            additionalTags: s.tags.slice(1).join("\n"),
            autoCreateRepository: String(s.createRepository ?? false),
            ...(s.engine ? { engine: s.engine } : {}),
            ...(s.catalog
              ? {
                  publicDescription: s.catalog.description,
                  publicArchitectures: s.catalog.architectures.join("\n"),
                  publicOperatingSystems: s.catalog.operatingSystems.join("\n"),
                }
              : {}),
            ...(s.dualStack ? { dualStack: "true" } : {}),
            ...(s.created
              ? {
                  imageTagMutability: s.created.imageTagMutability,
                  imageTagMutabilityExclusionFilters: s.created.exclusionFilters.join("\n"),
                  lifecyclePolicy: s.created.lifecyclePolicy,
                  repositoryPolicy: s.created.repositoryPolicy,
                }
              : {}),
            ...(s.platform ? { platforms: s.platform } : {}),
            ...(s.dropAttestations ? { dropAttestations: "true" } : {}),
          },
          { env },
        ),
      );
    },
  },
  {
    name: codefreshDriver.name,
    names: {
      source: "IMAGE",
      promote: "SOURCE",
      repository: "REPOSITORY",
      createRepository: "CREATE_REPOSITORY",
      platform: "PLATFORMS",
    },
    run: async (fixture, s, env = {}) =>
      resultOf(
        await codefreshDriver.run(
          fixture,
          {
            IMAGE: s.image,
            SOURCE: s.promote ?? "",
            REPOSITORY: s.repository,
            TAGS: s.tags.join(","),
            CREATE_REPOSITORY: String(s.createRepository ?? false),
            ...(s.engine ? { ENGINE: s.engine } : {}),
            ...(s.catalog
              ? {
                  PUBLIC_DESCRIPTION: s.catalog.description,
                  PUBLIC_ARCHITECTURES: s.catalog.architectures.join(","),
                  PUBLIC_OPERATING_SYSTEMS: s.catalog.operatingSystems.join(","),
                }
              : {}),
            ...(s.dualStack ? { DUAL_STACK: "true" } : {}),
            ...(s.created
              ? {
                  IMAGE_TAG_MUTABILITY: s.created.imageTagMutability,
                  IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS: s.created.exclusionFilters.join(","),
                  LIFECYCLE_POLICY: s.created.lifecyclePolicy,
                  REPOSITORY_POLICY: s.created.repositoryPolicy,
                }
              : {}),
            ...(s.platform ? { PLATFORMS: s.platform } : {}),
            ...(s.dropAttestations ? { DROP_ATTESTATIONS: "true" } : {}),
          },
          { env },
        ),
      ),
  },
  {
    name: gitlabDriver.name,
    names: {
      source: "image",
      promote: "source",
      repository: "repository",
      createRepository: "create-repository",
      platform: "platforms",
    },
    run: async (fixture, s, env = {}) =>
      resultOf(
        await gitlabDriver.run(
          fixture,
          {
            image: s.image,
            source: s.promote ?? "",
            repository: s.repository,
            tags: s.tags.join(","),
            "create-repository": String(s.createRepository ?? false),
            ...(s.engine ? { engine: s.engine } : {}),
            ...(s.catalog
              ? {
                  "public-description": s.catalog.description,
                  "public-architectures": s.catalog.architectures.join(","),
                  "public-operating-systems": s.catalog.operatingSystems.join(","),
                }
              : {}),
            ...(s.dualStack ? { "dual-stack": "true" } : {}),
            ...(s.created
              ? {
                  "image-tag-mutability": s.created.imageTagMutability,
                  "image-tag-mutability-exclusion-filters": s.created.exclusionFilters.join(","),
                  "lifecycle-policy": s.created.lifecyclePolicy,
                  "repository-policy": s.created.repositoryPolicy,
                }
              : {}),
            ...(s.platform ? { platforms: s.platform } : {}),
            ...(s.dropAttestations ? { "drop-attestations": "true" } : {}),
          },
          { env },
        ),
      ),
  },
];
