// Side by side with a peer: Anthropic's sandbox-runtime (`srt`) against
// `cordon run`, each wrapping `true` from the command line, with a plain
// spawn of `true` as the common baseline. The peer is installed from the npm
// registry into bench/.peer on first use; it needs bwrap, socat and rg.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { notRun, row, summarize, timeRuns } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const peerDir = join(here, ".peer");
const srt = join(peerDir, "node_modules", ".bin", "srt");
const cordon = join(here, "..", "dist", "cli", "main.js");
const target = "(peer: ~500 ms/call)";

function runToEnd(program, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: "ignore", ...options });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${program} ${args.join(" ")} exited ${code}`))));
  });
}

function missingTools() {
  return ["bwrap", "socat", "rg"].filter((tool) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
}

function installPeer() {
  if (existsSync(srt)) return null;
  mkdirSync(peerDir, { recursive: true });
  try {
    execFileSync("npm", ["install", "--prefix", peerDir, "--no-save", "--no-audit", "--no-fund", "@anthropic-ai/sandbox-runtime"], {
      stdio: "ignore",
    });
    return existsSync(srt) ? null : "npm installed @anthropic-ai/sandbox-runtime but no srt binary";
  } catch (error) {
    return `cannot install @anthropic-ai/sandbox-runtime: ${error.message.split("\n")[0]}`;
  }
}

export async function run() {
  const home = mkdtempSync(join(tmpdir(), "cordon-bench-peer-"));
  try {
    const baseline = summarize(await timeRuns(() => runToEnd("true", []), { count: 20 }));
    const rows = [];
    const policy = join(home, "policy.json");
    writeFileSync(policy, JSON.stringify({ type: "workspace-write" }));
    const ours = summarize(await timeRuns(() => runToEnd(process.execPath, [cordon, "run", "--policy", policy, "--", "true"], { cwd: home }), { count: 10 }));
    rows.push(row({ name: "CLI call: cordon run -- true", unit: "ms", ours, baseline, target }));

    const missing = missingTools();
    const problem = missing.length ? `needs ${missing.join(", ")} (apt-get install bubblewrap socat ripgrep)` : installPeer();
    if (problem) {
      rows.push(notRun("CLI call: srt true (sandbox-runtime)", target, problem));
      return rows;
    }
    // srt reads its settings from $HOME; an empty home gives its defaults.
    const env = { ...process.env, HOME: home };
    try {
      await runToEnd(srt, ["true"], { env, cwd: home });
    } catch (error) {
      rows.push(notRun("CLI call: srt true (sandbox-runtime)", target, error.message));
      return rows;
    }
    const peer = summarize(await timeRuns(() => runToEnd(srt, ["true"], { env, cwd: home }), { count: 10 }));
    rows.push(row({ name: "CLI call: srt true (sandbox-runtime)", unit: "ms", ours: peer, baseline, target }));
    return rows;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
