// Bundles the CLI into dist/ (see scripts/bundle.mjs): the AWS SDK, the engine and the local
// endpoint load only when a command needs them.
import { bundle } from "../../scripts/bundle.mjs";

await bundle({
  packageDir: import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  entries: { "ecr-push": "src/main.ts" },
  banner: "#!/usr/bin/env node\n",
});
