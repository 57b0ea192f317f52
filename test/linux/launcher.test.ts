/**
 * The Linux launcher, tried for real: each test runs commands under the
 * sandbox, attempts the forbidden thing and sees it fail with the expected
 * errno, and the allowed thing succeed.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type Server } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareSandboxedCommand, spawnSandboxed } from "../../src/platform/index.js";
import { parseSandboxPolicy, READ_ONLY_POLICY, type SandboxPolicy } from "../../src/policy/index.js";
import { UnsupportedOperationError } from "../../src/errors.js";
import { outcomeOf, probe, runSandboxed, unsupportedReason } from "./run-sandboxed.js";
import { testEnv } from "../support/env.js";

const skipReason = unsupportedReason();
if (skipReason) console.log(`Linux launcher tests skipped: ${skipReason}`);
const describeLinux = skipReason ? describe.skip : describe;

/** Writable: the workspace only (no /tmp, no $TMPDIR), so the rest of the test directory is outside every root. */
const WORKSPACE_ONLY = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
const NETWORK_ON = parseSandboxPolicy({ type: "read-only", network_access: true });

function makeRepo(dir: string): void {
  mkdirSync(join(dir, ".git", "hooks"), { recursive: true });
  writeFileSync(join(dir, ".git", "config"), "[core]\n");
}

describeLinux(`Linux launcher${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let base: string;
  let workspace: string;
  let outside: string;
  const env = testEnv({ TMPDIR: undefined });

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "cordon-linux-"));
    outside = join(base, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "existing"), "keep");
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  beforeEach(() => {
    workspace = mkdtempSync(join(base, "ws-"));
  });

  describe("filesystem writes (the read-only mount tree, Landlock)", () => {
    test("outside every root writes fail (EROFS: the mount tree is read-only there); inside the workspace they work", async () => {
      const results = await probe(
        [
          ["write", join(outside, "new")],
          ["append", join(outside, "existing")],
          ["truncate", join(outside, "existing")],
          ["mkdir", join(outside, "dir")],
          ["write", join(workspace, "file")],
          ["mkdir", join(workspace, "dir")],
          ["write", join(workspace, "dir", "nested")],
        ],
        WORKSPACE_ONLY,
        { cwd: workspace, env },
      );
      expect(results).toEqual(["EROFS", "EROFS", "EROFS", "EROFS", "OK", "OK", "OK"]);
      expect(readFileSync(join(outside, "existing"), "utf8")).toBe("keep");
      expect(existsSync(join(outside, "new"))).toBe(false);
      expect(readFileSync(join(workspace, "dir", "nested"), "utf8")).toBe("x");
    });

    test("read-only writes nowhere (the whole mount tree is read-only), but reads everywhere and writes to /dev/null", async () => {
      const results = await probe(
        [["write", join(workspace, "file")], ["read", join(outside, "existing")], ["write", "/dev/null"]],
        READ_ONLY_POLICY,
        { cwd: workspace, env },
      );
      expect(results).toEqual(["EROFS", "OK", "OK"]);
      const shell = await runSandboxed(["sh", "-c", "echo quiet > /dev/null && echo done"], READ_ONLY_POLICY, { cwd: workspace, env });
      expect(shell).toMatchObject({ code: 0, stdout: "done\n" });
    });

    test("device nodes cannot be made even inside a writable root", async () => {
      const outcome = await runSandboxed(["mknod", join(workspace, "disk"), "b", "8", "0"], WORKSPACE_ONLY, { cwd: workspace, env });
      expect(outcome.code).not.toBe(0);
      expect(outcome.stderr).toMatch(/Permission denied/);
      expect(existsSync(join(workspace, "disk"))).toBe(false);
    });
  });

  describe("read-only subpaths", () => {
    test(".git/config, .git/hooks and a protected name fail with EROFS; the rest of the workspace is writable", async () => {
      makeRepo(workspace);
      mkdirSync(join(workspace, ".codex"));
      const results = await probe(
        [
          ["append", join(workspace, ".git", "config")],
          ["write", join(workspace, ".git", "hooks", "pre-commit")],
          ["write", join(workspace, ".codex", "config.toml")],
          ["unlink", join(workspace, ".git", "config")],
          ["write", join(workspace, "src.txt")],
        ],
        WORKSPACE_ONLY,
        { cwd: workspace, env },
      );
      expect(results).toEqual(["EROFS", "EROFS", "EROFS", "EROFS", "OK"]);
      expect(readFileSync(join(workspace, ".git", "config"), "utf8")).toBe("[core]\n");
      expect(existsSync(join(workspace, ".git", "hooks", "pre-commit"))).toBe(false);
    });

    test("a protected name that does not exist cannot be created, and is gone again afterwards", async () => {
      const results = await probe(
        [
          ["write", join(workspace, ".codex", "config.toml")],
          ["mkdir", join(workspace, ".git", "hooks")],
          ["rmdir", join(workspace, ".codex")],
          ["rename", join(workspace, ".git"), join(workspace, "git-moved")],
        ],
        WORKSPACE_ONLY,
        { cwd: workspace, env },
      );
      expect(results).toEqual(["EROFS", "EROFS", "EBUSY", "EBUSY"]);
      expect(existsSync(join(workspace, ".codex"))).toBe(false);
      expect(existsSync(join(workspace, ".git"))).toBe(false);
    });

    test("a placeholder shared by two sandboxes outlives the one that created it", async () => {
      // Each command reports ready, waits for a line, then tries to write into .codex.
      const script = "echo ready; read line; if echo x > .codex/config; then echo written; else echo denied; fi";
      const start = () => {
        const child = spawnSandboxed(["sh", "-c", script], WORKSPACE_ONLY, { cwd: workspace, env, stdio: ["pipe", "pipe", "ignore"] });
        return { child, outcome: outcomeOf(child), ready: once(child.stdout!, "data") };
      };
      const creator = start();
      await creator.ready;
      const sharer = start();
      await sharer.ready;
      creator.child.stdin!.end("go\n");
      expect((await creator.outcome).stdout).toBe("ready\ndenied\n");
      expect(existsSync(join(workspace, ".codex"))).toBe(true);
      sharer.child.stdin!.end("go\n");
      expect((await sharer.outcome).stdout).toBe("ready\ndenied\n");
      expect(existsSync(join(workspace, ".codex", "config"))).toBe(false);
    });

    test("a gitdir: pointer file and the directory it points to are both read-only", async () => {
      const gitdir = join(workspace, "main-repo", ".git", "worktrees", "wt");
      mkdirSync(join(gitdir, "hooks"), { recursive: true });
      writeFileSync(join(gitdir, "config"), "[core]\n");
      const worktree = join(workspace, "wt");
      mkdirSync(worktree);
      writeFileSync(join(worktree, ".git"), `gitdir: ${gitdir}\n`);
      const results = await probe(
        [
          ["append", join(gitdir, "config")],
          ["write", join(gitdir, "hooks", "post-checkout")],
          ["write", join(worktree, ".git")],
          ["write", join(worktree, "file")],
        ],
        WORKSPACE_ONLY,
        { cwd: worktree, env },
      );
      expect(results).toEqual(["EROFS", "EROFS", "EROFS", "OK"]);
      expect(readFileSync(join(worktree, ".git"), "utf8")).toBe(`gitdir: ${gitdir}\n`);
    });

    test("rename and hard-link tricks out of or into a protected subpath fail", async () => {
      makeRepo(workspace);
      writeFileSync(join(workspace, "evil"), "#!/bin/sh\n");
      const results = await probe(
        [
          ["rename", join(workspace, ".git", "config"), join(workspace, "stolen")],
          ["link", join(workspace, ".git", "config"), join(workspace, "linked")],
          ["rename", join(workspace, "evil"), join(workspace, ".git", "hooks", "pre-commit")],
          ["link", join(workspace, "evil"), join(workspace, ".git", "hooks", "post-checkout")],
          ["rename", join(workspace, ".git"), join(workspace, "old-git")],
          ["symlink", join(workspace, "evil"), join(workspace, ".git", "hooks", "pre-push")],
        ],
        WORKSPACE_ONLY,
        { cwd: workspace, env },
      );
      expect(results[0]).toMatch(/^(EROFS|EXDEV)$/);
      expect(results[1]).toMatch(/^(EROFS|EXDEV)$/);
      expect(results[2]).toMatch(/^(EROFS|EXDEV)$/);
      expect(results[3]).toMatch(/^(EROFS|EXDEV)$/);
      expect(results[4]).toBe("EBUSY");
      expect(results[5]).toBe("EROFS");
      expect(readFileSync(join(workspace, ".git", "config"), "utf8")).toBe("[core]\n");
      expect(existsSync(join(workspace, ".git", "hooks", "pre-commit"))).toBe(false);
      expect(existsSync(join(workspace, "stolen"))).toBe(false);
    });

    test("a workspace nested in a writable /tmp cannot be renamed away to free the name .git", async () => {
      const policy = parseSandboxPolicy({ type: "workspace-write", exclude_tmpdir_env_var: true });
      const results = await probe(
        [
          ["rename", workspace, `${workspace}-moved`],
          ["rename", base, `${base}-moved`],
          ["write", join(base, "in-tmp")],
        ],
        policy,
        { cwd: workspace, env },
      );
      expect(results).toEqual(["EBUSY", "EBUSY", "OK"]);
      expect(existsSync(workspace)).toBe(true);
    });

    test("paths with quotes, parentheses, semicolons, newlines and non-ASCII are carried exactly", async () => {
      const hostile = join(base, `ws 'q"(x); $(touch pwned)\n\u00e9\u6f22`);
      mkdirSync(hostile);
      makeRepo(hostile);
      const results = await probe(
        [["write", join(hostile, "file")], ["append", join(hostile, ".git", "config")], ["write", join(hostile, ".codex")]],
        WORKSPACE_ONLY,
        { cwd: hostile, env },
      );
      expect(results).toEqual(["OK", "EROFS", "EISDIR"]);
      expect(readFileSync(join(hostile, "file"), "utf8")).toBe("x");
      expect(existsSync(join(base, "pwned"))).toBe(false);
      expect(existsSync(join(hostile, ".codex"))).toBe(false);
    });

    const asRoot = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
    (asRoot ? test : test.skip)(
      `an unprivileged caller gets the same protection from a user namespace, without capabilities${asRoot ? "" : " (skipped: needs root and setpriv to become an unprivileged user)"}`,
      () => {
        const plan = prepareSandboxedCommand(
          [
            "sh",
            "-c",
            'grep CapEff /proc/self/status; echo ok > file && cat file; echo no >> .git/config; echo no > ../escaped; chmod +x file && echo mode; chmod 777 ../outside/existing',
          ],
          WORKSPACE_ONLY,
          { cwd: workspace, env },
        );
        makeRepo(workspace);
        chmodSync(base, 0o755);
        spawnSync("chown", ["-R", "65534:65534", workspace]);
        const result = spawnSync(
          "setpriv",
          ["--reuid=65534", "--regid=65534", "--clear-groups", "--", plan.program, ...plan.args],
          { cwd: workspace, env: plan.env, encoding: "utf8" },
        );
        expect(result.stdout).toBe("CapEff:\t0000000000000000\nok\nmode\n");
        expect(result.stderr).toMatch(/\.git\/config: Read-only file system/);
        expect(result.stderr).toMatch(/escaped: Read-only file system/);
        expect(result.stderr).toMatch(/existing': Read-only file system/);
        expect(statSync(join(outside, "existing")).mode & 0o777).toBe(0o644);
        expect(readFileSync(join(workspace, ".git", "config"), "utf8")).toBe("[core]\n");
      },
    );
  });

  describe("file metadata", () => {
    const changes = (path: string): [string, ...string[]][] => [["chmod", path], ["utime", path], ["chown", path], ["setxattr", path], ["removexattr", path]];

    function expectUnchanged(path: string, mode: number): void {
      const st = statSync(path);
      expect(st.mode & 0o7777).toBe(mode);
      expect(st.mtimeMs).toBeGreaterThan(0);
      expect(st.uid).toBe(process.getuid!());
    }

    test("workspace-write: outside the roots and in .git every change fails with EROFS; in the workspace chmod and utime work", async () => {
      makeRepo(workspace);
      const script = join(workspace, "build.sh");
      writeFileSync(script, "#!/bin/sh\n", { mode: 0o644 });
      const outsideFile = join(outside, "existing");
      const gitConfig = join(workspace, ".git", "config");
      const before = statSync(gitConfig).mode & 0o7777;
      const results = await probe(
        [...changes(outsideFile), ...changes(gitConfig), ["chmod", script, "755"], ["utime", script], ["write", "/dev/null"], ["pty"]],
        WORKSPACE_ONLY,
        { cwd: workspace, env },
      );
      expect(results).toEqual([...Array(10).fill("EROFS"), "OK", "OK", "OK", "OK"]);
      expectUnchanged(outsideFile, 0o644);
      expectUnchanged(gitConfig, before);
      expect(statSync(script).mode & 0o777).toBe(0o755);
      expect(statSync(script).mtimeMs).toBe(0);
    });

    test("workspace-write: the working directory is entered again, so relative paths reach the writable root", async () => {
      const results = await probe([["chmod", ".", "700"], ["write", "relative"]], WORKSPACE_ONLY, { cwd: workspace, env });
      expect(results).toEqual(["OK", "OK"]);
      expect(statSync(workspace).mode & 0o777).toBe(0o700);
    });

    test("read-only: every change fails with EPERM (seccomp, before the read-only mount tree); /dev/null and a pty still work", async () => {
      const outsideFile = join(outside, "existing");
      const results = await probe(
        [...changes(outsideFile), ...changes(workspace), ["write", "/dev/null"], ["pty"]],
        READ_ONLY_POLICY,
        { cwd: workspace, env },
      );
      expect(results).toEqual([...Array(10).fill("EPERM"), "OK", "OK"]);
      expectUnchanged(outsideFile, 0o644);
      const namespaces = await runSandboxed(["readlink", "/proc/self/ns/mnt"], READ_ONLY_POLICY, { cwd: workspace, env });
      expect(namespaces.stdout).not.toBe(spawnSync("readlink", ["/proc/self/ns/mnt"], { encoding: "utf8" }).stdout);
    });
  });

  describe("network (seccomp)", () => {
    let tcpServer: Server;
    let unixServer: Server;
    let tcpPort: number;
    let socketPath: string;

    beforeAll(async () => {
      tcpServer = createNetServer((socket) => socket.end());
      tcpServer.listen(0, "127.0.0.1");
      await once(tcpServer, "listening");
      tcpPort = (tcpServer.address() as { port: number }).port;
      socketPath = join(base, "bridge.sock");
      unixServer = createNetServer((socket) => socket.end());
      unixServer.listen(socketPath);
      await once(unixServer, "listening");
    });
    afterAll(() => {
      tcpServer.close();
      unixServer.close();
    });

    test("without network: TCP and UDP stay in the sandbox's own loopback, other families fail with EPERM; a Unix socket connects", async () => {
      const udp = createSocket("udp4");
      let received = 0;
      udp.on("message", () => received++);
      tcpServer.on("connection", () => received++);
      udp.bind(0, "127.0.0.1");
      await once(udp, "listening");
      const udpPort = udp.address().port;
      try {
        const results = await probe(
          [
            ["tcp", "127.0.0.1", String(tcpPort)],
            ["udp", "127.0.0.1", String(udpPort)],
            ["socket", "AF_INET6"],
            ["socket", "AF_NETLINK", "SOCK_RAW"],
            ["socket", "AF_PACKET", "SOCK_RAW"],
            ["socket", "AF_INET", "SOCK_RAW", "1"],
            ["unix", socketPath],
          ],
          READ_ONLY_POLICY,
          { cwd: workspace, env, allowUnixSockets: [socketPath] },
        );
        // Nothing listens on the sandbox's loopback; a raw socket needs CAP_NET_RAW, which the command lacks.
        expect(results).toEqual(["ECONNREFUSED", "OK", "OK", "EPERM", "EPERM", "EPERM", "OK"]);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(received).toBe(0);
      } finally {
        tcpServer.removeAllListeners("connection");
        udp.close();
      }
    });

    test("without network and without a network namespace of its own (downgraded): only Unix sockets", async () => {
      const linux = { simulateNoNamespaces: true, terminal: "best-effort", networkNamespace: "best-effort" } as const;
      const results = await probe(
        [["tcp", "127.0.0.1", String(tcpPort)], ["socket", "AF_INET6"], ["socket", "AF_NETLINK", "SOCK_RAW"], ["unix", socketPath]],
        READ_ONLY_POLICY,
        { cwd: workspace, env, allowUnixSockets: [socketPath], linux },
      );
      expect(results).toEqual(["EPERM", "EPERM", "EPERM", "OK"]);
    });

    test("with network: TCP connects", async () => {
      const results = await probe([["tcp", "127.0.0.1", String(tcpPort)]], NETWORK_ON, { cwd: workspace, env });
      expect(results).toEqual(["OK"]);
    });

    test("io_uring and mount fail with EPERM whatever the network setting; ptrace only without a PID namespace", async () => {
      for (const policy of [READ_ONLY_POLICY, NETWORK_ON]) {
        const results = await probe([["io_uring"], ["ptrace"], ["mount", workspace]], policy, { cwd: workspace, env });
        expect(results).toEqual(["EPERM", "OK", "EPERM"]);
      }
      const linux = { simulateNoNamespaces: true, terminal: "best-effort", networkNamespace: "best-effort" } as const;
      expect(await probe([["ptrace"]], NETWORK_ON, { cwd: workspace, env, linux })).toEqual(["EPERM"]);
    });
  });

  describe("/tmp and $TMPDIR", () => {
    test("/tmp is writable unless exclude_slash_tmp", async () => {
      const target = join(base, "from-sandbox");
      const included = parseSandboxPolicy({ type: "workspace-write", exclude_tmpdir_env_var: true });
      const excluded = parseSandboxPolicy({ type: "workspace-write", exclude_tmpdir_env_var: true, exclude_slash_tmp: true });
      expect(await probe([["write", target]], included, { cwd: workspace, env })).toEqual(["OK"]);
      rmSync(target);
      expect(await probe([["write", target]], excluded, { cwd: workspace, env })).toEqual(["EROFS"]);
    });

    test("$TMPDIR is writable unless exclude_tmpdir_env_var", async () => {
      const tmpdirRoot = mkdtempSync(join(base, "tmpdir-"));
      const withTmpdir = { ...process.env, TMPDIR: tmpdirRoot };
      const included = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true });
      const excluded = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });
      const target = join(tmpdirRoot, "file");
      expect(await probe([["write", target]], included, { cwd: workspace, env: withTmpdir })).toEqual(["OK"]);
      rmSync(target);
      expect(await probe([["write", target]], excluded, { cwd: workspace, env: withTmpdir })).toEqual(["EROFS"]);
    });
  });

  describe("the command's process", () => {
    // The launcher always stays as the parent of the sandbox (PID 1 of its PID namespace, then the command).
    const modes: [string, SandboxPolicy][] = [
      ["read-only", READ_ONLY_POLICY],
      ["workspace-write", WORKSPACE_ONLY],
    ];

    test.each(modes)("exit status and a killing signal come back unchanged (%s)", async (_mode, policy) => {
      expect((await runSandboxed(["sh", "-c", "exit 7"], policy, { cwd: workspace, env })).code).toBe(7);
      const killed = await runSandboxed(["sh", "-c", "kill -TERM $$; sleep 5"], policy, { cwd: workspace, env });
      expect(killed).toMatchObject({ code: null, signal: "SIGTERM" });
      const missing = await runSandboxed(["no-such-command-here"], policy, { cwd: workspace, env });
      expect(missing.code).toBe(127);
      expect(missing.stderr).toMatch(/no-such-command-here: No such file or directory/);
    });

    test.each(modes)("argv[0] is kept as given and a signal sent to the child reaches the command (%s)", async (_mode, policy) => {
      const child = spawnSandboxed(["sh", "-c", "tr '\\0' ' ' < /proc/$$/cmdline; echo; echo $$; exec sleep 30"], policy, {
        cwd: workspace,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const outcome = outcomeOf(child);
      let printed = "";
      while (!/\n\d+\n/.test(printed)) printed += ((await once(child.stdout!, "data")) as Buffer[])[0]!.toString();
      child.kill("SIGTERM");
      const result = await outcome;
      expect(result.stdout).toMatch(/^sh -c /);
      // The command is the first process PID 1 of the sandbox starts.
      expect(Number(result.stdout.trim().split("\n").pop())).toBe(2);
      expect(result).toMatchObject({ code: null, signal: "SIGTERM" });
      expect(existsSync(join(workspace, ".codex"))).toBe(false);
    });
  });

  describe("fail closed", () => {
    const launcher = () => prepareSandboxedCommand(["true"], READ_ONLY_POLICY, { cwd: workspace, env }).program;

    test("the library refuses up front when Landlock is missing, and nothing runs", () => {
      const marker = join(workspace, "marker");
      const spawn = () =>
        spawnSandboxed(["sh", "-c", `touch '${marker}'`], WORKSPACE_ONLY, { cwd: workspace, env, linux: { simulateLandlockAbi: 0 } });
      expect(spawn).toThrow(UnsupportedOperationError);
      expect(spawn).toThrow(/Linux sandbox backend needs Landlock/);
      expect(existsSync(marker)).toBe(false);
    });

    test("the launcher exits 125 naming landlock when the ABI is too old, and runs nothing", () => {
      const marker = join(workspace, "marker");
      for (const abi of ["0", "2"]) {
        const result = spawnSync(launcher(), ["--simulate-landlock-abi", abi, "--", "touch", marker], { encoding: "utf8" });
        expect(result.status).toBe(125);
        expect(result.stderr).toMatch(/^cordon-linux-sandbox: landlock: /);
        expect(existsSync(marker)).toBe(false);
      }
    });

    test("best-effort landlock runs the command with a warning", () => {
      const marker = join(workspace, "marker");
      const result = spawnSync(
        launcher(),
        ["--simulate-landlock-abi", "0", "--best-effort", "landlock", "--writable-root", workspace, "--", "touch", marker],
        { encoding: "utf8" },
      );
      expect(result.stderr).toMatch(/warning: continuing without full landlock protection/);
      expect(result.status).toBe(0);
      expect(existsSync(marker)).toBe(true);
    });

    test("without namespaces the launch stops, naming each protection that needs one, until each is downgraded", () => {
      // Inside a sandbox no namespace can be made: a nested launcher meets that refusal.
      makeRepo(workspace);
      const inner = [launcher(), "--writable-root", workspace, "--read-only-subpath", join(workspace, ".git")];
      const run = (...downgraded: string[]) => {
        const args = [...inner, ...downgraded.flatMap((name) => ["--best-effort", name]), "--", "echo", "ran"];
        const outer = prepareSandboxedCommand(args, NETWORK_ON, { cwd: workspace, env });
        return spawnSync(outer.program, outer.args, { encoding: "utf8", env: outer.env });
      };
      const order = ["file-metadata", "read-only-subpaths", "terminal", "network-namespace"];
      for (let i = 0; i < order.length; i++) {
        const refused = run(...order.slice(0, i));
        expect(refused).toMatchObject({ status: 125, stdout: "" });
        expect(refused.stderr).toMatch(new RegExp(`^cordon-linux-sandbox: ${order[i]}: `, "m"));
      }
      const ran = run(...order);
      expect(ran.stdout).toBe("ran\n");
      for (const name of order) expect(ran.stderr).toMatch(`warning: continuing without full ${name} protection`);
    });

    test("bad launcher arguments exit 125 before anything runs", () => {
      for (const args of [["--writable-root", "relative", "--", "true"], ["--bogus", "--", "true"], ["--"], ["--best-effort", "nothing", "--", "true"]]) {
        const result = spawnSync(launcher(), args, { encoding: "utf8" });
        expect(result.status).toBe(125);
        expect(result.stderr).toMatch(/^cordon-linux-sandbox: usage: /);
      }
    });
  });
});
