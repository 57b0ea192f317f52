/** The limits as written (CLI, API) and as the launcher reports them. */
import fc from "fast-check";
import { UsageError } from "../../src/errors.js";
import {
  describeLimit,
  limitExceededMessage,
  limitLauncherArgs,
  parseLimitOption,
  parseLimitReport,
  parseResourceLimits,
} from "../../src/limits/index.js";

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
