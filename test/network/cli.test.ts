/**
 * The command line's network flags, run as a user would (the built `cordon`),
 * against a counting upstream on the host's loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execa } from "execa";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unsupportedReason } from "../linux/run-sandboxed.js";
import { cordonBin } from "../support/cli.js";
import { APPROVAL_PROMPT_END, runOnTerminal, terminalUnavailable } from "../support/terminal.js";
import { countingServer, type CountingServer } from "./support.js";

const UPSTREAM = "127.0.0.2";
const unsupported = unsupportedReason();
const describeHere = unsupported === null ? describe : describe.skip;
if (unsupported !== null) console.warn(`skipping the network CLI tests: ${unsupported}`);

let upstream: CountingServer;
let dir: string;
beforeAll(async () => {
  if (unsupported !== null) return;
  upstream = await countingServer(UPSTREAM);
  dir = mkdtempSync(join(tmpdir(), "cordon-net-cli-"));
  chmodSync(dir, 0o777);
});
afterAll(async () => {
  if (unsupported !== null) return;
  await upstream.close();
});

const env = { PATH: "/usr/bin:/bin", HOME: "/tmp" };
const cordon = (args: string[]) => execa(process.execPath, [cordonBin, ...args], { cwd: dir, env, extendEnv: false, reject: false, stripFinalNewline: false, timeout: 60_000 });
const urls = (from: number) => upstream.requests.slice(from).map((r) => r.url);

describeHere("cordon run and shell with network flags", () => {
  test("--allow-domain turns the network on through the proxy only: the allowed host is reached, another is refused, --noproxy fails", async () => {
    const before = upstream.requests.length;
    const result = await cordon([
      "run", "--sandbox", "workspace-write", "--allow-domain", UPSTREAM, "--",
      "bash", "-c", `curl -sS http://${UPSTREAM}:${upstream.port}/allowed; curl -sS http://127.0.0.3:${upstream.port}/refused; curl -sS --max-time 5 --noproxy '*' http://${UPSTREAM}:${upstream.port}/leak; echo "curl $?"`,
    ]);
    expect(result.stdout).toBe(`hello from upstream\ncordon: network access denied: 127.0.0.3: not on the allow list\ncurl 7\n`);
    expect(urls(before)).toEqual(["/allowed"]);
  });

  test("--network alone stays full network; a policy file without network wins over --allow-domain", async () => {
    const before = upstream.requests.length;
    const full = await cordon(["run", "--sandbox", "workspace-write", "--network", "--", "curl", "-sS", "--noproxy", "*", `http://${UPSTREAM}:${upstream.port}/full`]);
    expect(full.stdout).toBe("hello from upstream\n");
    const file = join(dir, "closed.json");
    writeFileSync(file, JSON.stringify({ type: "workspace-write", network_access: false }));
    const closed = await cordon(["run", "--policy", file, "--allow-domain", UPSTREAM, "--", "bash", "-c", `curl -sS --max-time 5 http://${UPSTREAM}:${upstream.port}/closed; echo "curl $?"`]);
    expect(closed.stdout).toMatch(/curl [1-9]/);
    expect(urls(before)).toEqual(["/full"]);
  });

  test("shell: --network with a network_rule goes through the proxy, and --audit records each connection", async () => {
    const before = upstream.requests.length;
    const rules = join(dir, "net.rules");
    writeFileSync(rules, `network_rule(host = "${UPSTREAM}", protocol = "http", decision = "allow")\nprefix_rule(pattern = ["curl"], decision = "allow")\n`);
    const audit = join(dir, "audit.jsonl");
    const result = await cordon([
      "shell", "--sandbox", "workspace-write", "--network", "--rules", rules, "--audit", audit, "-c",
      `curl -sS http://${UPSTREAM}:${upstream.port}/ruled; curl -sS http://127.0.0.3:${upstream.port}/unruled`,
    ]);
    expect(result.stdout).toBe("hello from upstream\ncordon: network access denied: 127.0.0.3: Network access needs approval, but there is no one to ask\n");
    expect(urls(before)).toEqual(["/ruled"]);
    const lines = readFileSync(audit, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const network = lines.filter((line) => line.kind === "network");
    expect(network).toEqual([
      { time: expect.any(String), runId: expect.any(String), kind: "network", host: UPSTREAM, port: upstream.port, protocol: "http", action: "allow", reason: "on the allow list" },
      expect.objectContaining({ kind: "network", host: "127.0.0.3", action: "deny" }),
    ]);
  });

  const noTerminal = terminalUnavailable();
  (noTerminal ? test.skip : test)(
    `shell on a terminal asks about a host off the list: y reaches it, n refuses another; every audit line has the run's id${noTerminal ? ` (skipped: ${noTerminal})` : ""}`,
    async () => {
      const asked = await countingServer("127.0.0.3");
      const refused = await countingServer("127.0.0.4");
      try {
        const rules = join(dir, "ask.rules");
        writeFileSync(rules, `prefix_rule(pattern = ["curl"], decision = "allow")\n`);
        const audit = join(dir, "ask-audit.jsonl");
        const script = `curl -sS http://127.0.0.3:${asked.port}/yes; curl -sS http://127.0.0.4:${refused.port}/no`;
        const session = await runOnTerminal(
          [process.execPath, cordonBin, "shell", "--sandbox", "workspace-write", "--allow-domain", UPSTREAM, "--allow-local-addresses", "--rules", rules, "--audit", audit, "-c", script],
          ["y", "n"],
          { cwd: dir, prompt: APPROVAL_PROMPT_END },
        );
        expect(session.prompts).toBe(2);
        expect(session.screen).toContain(`cordon: allow http connections to 127.0.0.3:${asked.port}?`);
        expect(session.screen).toContain("cordon: network access denied: 127.0.0.4");
        expect(asked.requests.map((r) => r.url)).toEqual(["/yes"]);
        expect(refused.requests).toEqual([]);
        const lines = readFileSync(audit, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(lines.filter((line) => line.kind === "network").map((line) => [line.host, line.action])).toEqual([
          ["127.0.0.3", "allow"],
          ["127.0.0.4", "deny"],
        ]);
        expect(new Set(lines.map((line) => line.runId)).size).toBe(1);
      } finally {
        await asked.close();
        await refused.close();
      }
    },
  );

  test("--dry-run shows the proxy's ports and variables; policy show prints the effective lists", async () => {
    const plan = await cordon(["run", "--dry-run", "--sandbox", "workspace-write", "--allow-domain", "*.example.org", "--", "true"]);
    const shown = JSON.parse(plan.stdout) as { args: string[]; env: Record<string, string> };
    expect(shown.args).toContain("--proxy-forward");
    expect(shown.args).not.toContain("--allow-network");
    expect(shown.env).toMatchObject({ HTTPS_PROXY: "http://127.0.0.1:3128", ALL_PROXY: "socks5h://127.0.0.1:1080" });
    const file = join(dir, "open.json");
    writeFileSync(file, JSON.stringify({ type: "workspace-write", network_access: true }));
    const show = await cordon(["policy", "show", "--policy", file, "--allow-domain", "*.Example.org", "--deny-domain", "gist.example.org"]);
    expect((JSON.parse(show.stdout) as { network: unknown }).network).toEqual({
      access: "proxy",
      allowedDomains: ["*.example.org"],
      deniedDomains: ["gist.example.org"],
      prompt: [],
      allowLocalAddresses: false,
    });
  });

  test("a malformed pattern is refused before anything runs, naming it (exit 125)", async () => {
    const result = await cordon(["run", "--sandbox", "workspace-write", "--allow-domain", "*", "--", "true"]);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toContain('"*": a wildcard-only pattern would match every host');
  });
});
