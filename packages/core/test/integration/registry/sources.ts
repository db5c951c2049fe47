import { dockerEnv, runOk } from "@ecr-push/testkit";

/** `docker save` of one or more images into `file`. */
export async function dockerSave(dockerHost: string, file: string, ...images: string[]): Promise<void> {
  await runOk("docker", ["save", "-o", file, ...images], { env: dockerEnv(dockerHost) });
}

/** `skopeo copy docker-daemon:IMAGE oci:DIR:REF` (skopeo 1.9 ignores DOCKER_HOST). */
export async function skopeoToLayout(
  dockerHost: string,
  image: string,
  dir: string,
  ref: string,
): Promise<void> {
  await runOk("skopeo", [
    "copy",
    "-q",
    "--src-daemon-host",
    dockerHost,
    `docker-daemon:${image}`,
    `oci:${dir}:${ref}`,
  ]);
}
