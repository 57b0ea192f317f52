/**
 * The bridge under load: a fixed count of execs through real native wrappers,
 * 64 and then 512 at a time (started by xargs, as a shell would start them,
 * so this process only serves). Every request must be answered exactly once,
 * and the host's fds and memory must come back to where they were.
 * Throughput is measured in bench/load.js, never here.
 */
import { spawn } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ExecRequest } from "../../src/bridge/index.js";
import { openFdCount, startBridge } from "../bridge/support.js";

const EXECS = 2_000;
/** Growth of the V8 heap tolerated after a collection (caches, JIT, the test's own records). */
const HEAP_SLACK = 16 * 1024 * 1024;
/** Growth of the resident set tolerated: freed pages are not always returned to the OS. */
const RSS_SLACK = 128 * 1024 * 1024;

/** A full collection, even when node was started without --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Runs `count` wrappers, `concurrency` at a time, each as `wrapper /bin/true true <n>`; resolves to xargs' status. */
function runWrappers(env: Record<string, string>, count: number, concurrency: number): Promise<{ status: number | null; stderr: string }> {
  const script = `seq ${count} | xargs -P ${concurrency} -n 1 "$EXEC_WRAPPER" /bin/true true`;
  const child = spawn("sh", ["-c", script], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

async function settledFdCount(baseline: number): Promise<number> {
  for (let i = 0; i < 200 && openFdCount() !== baseline; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  return openFdCount();
}

describe("the exec bridge under load", () => {
  test.each([64, 512])(`${EXECS} execs through native wrappers, %i at a time: all answered once, fds and memory back`, async (concurrency) => {
    const requests: ExecRequest[] = [];
    const { bridge, errors } = await startBridge({
      decide: async (request) => {
        requests.push(request);
        // Yield once, so concurrent requests overlap in the server as they would with a real decider.
        await new Promise((resolve) => setImmediate(resolve));
        return { action: "run" };
      },
    });
    try {
      collectGarbage();
      const fdsBefore = openFdCount();
      const memoryBefore = process.memoryUsage();

      const result = await runWrappers(bridge.env(), EXECS, concurrency);
      // xargs exits 0 only when every wrapper did: each was answered "run" and ran /bin/true.
      expect(result).toEqual({ status: 0, stderr: "" });
      expect(requests).toHaveLength(EXECS);
      const numbers = new Set(requests.map((request) => request.argv[1]));
      expect(numbers.size).toBe(EXECS);
      expect(new Set(requests.map((request) => request.requestId)).size).toBe(EXECS);
      expect(errors()).toEqual([]);

      expect(await settledFdCount(fdsBefore)).toBe(fdsBefore);
      requests.length = 0;
      collectGarbage();
      const memoryAfter = process.memoryUsage();
      expect(memoryAfter.heapUsed - memoryBefore.heapUsed).toBeLessThan(HEAP_SLACK);
      expect(memoryAfter.rss - memoryBefore.rss).toBeLessThan(RSS_SLACK);
    } finally {
      await bridge.close();
    }
  }, 120_000);
});
