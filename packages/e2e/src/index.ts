export { EcrFixture, type EntryRun, errorLines, registryCredentialsOf, TEST_KEYS } from "./ecr-fixture.js";
export * from "./hosts/index.js";
