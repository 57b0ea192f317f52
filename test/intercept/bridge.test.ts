/**
 * The interposer with the real exec bridge: plain bash scripts, every exec
 * decided by the host through the native wrapper and the bridge's socket.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecBridge, type ExecRequest } from "../../src/bridge/index.js";
import { nativeArtifactPath } from "../../src/native/index.js";
import { interposerUnavailable } from "./harness.js";

const unavailable =
  interposerUnavailable() ??
  (existsSync(nativeArtifactPath("cordon-exec-wrapper")) ? null : "the native exec wrapper is not built");
const describeHere = unavailable ? describe.skip : describe;
if (unavailable) console.log(`exec interposer bridge tests skipped: ${unavailable}`);

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bash -c script` without blocking the event loop the bridge serves on. */
function bash(script: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describeHere("exec interposer with the exec bridge", () => {
  let dir: string;
  let bridge: ExecBridge;
  let requests: ExecRequest[];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cordon-intercept-bridge-"));
    bridge = await ExecBridge.start({
      decide: async (request) => {
        requests.push(request);
        return request.argv[0] === "touch" ? { action: "deny", reason: "no touching" } : { action: "run" };
      },
    });
    env = { ...process.env, PATH: "/usr/bin:/bin", ...bridge.env() };
  });
  afterAll(async () => {
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    requests = [];
  });

  test("the bridge's environment preloads this interposer", () => {
    expect(bridge.env().LD_PRELOAD).toBe(nativeArtifactPath("libcordon_intercept.so"));
  });

  test("a denied command does not run and the script sees 126", async () => {
    const marker = join(dir, "denied-marker");
    const result = await bash(`touch '${marker}'; echo "status $?"`, env, dir);
    expect(result.stdout).toBe("status 126\n");
    expect(result.stderr).toContain("cordon: execution denied: no touching");
    expect(existsSync(marker)).toBe(false);
    expect(requests.map((request) => request.argv)).toEqual([["touch", marker]]);
  });

  test("an allowed command runs with its argv0 and exit status intact", async () => {
    const result = await bash(`exec -a renamed /bin/sh -c 'echo "$0"; exit 7'`, env, dir);
    expect(result.stdout).toBe("renamed\n");
    expect(result.status).toBe(7);
    expect(requests).toEqual([
      expect.objectContaining({ file: "/bin/sh", argv: ["renamed", "-c", 'echo "$0"; exit 7'], cwd: dir }),
    ]);
  });

  test("a && b | c gives three separate decisions", async () => {
    const result = await bash("/bin/true && /bin/echo x | /usr/bin/tr x y", env, dir);
    expect(result.stdout).toBe("y\n");
    expect(requests.map((request) => request.file).sort()).toEqual(["/bin/echo", "/bin/true", "/usr/bin/tr"]);
    expect(new Set(requests.map((request) => request.requestId)).size).toBe(3);
  });

  test("nested bash -c 'sh -c \"ls\"' is decided at every level", async () => {
    const result = await bash(`bash -c 'sh -c "ls -d /"'`, env, dir);
    expect(result.stdout).toBe("/\n");
    expect(requests.map((request) => [request.file, ...request.argv])).toEqual([
      ["/usr/bin/bash", "bash", "-c", 'sh -c "ls -d /"'],
      ["/usr/bin/sh", "sh", "-c", "ls -d /"],
      ["/usr/bin/ls", "ls", "-d", "/"],
    ]);
  });

  test("a denial deep inside a nested shell stops only that command", async () => {
    const marker = join(dir, "nested-marker");
    const result = await bash(`sh -c "touch '${marker}' || echo refused"`, env, dir);
    expect(result.stdout).toBe("refused\n");
    expect(existsSync(marker)).toBe(false);
    expect(requests.map((request) => request.argv[0])).toEqual(["sh", "touch"]);
  });
});
