import { packageTestConfig } from "@ecr-push/testkit/vitest-config";

export default packageTestConfig();
