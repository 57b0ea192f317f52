import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolicyError } from "../../src/errors.js";
import { checkWritableRootsExist, parseSandboxPolicy, readableRoots, writableRoots, type PathInspector } from "../../src/index.js";

let base: string;
beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "cordon-roots-")));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function dir(...parts: string[]): string {
  const path = join(base, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

const noTmp = { exclude_slash_tmp: true, exclude_tmpdir_env_var: true };

describe("writableRoots", () => {
  test("configured roots, then cwd, then /tmp, then $TMPDIR, in that order", () => {
    const a = dir("a");
    const cwd = dir("cwd");
    const tmp = dir("tmpdir");
    const policy = parseSandboxPolicy({ type: "workspace-write", writable_roots: [a] });
    const roots = writableRoots(policy, { cwd, env: { TMPDIR: tmp } }).map((r) => r.root);
    expect(roots).toEqual([a, cwd, realpathSync("/tmp"), tmp]);
  });

  test("exclude_slash_tmp and exclude_tmpdir_env_var leave them out", () => {
    const cwd = dir("cwd");
    const tmp = dir("tmpdir");
    const policy = parseSandboxPolicy({ type: "workspace-write", ...noTmp });
    expect(writableRoots(policy, { cwd, env: { TMPDIR: tmp } }).map((r) => r.root)).toEqual([cwd]);
  });

  test("a $TMPDIR that is relative or missing is not a root", () => {
    const cwd = dir("cwd");
    const policy = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true });
    expect(writableRoots(policy, { cwd, env: { TMPDIR: "relative/tmp" } }).map((r) => r.root)).toEqual([cwd]);
    expect(writableRoots(policy, { cwd, env: { TMPDIR: join(base, "missing") } }).map((r) => r.root)).toEqual([cwd]);
  });

  test("duplicates collapse to the first occurrence, compared canonically", () => {
    const cwd = dir("cwd");
    symlinkSync(cwd, join(base, "link"));
    const policy = parseSandboxPolicy({ type: "workspace-write", writable_roots: [join(base, "link"), cwd], ...noTmp });
    expect(writableRoots(policy, { cwd }).map((r) => r.root)).toEqual([cwd]);
  });

  test("a root that does not exist yet is canonicalised through its existing ancestor", () => {
    const real = dir("real");
    symlinkSync(real, join(base, "link"));
    const policy = parseSandboxPolicy({ type: "workspace-write", writable_roots: [join(base, "link", "later", "x")], ...noTmp });
    expect(writableRoots(policy, { cwd: real })[0]!.root).toBe(join(real, "later", "x"));
  });

  test(".git and .codex stay read-only whether or not they exist", () => {
    const repo = dir("repo");
    dir("repo", ".git", "hooks");
    const plain = dir("plain");
    const policy = parseSandboxPolicy({ type: "workspace-write", writable_roots: [repo], ...noTmp });
    const roots = writableRoots(policy, { cwd: plain });
    expect(roots).toEqual([
      { root: repo, readOnlySubpaths: [join(repo, ".git"), join(repo, ".codex")] },
      { root: plain, readOnlySubpaths: [join(plain, ".git"), join(plain, ".codex")] },
    ]);
  });

  test("a gitdir: pointer file protects itself and the directory it points to", () => {
    const main = dir("main");
    const worktreeGitDir = dir("main", ".git", "worktrees", "feature");
    const worktree = dir("feature");
    writeFileSync(join(worktree, ".git"), "gitdir: ../main/.git/worktrees/feature\n");
    const policy = parseSandboxPolicy({ type: "workspace-write", ...noTmp });
    const [root] = writableRoots(policy, { cwd: worktree });
    expect(root!.readOnlySubpaths).toEqual([join(worktree, ".git"), worktreeGitDir, join(worktree, ".codex")]);
    expect(main).toBeTruthy();
  });

  test("an absolute gitdir: pointer works too", () => {
    const target = dir("elsewhere", "modules", "sub");
    const sub = dir("sub");
    writeFileSync(join(sub, ".git"), `gitdir: ${target}`);
    const policy = parseSandboxPolicy({ type: "workspace-write", ...noTmp });
    expect(writableRoots(policy, { cwd: sub })[0]!.readOnlySubpaths).toContain(target);
  });

  test("a symlinked .git protects both the link and its target", () => {
    const target = dir("gitstore");
    const repo = dir("repo");
    symlinkSync(target, join(repo, ".git"));
    const policy = parseSandboxPolicy({ type: "workspace-write", ...noTmp });
    expect(writableRoots(policy, { cwd: repo })[0]!.readOnlySubpaths).toEqual([join(repo, ".git"), target, join(repo, ".codex")]);
  });

  test("the host's protected names replace the default", () => {
    const cwd = dir("cwd");
    const policy = parseSandboxPolicy({ type: "workspace-write", ...noTmp });
    const [root] = writableRoots(policy, { cwd, protectedNames: [".agent", "secrets (prod)"] });
    expect(root!.readOnlySubpaths).toEqual([join(cwd, ".git"), join(cwd, ".agent"), join(cwd, "secrets (prod)")]);
  });

  test("policies other than workspace-write have no writable roots", () => {
    for (const type of ["read-only", "danger-full-access", "external-sandbox"]) {
      expect(writableRoots(parseSandboxPolicy({ type }), { cwd: base })).toEqual([]);
    }
  });

  test("the filesystem is passed in, so any layout can be described", () => {
    const files: Record<string, "directory" | "file"> = { "/w": "directory", "/w/.git": "file", "/g/wt": "directory" };
    const fs: PathInspector = {
      realpath: (p) => (p in files ? p : null),
      kind: (p) => files[p] ?? null,
      readText: (p) => (p === "/w/.git" ? "gitdir: /g/wt\n" : null),
    };
    const policy = parseSandboxPolicy({ type: "workspace-write" });
    expect(writableRoots(policy, { cwd: "/w", env: {}, fs })).toEqual([
      { root: "/w", readOnlySubpaths: ["/w/.git", "/g/wt", "/w/.codex"] },
    ]);
  });
});

describe("readableRoots", () => {
  test("full read access has no readable roots to list", () => {
    expect(readableRoots(parseSandboxPolicy({ type: "read-only" }), base)).toBeNull();
    expect(readableRoots(parseSandboxPolicy({ type: "workspace-write" }), base)).toBeNull();
  });

  test("restricted reads: configured roots, then cwd", () => {
    const data = dir("data");
    const cwd = dir("cwd");
    const policy = parseSandboxPolicy({ type: "read-only", access: { type: "restricted", readable_roots: [data] } });
    expect(readableRoots(policy, cwd)).toEqual([data, cwd]);
  });

  test("restricted reads under workspace-write add the writable roots, first occurrence wins", () => {
    const data = dir("data");
    const out = dir("out");
    const cwd = dir("cwd");
    const policy = parseSandboxPolicy({
      type: "workspace-write",
      writable_roots: [out, data],
      read_only_access: { type: "restricted", readable_roots: [data, cwd] },
      ...noTmp,
    });
    expect(readableRoots(policy, { cwd })).toEqual([data, cwd, out]);
  });

  test("writable roots computed already are taken as given, not computed again", () => {
    const cwd = dir("cwd");
    const policy = parseSandboxPolicy({ type: "workspace-write", read_only_access: { type: "restricted" }, ...noTmp });
    const precomputed = [{ root: "/precomputed", readOnlySubpaths: [] }];
    expect(readableRoots(policy, { cwd, writableRoots: precomputed })).toEqual([cwd, "/precomputed"]);
  });
});

describe("checkWritableRootsExist", () => {
  test("names a configured root that is missing or not a directory; the cwd and /tmp are not its concern", () => {
    const present = dir("present");
    const file = join(base, "file");
    writeFileSync(file, "");
    const missing = join(base, "missing");
    const check = (roots: string[]) => () => checkWritableRootsExist(parseSandboxPolicy({ type: "workspace-write", writable_roots: roots }));
    expect(check([present])).not.toThrow();
    expect(check([present, missing, file])).toThrow(new PolicyError(`writable root ${missing} does not exist`));
    expect(check([file, missing])).toThrow(new PolicyError(`writable root ${file} is not a directory`));
    expect(() => checkWritableRootsExist(parseSandboxPolicy({ type: "read-only" }))).not.toThrow();
  });
});

describe("gitdir: pointer files as git writes them and as people edit them", () => {
  const layout = (pointer: string) => {
    const files: Record<string, "directory" | "file"> = { "/w": "directory", "/w/.git": "file" };
    const fs: PathInspector = { realpath: (p) => (p in files ? p : null), kind: (p) => files[p] ?? null, readText: () => pointer };
    return writableRoots(parseSandboxPolicy({ type: "workspace-write" }), { cwd: "/w", env: {}, fs, protectedNames: [] })[0]!.readOnlySubpaths;
  };

  test("blanks around the target are not part of it, and the line may come after others", () => {
    expect(layout("gitdir:   ../g/wt  \r\n")).toEqual(["/w/.git", "/g/wt"]);
    expect(layout("# moved\ngitdir: /g/wt\n")).toEqual(["/w/.git", "/g/wt"]);
  });

  test("a file that is not a pointer adds nothing", () => {
    expect(layout("")).toEqual(["/w/.git"]);
    expect(layout("gitdir:\n")).toEqual(["/w/.git"]);
    expect(layout("worktree: /g/wt\n")).toEqual(["/w/.git"]);
    expect(layout("oldgitdir: /g/wt\n")).toEqual(["/w/.git"]);
  });
});
