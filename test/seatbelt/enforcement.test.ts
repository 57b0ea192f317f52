import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { createSeatbeltCommandArgs, SANDBOX_EXEC_PATH } from "../../src/seatbelt/index.js";
import { describeUnless } from "../support/skip.js";

// Only macOS has sandbox-exec: there the generated profiles are run for real,
// trying the forbidden thing and the allowed thing. Everywhere else the
// profiles are checked by the other suites of this folder.
const onMacOS = process.platform === "darwin";
const describeOnMacOS = describeUnless(onMacOS ? null : `sandbox-exec exists only on macOS, this host is ${process.platform}`);

describeOnMacOS("Seatbelt enforcement", () => {
  let base: string;
  let repo: string;
  let outside: string;
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "cordon-seatbelt-run-")));
    repo = join(base, "repo");
    outside = join(base, "outside");
    mkdirSync(join(repo, ".git"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.txt"), "secret\n");
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  function run(policy: unknown, script: string, allowUnixSockets: string[] = []) {
    const args = createSeatbeltCommandArgs(["/bin/sh", "-c", script], parseSandboxPolicy(policy), {
      cwd: repo,
      allowUnixSockets,
    });
    return spawnSync(SANDBOX_EXEC_PATH, args, { cwd: repo, encoding: "utf8", timeout: 60_000 });
  }

  const workspace = { type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true };

  test("workspace-write: writing in the workspace works, .git and other folders are refused", () => {
    expect(run(workspace, "echo ok > ok.txt").status).toBe(0);
    expect(readFileSync(join(repo, "ok.txt"), "utf8")).toBe("ok\n");
    const intoGit = run(workspace, "echo x > .git/config");
    expect(intoGit.status).not.toBe(0);
    expect(intoGit.stderr).toMatch(/Operation not permitted/);
    const elsewhere = run(workspace, `echo x > '${join(outside, "x.txt")}'`);
    expect(elsewhere.status).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/Operation not permitted/);
  });

  test("read-only: nothing is written anywhere, reads work", () => {
    expect(run({ type: "read-only" }, `cat '${join(outside, "secret.txt")}'`).stdout).toBe("secret\n");
    expect(run({ type: "read-only" }, "echo x > ok.txt").status).not.toBe(0);
  });

  test("restricted reads: the workspace is readable, other folders are not", () => {
    writeFileSync(join(repo, "mine.txt"), "mine\n");
    const policy = { type: "read-only", access: { type: "restricted" } };
    expect(run(policy, "cat mine.txt").stdout).toBe("mine\n");
    const secret = run(policy, `cat '${join(outside, "secret.txt")}'`);
    expect(secret.status).not.toBe(0);
    expect(secret.stderr).toMatch(/Operation not permitted/);
  });

  test("restricted reads: the data volume's path to another folder is refused too", () => {
    const policy = { type: "read-only", access: { type: "restricted" } };
    const secret = run(policy, `cat '/System/Volumes/Data${join(outside, "secret.txt")}'`);
    expect(secret.stdout).toBe("");
    expect(secret.status).not.toBe(0);
  });

  test("restricted reads with platform defaults: everyday tools start (perl's shasum, git's shim, date, ls -l, stderr by name)", () => {
    writeFileSync(join(repo, "mine.txt"), "mine\n");
    const policy = { type: "read-only", access: { type: "restricted" } };
    const result = run(policy, "shasum mine.txt && git --version && date +%Y && ls -l mine.txt && echo to-stderr >/dev/stderr");
    expect(result.stderr).toBe("to-stderr\n");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{40} {2}mine\.txt\ngit version /);
  });

  test("Node's os.cpus() and os.totalmem() work inside the base policy", () => {
    const script = 'const os = require("os"); console.log(os.cpus().length > 0 && os.cpus()[0].model !== "" && os.totalmem() > 0)';
    const result = run({ type: "read-only" }, `'${process.execPath}' -e '${script}'`);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("true\n");
  });

  describe("Unix sockets with the network off", () => {
    let servers: Server[] = [];
    afterEach(async () => {
      await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
      servers = [];
    });

    async function listen(path: string): Promise<void> {
      const server = createServer((socket) => socket.end("hello\n"));
      servers.push(server);
      await new Promise<void>((done, fail) => server.once("error", fail).listen(path, () => done()));
    }

    test("the allowed socket can be reached, another one cannot", async () => {
      const allowed = join(base, "allowed.sock");
      const other = join(base, "other.sock");
      await listen(allowed);
      await listen(other);
      const client =
        'require("net").connect(process.argv[1])' +
        '.on("data", (d) => process.stdout.write(d))' +
        '.on("error", (e) => { console.error(e.code); process.exit(3); })';
      const connect = (path: string) => `'${process.execPath}' -e '${client}' '${path}'`;
      const policy = { type: "read-only" };
      // spawnSync would block the servers' event loop, so the clients run asynchronously.
      const runAsync = (path: string) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
          const args = createSeatbeltCommandArgs(["/bin/sh", "-c", connect(path)], parseSandboxPolicy(policy), {
            cwd: repo,
            allowUnixSockets: [allowed],
          });
          execFile(SANDBOX_EXEC_PATH, args, { timeout: 60_000 }, (error, stdout, stderr) =>
            done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
      expect(await runAsync(allowed)).toMatchObject({ code: 0, stdout: "hello\n" });
      const refused = await runAsync(other);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/EPERM|EACCES/);
    });
  });
});

