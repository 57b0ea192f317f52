/** The library's side of the supervisor: the options that reach the launcher, and a real run through them. */
import { linuxLauncherArgs } from "../../src/linux/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { launcherPath, scratchDir, startExecServer, supervisorUnavailable } from "./harness.js";
import { spawn } from "node:child_process";

describe("launcher arguments for the supervisor", () => {
  test("execSocket and allowUnixSockets become --exec-socket and one --allow-unix-socket each, before --", () => {
    const args = linuxLauncherArgs(["true"], {
      writableRoots: [],
      networkAccess: false,
      execSocket: "/run/host/exec.sock",
      allowUnixSockets: ["/run/a.sock", "/run/b c.sock"],
    });
    expect(args).toEqual([
      "--exec-socket", "/run/host/exec.sock",
      "--allow-unix-socket", "/run/a.sock",
      "--allow-unix-socket", "/run/b c.sock",
      "--limit-if-possible", "pids=4096",
      "--", "true",
    ]);
  });

  test("without them nothing is added but the default pids limit", () => {
    expect(linuxLauncherArgs(["true"], { writableRoots: [], networkAccess: true })).toEqual(["--allow-network", "--limit-if-possible", "pids=4096", "--", "true"]);
  });
});

const unavailable = supervisorUnavailable();
const describeHere = unavailable ? describe.skip : describe;

describeHere(`prepareSandboxedCommand with execSocket${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  test("every exec of the prepared command is asked, and the command's environment does not name the socket", async () => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      const policy = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
      const plan = prepareSandboxedCommand(["sh", "-c", "/usr/bin/env"], policy, {
        cwd: scratch.path,
        env: { PATH: "/usr/bin:/bin" },
        execSocket: server.socketPath,
      });
      expect(plan.program).toBe(launcherPath);
      const stdout = await new Promise<string>((resolve, reject) => {
        const child = spawn(plan.program, plan.args, { cwd: scratch.path, env: plan.env, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk) => (out += chunk));
        child.on("error", reject);
        child.on("close", () => resolve(out));
      });
      expect(stdout).not.toContain(server.socketPath);
      expect(server.requests.map((request) => request.argv)).toEqual([["sh", "-c", "/usr/bin/env"], ["/usr/bin/env"]]);
      expect(server.requests[1]!.cwd).toBe(scratch.path);
    } finally {
      await server.close();
      scratch.remove();
    }
  });
});
