import { request as httpRequest } from "node:http";
import { InputError } from "../errors/index.js";
import { isRegionCode, regionAdvice } from "../request/index.js";
import type { AwsEnv } from "./env.js";

/** Where the region came from, as the debug line says it; ECR Public's API has one region only. */
export type RegionSource =
  | "input"
  | "AWS_REGION"
  | "AWS_DEFAULT_REGION"
  | "instance metadata"
  | "ECR Public's only region";

export interface ResolvedRegion {
  region: string;
  source: RegionSource;
}

export interface ResolveRegionOptions {
  /** The validated region input, if any. */
  region?: string;
  env: AwsEnv;
  /** How the host spells the region input, for the error. */
  regionInputName?: string;
  signal?: AbortSignal;
  /** Per IMDS request; instance metadata answers in milliseconds or not at all. */
  imdsTimeoutMs?: number;
}

/** The region input, else AWS_REGION, else AWS_DEFAULT_REGION, else the instance's (IMDSv2). */
export async function resolveRegion(options: ResolveRegionOptions): Promise<ResolvedRegion> {
  const { env } = options;
  const inputName = options.regionInputName ?? "region";
  if (options.region) return { region: options.region, source: "input" };
  for (const variable of ["AWS_REGION", "AWS_DEFAULT_REGION"] as const) {
    const value = env[variable]?.trim();
    if (!value) continue;
    if (!isRegionCode(value)) {
      throw new InputError("region", `Invalid ${variable} "${value}": ${regionAdvice(value)}`);
    }
    return { region: value, source: variable };
  }
  const fromImds = await regionFromInstanceMetadata(env, options.imdsTimeoutMs ?? 1000, options.signal);
  if (fromImds && isRegionCode(fromImds)) return { region: fromImds, source: "instance metadata" };
  throw new InputError("region", `No AWS region: set ${inputName} or AWS_REGION.`);
}

/** Asks IMDSv2 for the instance's region; undefined when there is no (reachable) metadata service. */
export async function regionFromInstanceMetadata(
  env: AwsEnv,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (env.AWS_EC2_METADATA_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const ipv6 = env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.trim().toLowerCase() === "ipv6";
  const endpoint =
    env.AWS_EC2_METADATA_SERVICE_ENDPOINT?.trim() ||
    (ipv6 ? "http://[fd00:ec2::254]" : "http://169.254.169.254");
  const token = await imdsCall(endpoint, "/latest/api/token", "PUT", timeoutMs, signal, {
    "x-aws-ec2-metadata-token-ttl-seconds": "60",
  });
  if (!token) return undefined;
  const region = await imdsCall(endpoint, "/latest/meta-data/placement/region", "GET", timeoutMs, signal, {
    "x-aws-ec2-metadata-token": token,
  });
  return region?.trim() || undefined;
}

/** One IMDS request: the body on HTTP 200, else undefined (never throws). */
function imdsCall(
  endpoint: string,
  path: string,
  method: "GET" | "PUT",
  timeoutMs: number,
  signal: AbortSignal | undefined,
  headers: Record<string, string>,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(path, endpoint);
    } catch {
      resolve(undefined);
      return;
    }
    const req = httpRequest(url, { method, headers, timeout: timeoutMs, signal }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve(res.statusCode === 200 ? body : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
