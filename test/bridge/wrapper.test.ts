/** The native wrapper against a real bridge: what runs, what does not, and what it sees. */
import { spawn } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ExecBridge, type ExecRequest } from "../../src/bridge/index.js";
import { startExecServer } from "../supervisor/harness.js";
import { runProgram, runWrapper, scratchDir, startBridge, wrapperPath } from "./support.js";

const hostileStrings = ["it's \"quoted\"", "(paren) $(sub) `tick`", "semi;colon", "new\nline\ttab", "ünïcødé ✓ 😀", "back\\slash", ""];

describe("native exec wrapper", () => {
  test("an allowed program runs in place with argv0, arguments and exit status intact", async () => {
    const requests: ExecRequest[] = [];
    const { bridge } = await startBridge({ decide: (request) => (requests.push(request), { action: "run" }) });
    try {
      const script = 'printf "%s|" "$0" "$@"; exit 7';
      const result = await runWrapper(bridge.env(), "/bin/sh", ["custom-argv0", "-c", script, "zero", ...hostileStrings]);
      expect(result.exitCode).toBe(7);
      expect(result.stdout).toBe(["zero", ...hostileStrings].map((s) => `${s}|`).join(""));
      expect(requests).toHaveLength(1);
      expect(requests[0]!.file).toBe("/bin/sh");
      expect(requests[0]!.argv).toEqual(["custom-argv0", "-c", script, "zero", ...hostileStrings]);
      expect(requests[0]!.peer.uid).toBe(process.getuid!());
      expect(requests[0]!.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      await bridge.close();
    }
  });

  test("the program keeps the wrapper's pid and the unchanged environment", async () => {
    const peers: Array<number | null> = [];
    const { bridge } = await startBridge({ decide: (request) => (peers.push(request.peer.pid), { action: "run" }) });
    try {
      const env = { ...bridge.env(), MARKER: "kept; $(not expanded)" };
      const result = await runWrapper(env, "/bin/sh", ["sh", "-c", 'echo "$$ $MARKER $EXEC_WRAPPER"']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(`${peers[0]} kept; $(not expanded) ${wrapperPath}\n`);
    } finally {
      await bridge.close();
    }
  });

  test("a denied program does not run; the wrapper exits 126 with the reason", async () => {
    const scratch = scratchDir();
    const { bridge } = await startBridge({ decide: () => ({ action: "deny", reason: "not today (ü)" }) });
    try {
      const marker = join(scratch.path, "ran");
      const result = await runWrapper(bridge.env(), "/usr/bin/touch", ["touch", marker]);
      expect(result.exitCode).toBe(126);
      expect(result.stderr).toBe("cordon: execution denied: not today (ü)\n");
      expect(existsSync(marker)).toBe(false);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });

  test("a relative file is resolved against the wrapper's cwd, without normalising ..", async () => {
    const scratch = scratchDir();
    const requests: ExecRequest[] = [];
    const { bridge } = await startBridge({ decide: (request) => (requests.push(request), { action: "deny", reason: "looked" }) });
    try {
      await runWrapper(bridge.env(), "./sub/../tool", ["tool"], scratch.path);
      expect(requests[0]!.cwd).toBe(scratch.path);
      expect(requests[0]!.file).toBe(`${scratch.path}/./sub/../tool`);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });

  test("an argument that is not UTF-8 is shown replaced and carried exactly in argv_b64; Codex's members only", async () => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, () => ({ action: "run" }));
    try {
      // Node re-encodes string arguments, so a shell's printf makes the raw byte.
      const result = await runProgram("/bin/sh", ["-c", `exec "$0" /bin/echo echo "$(printf 'f\\377o')"`, wrapperPath], {
        env: { CORDON_EXEC_SOCKET: server.socketPath },
      });
      expect(result.exitCode).toBe(0);
      const [request] = server.requests;
      expect(request!.argv).toEqual(["echo", "f\uFFFDo"]);
      expect(request!.argv_b64!.map((b64) => Buffer.from(b64, "base64"))).toEqual([Buffer.from("echo"), Buffer.from([0x66, 0xff, 0x6f])]);
      expect(Object.keys(request!).sort()).toEqual(["argv", "argv_b64", "cwd", "file", "request_id", "type"]);
    } finally {
      await server.close();
      scratch.remove();
    }
  });

  test.each([
    ["reads the request to end of file before answering (as Codex's does)", true],
    ["answers as soon as the line ends", false],
  ])("a server that %s is answered: the wrapper shuts down its sending side", async (_name, readToEof) => {
    const scratch = scratchDir();
    const server = await startExecServer(scratch.path, () => ({ action: "run" }), { readToEof });
    try {
      const result = await runWrapper({ CORDON_EXEC_SOCKET: server.socketPath }, "/bin/echo", ["echo", "answered"]);
      expect(result.stdout).toBe("answered\n");
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
      scratch.remove();
    }
  });

  test("without CORDON_EXEC_SOCKET nothing runs (125)", async () => {
    const scratch = scratchDir();
    try {
      const marker = join(scratch.path, "ran");
      const result = await runWrapper({}, "/usr/bin/touch", ["touch", marker]);
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/^cordon: CORDON_EXEC_SOCKET is not set/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      scratch.remove();
    }
  });

  test("too few arguments is a usage failure (125)", async () => {
    const result = await runWrapper({ CORDON_EXEC_SOCKET: "/nonexistent" }, "/bin/true", []);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/usage: cordon-exec-wrapper <file> <argv0>/);
  });

  test("a server closed while the host is deciding leaves the wrapper exiting 125, nothing run", async () => {
    const scratch = scratchDir();
    let asked!: () => void;
    const askedPromise = new Promise<void>((resolve) => (asked = resolve));
    const { bridge } = await startBridge({ decide: () => (asked(), new Promise(() => {})) });
    const socketDir = bridge.socketPath.replace(/\/exec\.sock$/, "");
    try {
      const marker = join(scratch.path, "ran");
      const running = runWrapper(bridge.env(), "/usr/bin/touch", ["touch", marker]);
      await askedPromise;
      await bridge.close();
      const result = await running;
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toBe("cordon: the exec server closed the connection without answering\n");
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(socketDir)).toBe(false);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });

  test("a server process killed mid-request leaves the wrapper exiting 125, nothing run", async () => {
    const scratch = scratchDir();
    // A host process whose decide never answers; it prints its socket, then a line per request.
    const host = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { ExecBridge } from "cordon";
         const bridge = await ExecBridge.start({ decide: () => { console.log("asked"); return new Promise(() => {}); } });
         console.log(JSON.stringify(bridge.env()));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let socketDir: string | undefined;
    try {
      const lines = (async function* () {
        let buffered = "";
        for await (const chunk of host.stdout!) {
          buffered += chunk;
          let newline;
          while ((newline = buffered.indexOf("\n")) !== -1) {
            yield buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
          }
        }
      })();
      const env = JSON.parse((await lines.next()).value as string) as Record<string, string>;
      socketDir = dirname(env.CORDON_EXEC_SOCKET!);
      const marker = join(scratch.path, "ran");
      const running = runWrapper(env, "/usr/bin/touch", ["touch", marker]);
      expect((await lines.next()).value).toBe("asked");
      host.kill("SIGKILL");
      const result = await running;
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/^cordon: (the exec server closed the connection without answering|cannot read the exec server's reply)/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      host.kill("SIGKILL");
      scratch.remove();
      // A killed host cannot remove its own private directory.
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    }
  });

  test("a program that does not exist after approval fails like a shell would (127)", async () => {
    const { bridge } = await startBridge({ decide: () => ({ action: "run" }) });
    try {
      const result = await runWrapper(bridge.env(), "/nonexistent/tool", ["tool"]);
      expect(result.exitCode).toBe(127);
      expect(result.stderr).toMatch(/^cordon: cannot execute \/nonexistent\/tool: No such file/);
    } finally {
      await bridge.close();
    }
  });

  test("the socket lives in a private 0700 directory as 0600; close() removes both", async () => {
    const scratch = scratchDir();
    const bridge = await ExecBridge.start({ socketDir: scratch.path, decide: () => ({ action: "run" }) });
    const dir = bridge.socketPath.slice(0, bridge.socketPath.lastIndexOf("/"));
    try {
      expect(dir.startsWith(`${scratch.path}/`)).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(bridge.socketPath).isSocket()).toBe(true);
      expect(statSync(bridge.socketPath).mode & 0o777).toBe(0o600);
      expect(bridge.env()).toEqual({
        EXEC_WRAPPER: wrapperPath,
        CORDON_EXEC_SOCKET: bridge.socketPath,
        CORDON_EXEC_ENVIRONMENT: "GIT_CONFIG_COUNT:GIT_CONFIG_KEY_*:GIT_CONFIG_PARAMETERS:CARGO_ALIAS_*",
      });
    } finally {
      await bridge.close();
    }
    expect(existsSync(bridge.socketPath)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    scratch.remove();
  });
});

describe("ExecBridge.start: bad options", () => {
  test.each([
    [{}, /needs either a decide function or rules/],
    [{ decide: () => ({ action: "run" }), requestTimeoutMs: -1 }, /requestTimeoutMs/],
    [{ decide: () => ({ action: "run" }), wrapper: "python" }, /wrapper/],
    [{ rules: {}, approvalPolicy: "sometimes" }, /approvalPolicy must be one of untrusted, on-failure, on-request, never/],
  ])("%j is refused before anything listens", async (options, message) => {
    await expect(ExecBridge.start({ ...(options as object) } as never)).rejects.toThrow(message);
  });
});
