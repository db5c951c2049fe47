// Public surface of @ecr-push/core: one folder per concept.
export * from "./aws/index.js";
export * from "./copy/index.js";
export * from "./engine/index.js";
export * from "./errors/index.js";
export * from "./host-process/index.js";
export * from "./job/commands.js";
export * from "./job/index.js";
export * from "./naming/index.js";
export * from "./ports/index.js";
export * from "./request/index.js";
export * from "./secrets/index.js";
export * from "./workflow/index.js";
