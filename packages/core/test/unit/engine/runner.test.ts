import { describe, expect, it } from "vitest";
import { nodeProcessRunner, ProcessStartError } from "../../../src/engine/index.js";

const node = process.execPath;
const env = { PATH: process.env.PATH, SYSTEMROOT: process.env.SYSTEMROOT };

describe("nodeProcessRunner", () => {
  it("writes stdin, then closes it, and returns both streams and the exit code", async () => {
    const script =
      "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{console.log('got:'+s);console.error('err');process.exit(3)})";
    const result = await nodeProcessRunner.run(node, ["-e", script], { env, stdin: "pass word" });
    expect(result).toEqual({ exitCode: 3, stdout: "got:pass word\n", stderr: "err\n" });
  });

  it("reports each line, including a last one without a newline", async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const script = "process.stdout.write('a\\r\\nb\\nc');process.stderr.write('x\\n')";
    await nodeProcessRunner.run(node, ["-e", script], {
      env,
      onStdoutLine: (line) => lines.push(line),
      onStderrLine: (line) => errors.push(line),
    });
    expect(lines).toEqual(["a", "b", "c"]);
    expect(errors).toEqual(["x"]);
  });

  it("passes exactly the given environment and no shell", async () => {
    const script = "console.log(process.env.ONLY_THIS + ' ' + (process.env.HOME === undefined))";
    const result = await nodeProcessRunner.run(node, ["-e", script, "$HOME", "; echo hi"], {
      env: { ...env, ONLY_THIS: "yes" },
    });
    expect(result.stdout.trim()).toBe("yes true");
  });

  it("kills the child on abort and rejects with the abort reason", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = nodeProcessRunner.run(node, ["-e", "setTimeout(()=>{},30000)"], {
      env,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("stop")), 200);
    await expect(running).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(
      nodeProcessRunner.run(node, ["-v"], { env, signal: AbortSignal.abort(new Error("early")) }),
    ).rejects.toThrow("early");
  });

  it("rejects with ProcessStartError when the executable does not exist", async () => {
    const error = await nodeProcessRunner
      .run("/definitely/not/here/docker", [], { env })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect((error as ProcessStartError).errno).toBe("ENOENT");
    expect((error as ProcessStartError).code).toBe("ProcessStartFailed");
  });
});
