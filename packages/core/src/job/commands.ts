// The commands a host runs (push, retag, promote): the one way in (parseCommand, then runCommand),
// the request-level entries the CLI uses, and a result as the variables of NAME=value hosts.
import { InputError } from "../errors/index.js";
import type {
  Command,
  InputNames,
  PromoteRequest,
  PushRequest,
  RawPushInputs,
  RetagRequest,
} from "../request/index.js";
import {
  isRegistrySource,
  parsePromoteRequest,
  parsePushRequest,
  parseRetagRequest,
  resolveInputNames,
} from "../request/index.js";
import type { CopyDeps } from "../workflow/copy-session.js";
import { type PromoteResult, runPromote } from "../workflow/run-promote.js";
import type { PushResult } from "../workflow/run-push.js";
import { type RetagResult, runRetag } from "../workflow/run-retag.js";
import { type HostPorts, pushRequest, systemClock } from "./index.js";

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

/** Retags as a host asks, with a request it has already validated. */
export async function retagRequest(request: RetagRequest, host: HostPorts): Promise<RetagResult> {
  return await runRetag(request, copyDeps(host));
}

/** Promotes as a host asks, with a request it has already validated. */
export async function promoteRequest(request: PromoteRequest, host: HostPorts): Promise<PromoteResult> {
  return await runPromote(request, copyDeps(host));
}

/**
 * What a host's raw inputs ask for, validated: a promote when `registrySource` is given (hosts with
 * a separate input for it) or `source` is `docker://...` (an image in a registry), else a push of
 * the local image or daemonless source. A promote names its source as the host spells
 * `registrySource`. Push-only inputs (removeLocalImage, concurrency, engine, compression) do not apply to a promote.
 */
type PushOrPromote =
  | { kind: "push"; request: PushRequest }
  | { kind: "promote"; request: PromoteRequest; inputNames: Partial<InputNames> };

function pushOrPromote(raw: RawPushInputs, inputNames: Partial<InputNames>): PushOrPromote {
  const names = resolveInputNames(inputNames);
  const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");
  const registrySource = text(raw.registrySource);
  const {
    removeLocalImage: _remove,
    concurrency: _concurrency,
    engine: _engine,
    compression: _compression,
    ...copyInputs
  } = raw;
  if (registrySource) {
    if (text(raw.source)) {
      throw new InputError(
        "registrySource",
        `Invalid ${names.registrySource}: set either ${names.source} (a local image to push) or ${names.registrySource} (an image in a registry to promote), not both.`,
      );
    }
    const promoteNames = { ...inputNames, source: names.registrySource };
    return {
      kind: "promote",
      request: parsePromoteRequest({ ...copyInputs, source: registrySource }, promoteNames),
      inputNames: promoteNames,
    };
  }
  if (isRegistrySource(text(raw.source))) {
    return { kind: "promote", request: parsePromoteRequest(copyInputs, inputNames), inputNames };
  }
  return { kind: "push", request: parsePushRequest(raw, inputNames) };
}

/**
 * The one way in for every host: its raw inputs (and the command, when the host has a command
 * input: Azure's `command`, the CLI's subcommand) parsed into what to run, validated before
 * anything is sent. Without a command, a host pushes unless its inputs name an image in a registry
 * (see pushOrPromote). Bad input throws the one sentence, naming the input as the host spells it.
 */
export type HostCommand =
  | PushOrPromote
  | { kind: "retag"; request: RetagRequest; inputNames: Partial<InputNames> };

export function parseCommand(
  raw: RawPushInputs,
  inputNames: Partial<InputNames> = {},
  command?: Command,
): HostCommand {
  if (command === "retag") return { kind: "retag", request: parseRetagRequest(raw, inputNames), inputNames };
  if (command === "promote") {
    return { kind: "promote", request: parsePromoteRequest(raw, inputNames), inputNames };
  }
  if (command === "push") return { kind: "push", request: parsePushRequest(raw, inputNames) };
  return pushOrPromote(raw, inputNames);
}

/** What any command returns: the push's outputs, a promote's source digest too. */
export type CommandResult = PushResult & { sourceDigest?: string };

/** Runs what parseCommand validated against the host's ports. */
export async function runCommand(parsed: HostCommand, host: HostPorts): Promise<CommandResult> {
  if (parsed.kind === "push") return await pushRequest(parsed.request, host);
  const named = { ...host, inputNames: parsed.inputNames };
  if (parsed.kind === "retag") return await retagRequest(parsed.request, named);
  return await promoteRequest(parsed.request, named);
}

/**
 * A result as the variables of hosts whose outputs are `NAME=value` lines for later steps
 * (Codefresh's exports, GitLab's dotenv report): one line each, never a secret. A public contract.
 */
export function resultVariables(result: CommandResult): Record<string, string> {
  return {
    ECR_IMAGE_URI: result.imageUri,
    // URIs hold no commas, and a value is one line: comma-separated, in the order of the tags.
    ECR_IMAGE_URIS: result.imageUris.join(","),
    ECR_IMAGE_DIGEST: result.digest,
    ECR_REGISTRY: result.registry,
    // A promote only: the source's digest, equal to ECR_IMAGE_DIGEST unless platforms filtered it.
    ...(result.sourceDigest !== undefined ? { ECR_SOURCE_DIGEST: result.sourceDigest } : {}),
  };
}
