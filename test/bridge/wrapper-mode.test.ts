/** Wrapper mode: the `cordon` executable (built, in dist/) standing in for the native wrapper. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/native/index.js";
import { runProgram, scratchDir, startBridge } from "./support.js";

const cli = join(packageRoot, "dist", "cli", "main.js");

function runCordon(args: string[], env: Record<string, string | undefined>) {
  return runProgram(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env } });
}

describe("Node wrapper mode (CORDON_EXEC_WRAPPER_MODE=1)", () => {
  test("an allowed program replaces the cordon process with argv0 and status intact", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const env = { ...bridge.env(), CORDON_EXEC_WRAPPER_MODE: "1" };
      const script = 'echo "$0 $1"; head -c 5 /proc/$$/cmdline; exit 4';
      const result = await runCordon(["/bin/sh", "my-sh", "-c", script, "zero", "semi;colon"], env);
      expect(result.stdout).toBe("zero semi;colon\nmy-sh");
      expect(result.exitCode).toBe(4);
    } finally {
      await bridge.close();
    }
  });

  test("a denied program does not run; exit 126 with the reason", async () => {
    const scratch = scratchDir();
    const { bridge } = await startBridge({ decide: () => ({ action: "deny", reason: "User denied execution" }) });
    try {
      const marker = join(scratch.path, "ran");
      const result = await runCordon(["/usr/bin/touch", "touch", marker], { ...bridge.env(), CORDON_EXEC_WRAPPER_MODE: "1" });
      expect(result.exitCode).toBe(126);
      expect(result.stderr).toBe("cordon: execution denied: User denied execution\n");
      expect(existsSync(marker)).toBe(false);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });

  test("a server that is gone means exit 125 and nothing run", async () => {
    const scratch = scratchDir();
    try {
      const marker = join(scratch.path, "ran");
      const env = { CORDON_EXEC_WRAPPER_MODE: "1", CORDON_EXEC_SOCKET: join(scratch.path, "missing.sock") };
      const result = await runCordon(["/usr/bin/touch", "touch", marker], env);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/^cordon: cannot reach the exec server at .*missing\.sock/);
      expect(existsSync(marker)).toBe(false);
      const unset = await runCordon(["/usr/bin/touch", "touch", marker], { CORDON_EXEC_WRAPPER_MODE: "1" });
      expect(unset.exitCode).toBe(125);
      expect(unset.stderr).toMatch(/CORDON_EXEC_SOCKET is not set/);
    } finally {
      scratch.remove();
    }
  });

  test("cordon's own commands still work inside a confined shell that inherited wrapper mode", async () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
    const result = await runCordon(["--version"], { CORDON_EXEC_WRAPPER_MODE: "1", CORDON_EXEC_SOCKET: "/nonexistent" });
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.exitCode).toBe(0);
  });

  test("a bridge started with wrapper: \"node\" hands out a launcher that behaves as the wrapper", async () => {
    const requests: string[][] = [];
    const { bridge } = await startBridge({ wrapper: "node", decide: (request) => (requests.push(request.argv), { action: "run" }) });
    try {
      const env = bridge.env();
      expect(env.CORDON_EXEC_WRAPPER_MODE).toBe("1");
      expect(readFileSync(env.EXEC_WRAPPER!, "utf8").startsWith(`#!${process.execPath}\n`)).toBe(true);
      const result = await runProgram(env.EXEC_WRAPPER!, ["/bin/echo", "echo", "via node"], { env: { PATH: process.env.PATH, ...env } });
      expect(result.stdout).toBe("via node\n");
      expect(requests).toEqual([["echo", "via node"]]);
    } finally {
      await bridge.close();
    }
  });
});
