import { runOk } from "./process.js";

export interface SkopeoInspect {
  Digest: string;
  RepoTags: string[];
  Layers: string[];
}

/** `skopeo inspect` of `docker://host/repo:tag` over plain HTTP (loopback registries) with Basic credentials. */
export async function skopeoInspect(
  reference: string,
  credentials?: { username: string; password: string },
): Promise<SkopeoInspect> {
  const args = ["inspect", "--tls-verify=false"];
  if (credentials) args.push("--creds", `${credentials.username}:${credentials.password}`);
  args.push(`docker://${reference}`);
  return JSON.parse(await runOk("skopeo", args)) as SkopeoInspect;
}

/** The raw manifest bytes as skopeo fetches them. */
export async function skopeoRawManifest(
  reference: string,
  credentials?: { username: string; password: string },
): Promise<string> {
  const args = ["inspect", "--raw", "--tls-verify=false"];
  if (credentials) args.push("--creds", `${credentials.username}:${credentials.password}`);
  args.push(`docker://${reference}`);
  return runOk("skopeo", args);
}

/** The image config as skopeo fetches it (what a pull would unpack: rootfs.diff_ids, platform). */
export async function skopeoConfig(
  reference: string,
  credentials?: { username: string; password: string },
): Promise<{ architecture?: string; os?: string; rootfs: { diff_ids: string[] } }> {
  const args = ["inspect", "--config", "--tls-verify=false"];
  if (credentials) args.push("--creds", `${credentials.username}:${credentials.password}`);
  args.push(`docker://${reference}`);
  return JSON.parse(await runOk("skopeo", args));
}
