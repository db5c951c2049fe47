import { InputError } from "../errors/index.js";
import type { RawPushInputs } from "../request/index.js";
import {
  isRegistrySource,
  parsePromoteRequest,
  parseRetagRequest,
  resolveInputNames,
} from "../request/index.js";
import type { CopyDeps } from "../workflow/copy-session.js";
import { type PromoteResult, runPromote } from "../workflow/run-promote.js";
import type { PushResult } from "../workflow/run-push.js";
import { type RetagResult, runRetag } from "../workflow/run-retag.js";
import { type HostPorts, pushFromInputs, systemClock } from "./index.js";

function copyDeps(host: HostPorts): CopyDeps {
  return {
    logger: host.logger,
    outputs: host.outputs,
    secrets: host.secrets,
    clock: host.clock ?? systemClock,
    env: host.env,
    signal: host.signal,
    inputNames: host.inputNames,
  };
}

/** Validates a host's raw inputs as a retag (`source` is REPOSITORY:TAG or REPOSITORY@DIGEST), then retags. */
export async function retagFromInputs(raw: RawPushInputs, host: HostPorts): Promise<RetagResult> {
  return await runRetag(parseRetagRequest(raw, host.inputNames), copyDeps(host));
}

/** Validates a host's raw inputs as a promote (`source` names an image in a registry), then copies it. */
export async function promoteFromInputs(raw: RawPushInputs, host: HostPorts): Promise<PromoteResult> {
  return await runPromote(parsePromoteRequest(raw, host.inputNames), copyDeps(host));
}

/**
 * What a host adapter runs: a promote when `registrySource` is given (hosts with a separate input
 * for it) or `source` is `docker://...` (an image in a registry), else a push of the local image or
 * daemonless source. Push-only inputs (removeLocalImage, concurrency) do not apply to a promote.
 */
export async function pushOrPromoteFromInputs(
  raw: RawPushInputs,
  host: HostPorts,
): Promise<PushResult & { sourceDigest?: string }> {
  const names = resolveInputNames(host.inputNames);
  const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");
  const registrySource = text(raw.registrySource);
  const { removeLocalImage: _remove, concurrency: _concurrency, ...copyInputs } = raw;
  if (registrySource) {
    if (text(raw.source)) {
      throw new InputError(
        "registrySource",
        `Invalid ${names.registrySource}: set either ${names.source} (a local image to push) or ${names.registrySource} (an image in a registry to promote), not both.`,
      );
    }
    return await promoteFromInputs(
      { ...copyInputs, source: registrySource },
      { ...host, inputNames: { ...host.inputNames, source: names.registrySource } },
    );
  }
  if (isRegistrySource(text(raw.source))) return await promoteFromInputs(copyInputs, host);
  return await pushFromInputs(raw, host);
}
