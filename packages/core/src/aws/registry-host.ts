// No imports on purpose: request validation reads ECR hosts too, and must not load the AWS SDK.

/**
 * The AWS partitions ECR runs in, with the DNS suffix of their registry hosts. `dualStack` is the
 * suffix of the dual-stack (IPv4 and IPv6) registry host, where ECR documents one: the AWS General
 * Reference lists `ACCOUNT.dkr-ecr[-fips].REGION.on.aws` (commercial and GovCloud regions), and the
 * China regions use `on.amazonwebservices.com.cn`. The other partitions have IPv4 hosts only.
 */
export const ECR_PARTITIONS = [
  // Every region no other partition claims.
  {
    partition: "aws",
    suffix: "amazonaws.com",
    dualStack: "on.aws",
    regions: /^(?!us-gov-|cn-|eusc-|us-iso|eu-iso)/,
  },
  { partition: "aws-us-gov", suffix: "amazonaws.com", dualStack: "on.aws", regions: /^us-gov-/ },
  {
    partition: "aws-cn",
    suffix: "amazonaws.com.cn",
    dualStack: "on.amazonwebservices.com.cn",
    regions: /^cn-/,
  },
  { partition: "aws-eusc", suffix: "amazonaws.eu", dualStack: undefined, regions: /^eusc-/ },
  { partition: "aws-iso", suffix: "c2s.ic.gov", dualStack: undefined, regions: /^us-iso-/ },
  { partition: "aws-iso-b", suffix: "sc2s.sgov.gov", dualStack: undefined, regions: /^us-isob-/ },
  { partition: "aws-iso-e", suffix: "cloud.adc-e.uk", dualStack: undefined, regions: /^eu-isoe-/ },
  { partition: "aws-iso-f", suffix: "csp.hci.ic.gov", dualStack: undefined, regions: /^us-isof-/ },
] as const;

export type EcrPartition = (typeof ECR_PARTITIONS)[number]["partition"];

/** What an ECR registry host says about the registry behind it. */
export interface EcrRegistryHost {
  registryId: string;
  region: string;
  partition: EcrPartition;
  /** `dkr.ecr-fips` / `dkr-ecr-fips`: the FIPS 140 endpoint. */
  fips: boolean;
  /** `dkr-ecr.REGION.on.aws` and kin: the dual-stack (IPv4 and IPv6) endpoint. */
  dualStack: boolean;
  /** `:PORT` when the host names one, else "". */
  port: string;
}

const literal = (suffix: string) => suffix.replaceAll(".", "\\.");
const IPV4_SUFFIXES = [...new Set(ECR_PARTITIONS.map((p) => p.suffix))];
const DUAL_STACK_SUFFIXES = ECR_PARTITIONS.flatMap((p) => (p.dualStack ? [p.dualStack] : []));
// IPv4 hosts are `ACCOUNT.dkr.ecr[-fips].REGION.SUFFIX`; dual-stack ones `ACCOUNT.dkr-ecr[-fips].REGION.SUFFIX`
// (China's dual-stack host is also seen written `dkr.ecr`, so both separators are read there).
const IPV4_HOST = new RegExp(
  `^(\\d{12})\\.dkr\\.ecr(-fips)?\\.([a-z]{2,4}(?:-[a-z]+)+-\\d+)\\.(${IPV4_SUFFIXES.map(literal).join("|")})(:\\d+)?$`,
);
const DUAL_STACK_HOST = new RegExp(
  `^(\\d{12})\\.dkr[.-]ecr(-fips)?\\.([a-z]{2,4}(?:-[a-z]+)+-\\d+)\\.(${[...new Set(DUAL_STACK_SUFFIXES)].map(literal).join("|")})(:\\d+)?$`,
);

/**
 * The registry behind an ECR registry host (`host[:port]`, any case), or undefined when the host
 * is not one of ECR's documented registry hosts in any partition, IPv4 or dual-stack, FIPS or not.
 */
export function parseEcrRegistryHost(host: string): EcrRegistryHost | undefined {
  const lower = host.trim().toLowerCase();
  for (const [pattern, dualStack] of [
    [IPV4_HOST, false],
    [DUAL_STACK_HOST, true],
  ] as const) {
    const match = pattern.exec(lower);
    if (!match) continue;
    const [, registryId, fips, region, suffix, port] = match as unknown as string[];
    const partition = ECR_PARTITIONS.find(
      (p) => (dualStack ? p.dualStack : p.suffix) === suffix && p.regions.test(region as string),
    );
    if (!partition) return undefined;
    return {
      registryId: registryId as string,
      region: region as string,
      partition: partition.partition,
      fips: fips !== undefined,
      dualStack,
      port: port ?? "",
    };
  }
  return undefined;
}

/** Which registry endpoint a push asked for: dual-stack, FIPS, both or neither. */
export interface EndpointVariant {
  dualStack: boolean;
  fips: boolean;
}

/** The registry host of `registry` in the asked variant, or undefined when the partition has none. */
export function ecrRegistryHost(registry: EcrRegistryHost, variant: EndpointVariant): string | undefined {
  const partition = ECR_PARTITIONS.find((p) => p.partition === registry.partition);
  if (!partition) return undefined;
  const fips = variant.fips ? "-fips" : "";
  const host = variant.dualStack
    ? partition.dualStack && `${registry.registryId}.dkr-ecr${fips}.${registry.region}.${partition.dualStack}`
    : `${registry.registryId}.dkr.ecr${fips}.${registry.region}.${partition.suffix}`;
  return host ? `${host}${registry.port}` : undefined;
}

export interface RegistryHostChoice {
  host: string;
  /** Why the asked variant could not be used, for a warning; undefined when it was. */
  unavailable?: string;
}

/**
 * The registry host a push uses, given the host of GetAuthorizationToken's proxyEndpoint and the
 * variant asked for. ECR's proxyEndpoint names the IPv4 host whichever API endpoint answered, so
 * the dual-stack and FIPS forms of the same registry are derived from it; a proxyEndpoint that is
 * already in the asked form, or is not an ECR host at all (a local endpoint), is used as it is. A
 * variant is only ever added, never taken away.
 */
export function chooseRegistryHost(proxyHost: string, variant: EndpointVariant): RegistryHostChoice {
  const parsed = parseEcrRegistryHost(proxyHost);
  if (!parsed) return { host: proxyHost };
  const wanted = { dualStack: variant.dualStack || parsed.dualStack, fips: variant.fips || parsed.fips };
  if (wanted.dualStack === parsed.dualStack && wanted.fips === parsed.fips) return { host: proxyHost };
  const host = ecrRegistryHost(parsed, wanted);
  if (host) return { host };
  return {
    host: proxyHost,
    unavailable: `ECR documents no dual-stack registry endpoint in the ${parsed.partition} partition (${parsed.region})`,
  };
}
