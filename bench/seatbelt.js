// Seatbelt profile generation (SPEC §9: a 10-root policy, >= 20,000 profiles/s).
//
// ours:     createSeatbeltCommandArgs for a workspace-write policy with 10
//           writable roots (each with .git and .codex excluded), restricted
//           reads with the platform defaults, network, and the exec-bridge
//           socket: 10 writable + 10 readable roots, 20 read-only subpaths.
// baseline: the same call for a 1-root policy (cwd only), in the same run.
//
// The filesystem is described in memory so the rate is that of generation;
// a second row repeats the 10-root case against real folders through Node's
// filesystem, where realpath and stat calls dominate.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSeatbeltCommandArgs, parseSandboxPolicy } from "../dist/index.js";
import { rateRounds, row, summarize } from "./lib.js";

const TARGET = 20_000;
const command = ["/bin/zsh", "-lc", "make test"];

const described = {
  realpath: (path) => path,
  kind: (path) => (path.endsWith("/.git") || path.endsWith("/.codex") ? null : "directory"),
  readText: () => null,
};

function policyWith(roots) {
  return parseSandboxPolicy({
    type: "workspace-write",
    writable_roots: roots,
    network_access: true,
    exclude_slash_tmp: true,
    exclude_tmpdir_env_var: true,
    read_only_access: { type: "restricted", readable_roots: [] },
  });
}

function rate(policy, options) {
  const generate = () => createSeatbeltCommandArgs(command, policy, options);
  generate(); // loads the fragments before measuring
  return summarize(rateRounds(generate, { ms: 300, rounds: 5 }));
}

export async function run() {
  const options = {
    cwd: "/Users/me/project",
    env: {},
    fs: described,
    allowUnixSockets: ["/private/tmp/cordon/bridge.sock"],
    darwinUserCacheDir: "/private/var/folders/zz/C",
  };
  const tenRoots = Array.from({ length: 9 }, (_, i) => `/Users/me/extra-${i}`);
  const ten = rate(policyWith(tenRoots), options);
  const one = rate(policyWith([]), options);
  const rows = [
    row({
      name: "seatbelt: 10-root profiles/s (in-memory fs; baseline 1 root)",
      unit: "profiles/s",
      ours: ten,
      baseline: one,
      target: `>= ${TARGET.toLocaleString("en-US")}/s`,
      met: ten.median >= TARGET,
    }),
  ];

  const base = realpathSync(mkdtempSync(join(tmpdir(), "cordon-bench-seatbelt-")));
  try {
    const realRoots = tenRoots.map((_, i) => join(base, `extra-${i}`));
    for (const root of realRoots) mkdirSync(join(root, ".git"), { recursive: true });
    const repo = join(base, "repo");
    mkdirSync(join(repo, ".git"), { recursive: true });
    const realOptions = { ...options, cwd: repo, fs: undefined };
    const tenReal = rate(policyWith(realRoots), realOptions);
    const oneReal = rate(policyWith([]), realOptions);
    rows.push(
      row({
        name: "seatbelt: 10-root profiles/s (Node fs, real folders; baseline 1 root)",
        unit: "profiles/s",
        ours: tenReal,
        baseline: oneReal,
        target: "reported",
        note: "realpath/stat of every root and protected path, on each call",
      }),
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return rows;
}
