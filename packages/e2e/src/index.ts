export { EcrFixture, type EntryRun, errorLines, TEST_KEYS } from "./ecr-fixture.js";
