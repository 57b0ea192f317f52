/**
 * Debuggers and sanitizers inside the sandbox: in a PID namespace of its own
 * the command may trace its own processes, so gdb, strace and an
 * AddressSanitizer binary (LeakSanitizer attaches to its own threads at exit)
 * work; without a PID namespace ptrace stays refused. Run as the caller and,
 * as root, as nobody.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinuxSandboxOptions } from "../../src/linux/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { unsupportedReason } from "./run-sandboxed.js";

const NOBODY = 65534;
const canBecomeNobody = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
const USERS: ("caller" | "nobody")[] = canBecomeNobody ? ["caller", "nobody"] : ["caller"];
const WORKSPACE = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
const NO_NAMESPACES: LinuxSandboxOptions = {
  simulateNoNamespaces: true,
  terminal: "best-effort",
  networkNamespace: "best-effort",
  readOnlySubpaths: "best-effort",
  fileMetadata: "best-effort",
};

function installed(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

const sandboxMissing = unsupportedReason();
/** The test, or a visible skip naming why it cannot run here. */
function testWith(tools: string[], name: string, body: () => void): void {
  const missing = sandboxMissing ?? (tools.filter((tool) => !installed(tool)).map((tool) => `${tool} is not installed`).join(", ") || null);
  if (missing) test.skip(`${name} (skipped: ${missing})`, body);
  else test(name, body);
}

const PROGRAM = `#include <stdio.h>
#include <stdlib.h>
int twice(int x) { return 2 * x; }
int main(int argc, char** argv) {
  char* kept = malloc(16);
  printf("%d\\n", twice(21));
  if (argc > 1) kept = NULL; /* a leak LeakSanitizer must report */
  else free(kept);
  return 0;
}
`;

describe.each(USERS)("tracing inside the sandbox, as %s", (user) => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-tracing-"));
    writeFileSync(join(dir, "program.c"), PROGRAM);
    if (user === "nobody") {
      chownSync(dir, NOBODY, NOBODY);
      chownSync(join(dir, "program.c"), NOBODY, NOBODY);
    }
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(script: string, linux: LinuxSandboxOptions = {}) {
    const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, LANG: "C" };
    const plan = prepareSandboxedCommand(["sh", "-c", script], WORKSPACE, { cwd: dir, env, linux });
    const [program, ...args] =
      user === "nobody" ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", plan.program, ...plan.args] : [plan.program, ...plan.args];
    return spawnSync(program!, args, { cwd: dir, env: plan.env, encoding: "utf8", timeout: 120_000 });
  }

  testWith(["cc", "gdb"], "gdb runs a program to a breakpoint and prints the backtrace", () => {
    const result = run('cc -g -O0 -o program program.c && gdb -batch -nx -ex "break twice" -ex run -ex bt ./program');
    expect(result.stdout).toMatch(/^#0 +twice \(x=21\) at program\.c:3$/m);
    expect(result.stdout).toMatch(/^#1 .* main \(.*\) at program\.c:6$/m);
    expect(result.status).toBe(0);
  });

  testWith(["strace"], "strace -f follows true to its exit", () => {
    const result = run("strace -f true");
    expect(result.stderr).toMatch(/^execve\("\/(usr\/)?bin\/true"/m);
    expect(result.stderr).toMatch(/^\+\+\+ exited with 0 \+\+\+$/m);
    expect(result.status).toBe(0);
  });

  testWith(["cc"], "an AddressSanitizer binary exits 0, and LeakSanitizer reports a leak", () => {
    const result = run("cc -g -fsanitize=address -o program program.c && ./program; echo status=$?; ./program leak; echo leak-status=$?");
    // The leaking run ends in LeakSanitizer's _exit(1), before stdio is flushed: its 42 is never printed.
    expect(result.stdout).toBe("42\nstatus=0\nleak-status=1\n");
    expect(result.stderr).toMatch(/ERROR: LeakSanitizer: detected memory leaks/);
    expect(result.stderr).not.toMatch(/LeakSanitizer has encountered a fatal error/);
  });

  testWith(["strace"], "without a PID namespace, strace cannot trace", () => {
    const result = run("strace -f true", NO_NAMESPACES);
    expect(result.stderr).toMatch(/Operation not permitted/);
    expect(result.status).not.toBe(0);
  });
});
