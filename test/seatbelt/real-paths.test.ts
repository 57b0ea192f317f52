import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs } from "../../src/seatbelt/index.js";
import { readSandboxExecArgs, rulesOf } from "./support.js";

// The same generation against real directories, symlinks, `gitdir:` pointer
// files and a listening socket, read through Node's filesystem.

let base: string;
beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "cordon-seatbelt-")));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function dir(...parts: string[]): string {
  const path = join(base, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

const workspaceWrite = (roots: string[]) =>
  parseSandboxPolicy({ type: "workspace-write", writable_roots: roots, exclude_slash_tmp: true, exclude_tmpdir_env_var: true });

/** For each writable root: its path and the subpaths the write rule excludes from it. */
function writableRootsOf(args: string[]): { root: string; excluded: string[] }[] {
  const { profile, parameters } = readSandboxExecArgs(args);
  expect(checkSeatbeltProfile(args)).toEqual([]);
  const values = new Map(parameters);
  const writeRule = rulesOf(profile).find((rule) => rule.startsWith("(allow file-write* "))!;
  const roots: { root: string; excluded: string[] }[] = [];
  for (const [key, value] of parameters) {
    const match = /^WRITABLE_ROOT_(\d+)$/.exec(key);
    if (!match) continue;
    const excludedKeys = parameters.map(([k]) => k).filter((k) => k.startsWith(`${key}_RO_`));
    for (const k of excludedKeys) {
      expect(writeRule).toContain(`(require-not (subpath (param "${k}")))`);
      expect(writeRule).toContain(`(require-not (literal (param "${k}")))`);
    }
    expect(writeRule).toContain(`(subpath (param "${key}"))`);
    roots.push({ root: value, excluded: excludedKeys.map((k) => values.get(k)!) });
  }
  return roots;
}

describe("writes on a real filesystem", () => {
  test("a repository's .git directory and .codex stay excluded", () => {
    const repo = dir("repo");
    dir("repo", ".git", "hooks");
    const args = createSeatbeltCommandArgs(["true"], workspaceWrite([]), { cwd: repo, darwinUserCacheDir: null });
    expect(writableRootsOf(args)).toEqual([{ root: repo, excluded: [join(repo, ".git"), join(repo, ".codex")] }]);
  });

  test("a worktree's gitdir: pointer excludes both the pointer file and the directory it names", () => {
    const main = dir("main");
    const gitdir = dir("main", ".git", "worktrees", "wt");
    const worktree = dir("wt");
    writeFileSync(join(worktree, ".git"), "gitdir: ../main/.git/worktrees/wt\n");
    const args = createSeatbeltCommandArgs(["true"], workspaceWrite([main]), { cwd: worktree, darwinUserCacheDir: null });
    expect(writableRootsOf(args)).toEqual([
      { root: main, excluded: [join(main, ".git"), join(main, ".codex")] },
      { root: worktree, excluded: [join(worktree, ".git"), gitdir, join(worktree, ".codex")] },
    ]);
  });

  test("a gitdir: pointer through a symlink is excluded at its canonical place", () => {
    const realGit = dir("store", "modules", "sub");
    symlinkSync(join(base, "store"), join(base, "store-link"));
    const sub = dir("sub");
    writeFileSync(join(sub, ".git"), `gitdir: ${join(base, "store-link", "modules", "sub")}\n`);
    const args = createSeatbeltCommandArgs(["true"], workspaceWrite([]), { cwd: sub, darwinUserCacheDir: null });
    expect(writableRootsOf(args)[0]!.excluded).toEqual([join(sub, ".git"), realGit, join(sub, ".codex")]);
  });

  test("a workspace reached through a symlink is granted at its canonical path", () => {
    const real = dir("real");
    symlinkSync(real, join(base, "link"));
    const args = createSeatbeltCommandArgs(["true"], workspaceWrite([]), { cwd: join(base, "link"), darwinUserCacheDir: null });
    expect(writableRootsOf(args).map((r) => r.root)).toEqual([real]);
  });

  test("a protected name that is a symlink is excluded as named and where it points", () => {
    const repo = dir("repo");
    const elsewhere = dir("elsewhere");
    symlinkSync(elsewhere, join(repo, ".codex"));
    const args = createSeatbeltCommandArgs(["true"], workspaceWrite([]), { cwd: repo, darwinUserCacheDir: null });
    expect(writableRootsOf(args)[0]!.excluded).toEqual([join(repo, ".git"), join(repo, ".codex"), elsewhere]);
  });
});

describe("a listening Unix socket reached through a symlinked folder", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  test("is allowed under both the path given and its canonical path", async () => {
    const real = dir("run");
    symlinkSync(real, join(base, "run-link"));
    const socket = join(real, "bridge.sock");
    server = createServer();
    await new Promise<void>((done, fail) => server!.once("error", fail).listen(socket, () => done()));
    const given = join(base, "run-link", "bridge.sock");
    const args = createSeatbeltCommandArgs(["true"], parseSandboxPolicy({ type: "read-only" }), {
      cwd: base,
      allowUnixSockets: [given],
      darwinUserCacheDir: null,
    });
    expect(checkSeatbeltProfile(args)).toEqual([]);
    expect(readSandboxExecArgs(args).parameters).toEqual([
      ["ALLOWED_UNIX_SOCKET_0", given],
      ["ALLOWED_UNIX_SOCKET_1", socket],
    ]);
  });
});
