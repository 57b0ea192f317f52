/**
 * What `cordon --help` and `cordon <command> --help` print, and the synopsis
 * shown with usage errors. Kept apart from the commands so that help and
 * dispatch load none of them.
 */

/** The shells `cordon shell --shell` accepts. */
export const SHELLS = ["bash", "sh", "zsh"] as const;
export type ShellName = (typeof SHELLS)[number];

/** The policy shorthands of `run` and `shell`, for simple cases without a JSON file. */
const policyShorthands = "[--sandbox read-only|workspace-write|danger-full-access] [--writable-root DIR]... [--network]";
/** The network through cordon's proxy. */
const networkFlags = "[--allow-domain PATTERN]... [--deny-domain PATTERN]... [--allow-local-addresses]";
/** What reaches the command besides the policy: its environment, the Linux opt-in of restricted reads, host Unix sockets, the run's limits. */
const runFlags = "[--env-inherit all|core|none] [--enforce-restricted-reads] [--allow-unix-socket PATH]... [--limit NAME=VALUE]...";

export const usages = {
  seatbelt: "cordon seatbelt [--policy FILE] [--cwd DIR] [--allow-unix-socket PATH]... -- CMD...",
  run: `cordon run [--policy FILE | ${policyShorthands}] ${runFlags} ${networkFlags} [--cwd DIR] [--platform linux|darwin|win32] [--dry-run] -- CMD...`,
  policyShow: `cordon policy show [--policy FILE] [--cwd DIR] [--rules FILE]... ${networkFlags}`,
  policyCheck: "cordon policy check --rules FILE... [--resolve-host-executables] [--pretty] -- CMD...",
  policyTest: "cordon policy test --rules FILE...",
  shell:
    `cordon shell [--policy FILE | ${policyShorthands}] ${runFlags} ${networkFlags} [--rules FILE]... [--approval-policy MODE] [--audit FILE] ` +
    `[--approvals best-effort] [--cwd DIR] [--shell ${SHELLS.join("|")}] -c SCRIPT`,
} as const;

export const policyUsage = [usages.policyShow, usages.policyCheck, usages.policyTest].join("\n       ");

const policyOptionsHelp = [
  "  --policy FILE          the sandbox policy, Codex JSON (`-` reads it from stdin); default read-only",
  "  --sandbox MODE         read-only | workspace-write | danger-full-access, instead of --policy",
  "  --writable-root DIR    with --sandbox workspace-write: one more writable directory (repeatable)",
  "  --network              allow network access (default: none); through the proxy when the rules hold a network_rule",
  "  --allow-domain PATTERN network only through cordon's proxy, to this host (`x`) or its subdomains (`*.x`); repeatable",
  "  --deny-domain PATTERN  refused by the proxy, whatever the allow list says; repeatable",
  "  --allow-local-addresses",
  "                         let the proxy reach loopback, private, link-local and metadata addresses",
  "  --env-inherit MODE     the environment the command gets: all (default) | core | none; names matching",
  "                         *KEY*, *SECRET* or *TOKEN* are always dropped",
  "  --enforce-restricted-reads",
  "                         Linux: enforce a policy's restricted reads (Landlock, a fresh root) instead of refusing it",
  "  --allow-unix-socket PATH",
  "                         a Unix socket of the host the command may connect to, network or not (repeatable)",
];

export const runHelp = [
  `usage: ${usages.run}`,
  "",
  "Runs CMD in the sandbox on this host; its exit status is cordon's. cordon exits 125 when it fails before CMD runs.",
  "",
  ...policyOptionsHelp,
  "  --cwd DIR              the directory CMD runs in (default: the current one)",
  "  --platform OS          build the plan for another OS; needs --dry-run unless OS is this one",
  "  --dry-run              print {program, args, env} as JSON instead of running",
].join("\n");

export const shellHelp = [
  `usage: ${usages.shell}`,
  "",
  "Runs SCRIPT with every exec inside it decided by rules, heuristics and, when stdin is a terminal, you.",
  "",
  ...policyOptionsHelp,
  "  --rules FILE           a .rules file (repeatable)",
  "  --approval-policy MODE when to ask (default on-request):",
  "      untrusted          ask for every command not known to be safe",
  "      on-failure         as on-request (no command is retried outside the sandbox)",
  "      on-request         ask where a rule says prompt, or the command looks destructive",
  "      never              never ask: what would need asking is denied",
  "  --approvals best-effort",
  "                         where nothing on this host can intercept the script's execs (macOS), run it anyway",
  "                         and say what went unasked; by default that is refused. On Linux every exec is asked,",
  "                         also under --sandbox danger-full-access (the exec supervisor runs alone)",
  "  --audit FILE           append one JSON line per exec",
  "  --cwd DIR              the directory SCRIPT runs in (default: the current one)",
  `  --shell SHELL          ${SHELLS.join(" | ")} (default bash)`,
  "  -c SCRIPT              the script to run",
  "",
  "On a terminal, each command that needs approval is asked about: [y]es, [s]ession (yes to the same command for",
  "the rest of the run), [n]o (the default: an empty line), or [x] abort: the whole command is stopped and",
  "cordon exits 130, as after ^C. Without a terminal on stdin, a command that needs approval is denied, and stdin",
  "is passed to SCRIPT.",
].join("\n");
