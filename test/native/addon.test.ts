import { execFileSync, spawnSync } from "node:child_process";
import { socketpair } from "./socketpair.js";
import { testUnless } from "../support/skip.js";
import { darwinUserCacheDir, execve, landlockAbi, NativeError, peerCredentials } from "cordon";

describe("native addon", () => {
  test("execve replaces a child process, keeping its pid and argv0", () => {
    const script = `
      import { execve } from "cordon";
      process.stdout.write("pid:" + process.pid + "\\n");
      execve("/bin/sh", ["renamed-sh", "-c", 'echo "exec:$$:$0:$1"; tr "\\\\0" " " < /proc/$$/cmdline', "zero", "first"], process.env);
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const pid = /pid:(\d+)/.exec(out)?.[1];
    expect(pid).toBeDefined();
    expect(out).toContain(`exec:${pid}:zero:first`);
    if (process.platform === "linux") expect(out).toMatch(/^renamed-sh -c /m);
  });

  testUnless(process.platform === "linux" ? null : "the signal mask is read from /proc, which only Linux has")("execve resets SIGPIPE, which Node ignores, to its default", () => {
    const script = `
      import { execve } from "cordon";
      execve("/bin/sh", ["sh", "-c", "grep SigIgn /proc/self/status"], process.env);
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const mask = BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(result.stdout)![1]}`);
    expect(mask & (1n << 12n)).toBe(0n); // bit 13 - 1: SIGPIPE
  });

  test("execve of a missing file throws with the errno name and the process goes on", () => {
    let caught: unknown;
    try {
      execve("/nonexistent/program", ["program"], process.env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NativeError);
    expect((caught as NativeError).errnoName).toBe("ENOENT");
    expect((caught as NativeError).code).toBe("ERR_CORDON_NATIVE");
  });

  test("execve rejects NUL bytes instead of truncating an argument", () => {
    expect(() => execve("/bin/true", ["true", "a\0b"], process.env)).toThrow(/NUL/);
  });

  test("peerCredentials reads the uid, gid and pid across a real socket pair", async () => {
    const { near, farPid, close } = await socketpair();
    try {
      const creds = peerCredentials(near);
      expect(creds.uid).toBe(process.getuid!());
      expect(creds.gid).toBe(process.getgid!());
      expect(creds.pid).toBe(farPid);
    } finally {
      close();
    }
  });

  test("peerCredentials of a non-socket fails with ENOTSOCK", () => {
    expect(() => peerCredentials(0)).toThrow(/ENOTSOCK|EBADF/);
  });

  test("landlockAbi reports a version or a reason", () => {
    const probe = landlockAbi();
    if (probe.abi === 0) {
      expect(typeof probe.reason).toBe("string");
      console.log(`Landlock is not available on this host: ${probe.reason}`);
    } else {
      expect(probe.abi).toBeGreaterThanOrEqual(1);
      expect(probe.reason).toBeNull();
    }
  });

  test("darwinUserCacheDir is null off macOS and a path on it", () => {
    const dir = darwinUserCacheDir();
    if (process.platform === "darwin") expect(dir).toMatch(/^\//);
    else expect(dir).toBeNull();
  });
});
