import { describe, expect, it } from "vitest";
import {
  type DockerAction,
  dockerFailure,
  isTransientDockerFailure,
  lastMeaningfulLine,
} from "../../../src/engine/index.js";

const TARGET = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1";

function failure(action: DockerAction, stderr: string, subject = TARGET) {
  return dockerFailure({
    action,
    subject,
    command: `docker ${action} ${subject}`,
    stderr,
    exitCode: 1,
    daemonHost: "unix:///var/run/docker.sock",
  });
}

describe("dockerFailure", () => {
  it.each<[DockerAction, string, string]>([
    [
      "inspect",
      "Cannot connect to the Docker daemon at unix:///tmp/x.sock. Is the docker daemon running?",
      "DockerUnavailable",
    ],
    [
      "push",
      'error during connect: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/version": open //./pipe/docker_engine: The system cannot find the file specified.',
      "DockerUnavailable",
    ],
    ["tag", "dial unix /var/run/docker.sock: connect: permission denied", "DockerUnavailable"],
    [
      "push",
      "tag invalid: The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the repository is immutable.",
      "ImageTagAlreadyExists",
    ],
    [
      "push",
      "name unknown: The repository with name 'team/app' does not exist in the registry with id '123456789012'",
      "RepositoryNotFound",
    ],
    [
      "push",
      "denied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:InitiateLayerUpload",
      "RegistryAuthFailed",
    ],
    [
      "push",
      "denied: Your authorization token has expired. Reauthenticate and try again.",
      "RegistryAuthFailed",
    ],
    ["push", "no basic auth credentials", "RegistryAuthFailed"],
    ["push", "unauthorized: authentication required", "RegistryAuthFailed"],
    ["push", "An image does not exist locally with the tag: x/app", "ImageNotFound"],
    ["push", "tag does not exist: x/app:v1", "ImageNotFound"],
    ["tag", "Error response from daemon: No such image: app:1", "ImageNotFound"],
    [
      "login",
      "Error response from daemon: login attempt to https://x/v2/ failed with status: 401 Unauthorized",
      "RegistryLoginFailed",
    ],
    [
      "login",
      'Error response from daemon: Get "https://x/v2/": unauthorized: incorrect username or password',
      "RegistryLoginFailed",
    ],
    [
      "login",
      'Error response from daemon: Get "https://x/v2/": dial tcp 10.0.0.1:443: i/o timeout',
      "RegistryUnreachable",
    ],
    ["push", "received unexpected HTTP status: 500 Internal Server Error", "RegistryUnreachable"],
    [
      "tag",
      'Error parsing reference: "UPPER:case" is not a valid repository/tag: invalid reference format',
      "DockerCommandFailed",
    ],
  ])("%s: %s -> %s", (action, stderr, code) => {
    const error = failure(action, stderr);
    expect(error.code).toBe(code);
    expect(error.kind).toBe("failure");
    expect(error.message).not.toContain("\n");
  });

  it("names the daemon docker reports, else the one it used", () => {
    expect(
      failure(
        "push",
        "Cannot connect to the Docker daemon at tcp://10.0.0.9:2375. Is the docker daemon running?",
      ).message,
    ).toBe("Cannot connect to the Docker daemon at tcp://10.0.0.9:2375: start Docker or set DOCKER_HOST.");
    expect(failure("push", "error during connect: EOF").message).toContain("unix:///var/run/docker.sock");
  });

  it("says podman's service is down, and never retries that", () => {
    const stderr = [
      "Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM",
      "Error: unable to connect to Podman socket: dial tcp 127.0.0.1:50123: connect: connection refused",
    ].join("\n");
    const error = failure("push", stderr);
    expect(error.code).toBe("DockerUnavailable");
    expect(error.message).toBe(
      "Cannot connect to podman's service: start it (podman machine start on macOS and Windows) or set CONTAINER_HOST.",
    );
    expect(isTransientDockerFailure(stderr)).toBe(false);
  });

  it("ends anything else with the last meaningful stderr line", () => {
    const stderr = [
      'time="2026-01-01T00:00:00Z" level=info msg="Error logging in to endpoint, trying next endpoint"',
      "unknown: the registry hiccuped",
      "",
      "WARNING! something unrelated",
    ].join("\n");
    expect(failure("push", stderr).message).toBe(
      `docker push ${TARGET} failed: unknown: the registry hiccuped.`,
    );
    expect(failure("push", "").message).toBe(`docker push ${TARGET} failed with exit code 1.`);
  });
});

describe("lastMeaningfulLine", () => {
  it("drops docker's prefix, trailing period and noise, and shortens long lines", () => {
    expect(lastMeaningfulLine("Error response from daemon: No such image: a:1.\n")).toBe(
      "No such image: a:1",
    );
    expect(lastMeaningfulLine(`x\n${"y".repeat(400)}`)).toHaveLength(300);
    expect(lastMeaningfulLine("WARNING! only a warning\n")).toBe("");
  });
});
