/** The limits as written (CLI, API) and as the launcher reports them. */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { UsageError } from "../../src/errors.js";
import {
  describeLimit,
  limitExceededMessage,
  limitLauncherArgs,
  parseLimitOption,
  parseLimitReport,
  parseResourceLimits,
  perProcessLimitPrefix,
} from "../../src/limits/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { READ_ONLY_POLICY } from "../../src/policy/index.js";

describe("--limit NAME=VALUE", () => {
  test.each([
    ["pids=256", { pids: 256 }],
    ["memory=512M", { memoryBytes: 512 * 1024 ** 2 }],
    ["memory=1048576", { memoryBytes: 1048576 }],
    ["cpu=60s", { cpuSeconds: 60 }],
    ["cpu=60", { cpuSeconds: 60 }],
    ["file-size=1G", { fileSizeBytes: 1024 ** 3 }],
    ["open-files=1024", { openFiles: 1024 }],
  ])("%s", (text, limits) => {
    expect(parseLimitOption(text)).toEqual(limits);
  });

  test.each(["pid=1", "pids", "pids=", "pids=0", "pids=-1", "pids=1.5", "pids=1K", "memory=5X", "cpu=1m", "memory=99999999999T", "=1", "PIDS=1"])(
    "%s is a usage error",
    (text) => {
      expect(() => parseLimitOption(text)).toThrow(UsageError);
    },
  );

  test("a later value of the same limit wins; others are kept", () => {
    expect(parseLimitOption("pids=2", parseLimitOption("cpu=1", parseLimitOption("pids=1")))).toEqual({ pids: 2, cpuSeconds: 1 });
  });

  test("every written byte size reads back as itself (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom(["", 1], ["K", 1024], ["M", 1024 ** 2]), (value, [suffix, size]) => {
        expect(parseLimitOption(`memory=${value}${suffix}`).memoryBytes).toBe(value * (size as number));
      }),
    );
  });
});

describe("limits in the API", () => {
  test("whole numbers from 1, and no other key", () => {
    expect(parseResourceLimits({ pids: 1, memoryBytes: 2 })).toEqual({ pids: 1, memoryBytes: 2 });
    expect(() => parseResourceLimits({ pids: 0 })).toThrow(/limits\.pids/);
    expect(() => parseResourceLimits({ pids: 1.5 })).toThrow(/limits\.pids/);
    expect(() => parseResourceLimits({ memory: 5 })).toThrow(/limits/);
  });

  test("launcher arguments: asked ones required, the default pids only where possible", () => {
    expect(limitLauncherArgs({})).toEqual(["--limit-if-possible", "pids=4096"]);
    expect(limitLauncherArgs({ pids: 1, openFiles: 2 })).toEqual(["--limit", "pids=1", "--limit", "open-files=2"]);
    expect(limitLauncherArgs({ cpuSeconds: 3 }, "best-effort")).toEqual(["--limit-if-possible", "cpu=3", "--limit-if-possible", "pids=4096"]);
  });
});

describe("what the launcher reports", () => {
  test("the limit that ended the run, and those it could not enforce", () => {
    expect(parseLimitReport("limit-not-enforced pids no cgroup can be made\nlimit-exceeded memory\n")).toEqual({
      limitExceeded: "memory",
      notEnforced: [{ name: "pids", reason: "no cgroup can be made" }],
    });
    expect(parseLimitReport("")).toEqual({ limitExceeded: null, notEnforced: [] });
    expect(parseLimitReport("limit-exceeded bogus\ngarbage")).toEqual({ limitExceeded: null, notEnforced: [] });
  });

  test("said as people read it", () => {
    expect(limitExceededMessage("memory", { memoryBytes: 512 * 1024 ** 2 })).toBe("cordon: the run exceeded its memory limit (512 MiB)");
    expect(describeLimit("pids", {})).toBe("4096");
    expect(describeLimit("cpu", { cpuSeconds: 60 })).toBe("60 s");
    expect(describeLimit("file-size", { fileSizeBytes: 1000 })).toBe("1000 bytes");
    expect(describeLimit("memory", {})).toBe("unlimited");
  });
});

describe("macOS: the per-process limits by /bin/sh's ulimit before sandbox-exec", () => {
  test("the prefix sets each limit (run here with this machine's /bin/sh), and carries its values as arguments", () => {
    const prefix = perProcessLimitPrefix({ cpuSeconds: 7, fileSizeBytes: 1024 * 1024, openFiles: 64 })!;
    const shown = spawnSync(prefix[0]!, [...prefix.slice(1), "sh", "-c", "ulimit -t; ulimit -f; ulimit -n"], { encoding: "utf8" });
    expect(shown.stdout).toBe("7\n2048\n64\n");
    expect(prefix.slice(3)).toEqual(["sh", "7", "2048", "64"]);
    expect(perProcessLimitPrefix({ pids: 5 })).toBeNull();
  });

  test("a plan for macOS runs sandbox-exec under them; a budget for the whole run is refused unless downgraded", () => {
    const plan = prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: "/", platform: "darwin", limits: { openFiles: 64 } });
    expect(plan.program).toBe("/bin/sh");
    expect(plan.args.slice(0, 6)).toEqual(["-c", expect.any(String), "sh", "64", "/usr/bin/sandbox-exec", "-p"]);
    expect(() => prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: "/", platform: "darwin", limits: { memoryBytes: 1 << 20 } })).toThrow(
      /the memory limit is not enforced on macOS/,
    );
    const downgraded = prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: "/", platform: "darwin", limits: { pids: 5 }, linux: { limits: "best-effort" } });
    expect(downgraded.program).toBe("/usr/bin/sandbox-exec");
  });
});
