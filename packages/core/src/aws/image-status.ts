import { PushFailedError } from "../errors/index.js";

/**
 * An image's status in ECR (DescribeImages imageStatus): ACTIVE, ARCHIVED (in the archive storage
 * class: it cannot be pulled until restored) or ACTIVATING (being restored).
 */
export interface ImageStatus {
  digest: string;
  status: string;
}

export const ImageStatusErrorCodes = {
  archived: "ImageArchived",
  activating: "ImageActivating",
} as const;

/**
 * Fails in one sentence for an image that cannot be read: archived (how to restore it) or being
 * restored (retry later). Restoring is ECR's UpdateImageStorageClass to STANDARD and takes time.
 */
export function throwIfNotActive(
  image: ImageStatus,
  where: { repository: string; registryId?: string; region: string },
): void {
  const { repository, registryId, region } = where;
  const { digest } = image;
  // The rest of the aws command line after the image: its registry (another account's) and region.
  const rest = `${registryId ? ` --registry-id ${registryId}` : ""} --region ${region}`;
  if (image.status === "ARCHIVED") {
    throw new PushFailedError(
      ImageStatusErrorCodes.archived,
      `The image ${repository}@${digest} is archived in ECR and cannot be read until it is restored: run aws ecr update-image-storage-class --repository-name ${repository} --image-id imageDigest=${digest}${rest} --target-storage-class STANDARD, then run this again once aws ecr describe-images shows it ACTIVE (a restore takes a while).`,
    );
  }
  if (image.status === "ACTIVATING") {
    throw new PushFailedError(
      ImageStatusErrorCodes.activating,
      `The image ${repository}@${digest} is being restored from ECR's archive and cannot be read yet: run this again once aws ecr describe-images --repository-name ${repository} --image-ids imageDigest=${digest}${rest} shows it ACTIVE.`,
    );
  }
}
