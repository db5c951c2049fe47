// Kept apart from ecr-public.ts, which loads the AWS SDK: the workflow imports this eagerly, the SDK lazily.
/** ECR Public's API is served in us-east-1 only, whatever region the rest of a job uses. */
export const ECR_PUBLIC_REGION = "us-east-1";
