import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The test layout every package shares: `test/unit` (no real parts, fast) and `test/integration`
 * (real Docker engine, registry, SDK; the engine is found or started once per run by globalSetup).
 * `vitest run --project unit` runs only the first and never starts an engine.
 */
export function packageTestConfig() {
  const globalSetup = fileURLToPath(new URL("./global-setup.js", import.meta.url));
  return defineConfig({
    test: {
      // The JSON report feeds the one closing line of scripts/test.sh.
      reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
      projects: [
        {
          test: {
            name: "unit",
            include: ["test/unit/**/*.test.ts"],
            testTimeout: 20_000,
          },
        },
        {
          test: {
            name: "integration",
            include: ["test/integration/**/*.test.ts"],
            globalSetup: [globalSetup],
            testTimeout: 180_000,
            hookTimeout: 180_000,
            // Integration files share one Docker engine and one machine of 2 cores.
            fileParallelism: false,
          },
        },
      ],
    },
  });
}
