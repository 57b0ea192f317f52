/**
 * bridge.run with `network`: a proxy per run, the rules' network_rules in its
 * lists, misses asked through requestApproval, and every connection in the
 * result. The upstream counts what reached it.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApprovalRequest } from "../../src/approval/index.js";
import { ExecBridge } from "../../src/bridge/index.js";
import { parseRules } from "../../src/rules/index.js";
import { unsupportedReason } from "../linux/run-sandboxed.js";
import { countingServer, type CountingServer } from "./support.js";

const UPSTREAM = "127.0.0.2";
const unsupported = unsupportedReason();
const describeHere = unsupported === null ? describe : describe.skip;
if (unsupported !== null) console.warn(`skipping bridge.run network tests: ${unsupported}`);

let upstream: CountingServer;
let cwd: string;
beforeAll(async () => {
  if (unsupported !== null) return;
  upstream = await countingServer(UPSTREAM);
  cwd = mkdtempSync(join(tmpdir(), "cordon-net-run-"));
  chmodSync(cwd, 0o777);
});
afterAll(async () => {
  if (unsupported !== null) return;
  await upstream.close();
});

const policy = { type: "workspace-write", network_access: true } as const;
const env = { PATH: "/usr/bin:/bin", HOME: "/tmp" };

describeHere("bridge.run with a network policy", () => {
  test("a network_rule allows a host; a miss is asked as { kind: 'network' } and approved-for-session covers the host for the run", async () => {
    const asked: ApprovalRequest[] = [];
    const bridge = await ExecBridge.start({
      rules: parseRules(`network_rule(host = "${UPSTREAM}", protocol = "http", decision = "allow")\nprefix_rule(pattern = ["curl"], decision = "allow")\n`, "net.rules"),
      approvalPolicy: "on-request",
      requestApproval: async (request) => {
        asked.push(request);
        return "approved-for-session";
      },
    });
    try {
      const before = upstream.requests.length;
      const result = await bridge.run({
        script: `curl -sS http://${UPSTREAM}:${upstream.port}/ruled && curl -sS -o /dev/null -w '%{http_code}\\n' http://127.0.0.3:${upstream.port}/asked; curl -sS -o /dev/null -w '%{http_code}\\n' http://127.0.0.3:${upstream.port}/again`,
        cwd,
        env,
        policy,
        network: { allowLocalAddresses: true },
        timeoutMs: 30_000,
      });
      expect(result.stdout).toBe("hello from upstream\n502\n502\n");
      expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(["/ruled"]);
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ kind: "network", host: "127.0.0.3", port: upstream.port, protocol: "http", command: [] });
      expect(result.network.map((e) => [e.host, e.action])).toEqual([
        [UPSTREAM, "allow"],
        ["127.0.0.3", "allow"],
        ["127.0.0.3", "allow"],
      ]);
    } finally {
      await bridge.close();
    }
  });

  test("without an approver a miss is refused with the explained 403; a forbidden network_rule refuses its host; onEvent sees each connection", async () => {
    const seen: unknown[] = [];
    const bridge = await ExecBridge.start({
      rules: parseRules(`network_rule(host = "${UPSTREAM}", protocol = "https", decision = "deny")\nprefix_rule(pattern = ["curl"], decision = "allow")\n`, "net.rules"),
      approvalPolicy: "never",
      onEvent: (event) => {
        if (event.type === "network") seen.push(event.event);
      },
    });
    try {
      const before = upstream.requests.length;
      const result = await bridge.run({
        script: `curl -sS http://${UPSTREAM}:${upstream.port}/denied; curl -sS http://127.0.0.3:${upstream.port}/missed`,
        cwd,
        env,
        policy,
        network: { allowed_domains: [] },
      });
      expect(result.stdout).toBe(`cordon: network access denied: ${UPSTREAM}: on the deny list\ncordon: network access denied: 127.0.0.3: Network access needs approval, but there is no one to ask\n`);
      expect(upstream.requests.length).toBe(before);
      expect(result.network.map((e) => e.code)).toEqual(["blocked-by-denylist", "blocked-by-allowlist"]);
      expect(seen).toEqual(result.network);
    } finally {
      await bridge.close();
    }
  });

  test("a prompt network_rule asks each time, and time spent asking does not count against timeoutMs", async () => {
    const asked: string[] = [];
    const bridge = await ExecBridge.start({
      rules: parseRules(`network_rule(host = "${UPSTREAM}", protocol = "http", decision = "prompt")\nprefix_rule(pattern = ["curl"], decision = "allow")\n`, "net.rules"),
      approvalPolicy: "on-request",
      requestApproval: async (request) => {
        asked.push(`${request.kind} ${request.host}`);
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        return "approved";
      },
    });
    try {
      const before = upstream.requests.length;
      const result = await bridge.run({
        script: `curl -sS http://${UPSTREAM}:${upstream.port}/slow-approval`,
        cwd,
        env,
        policy,
        network: { allowLocalAddresses: true },
        timeoutMs: 2_000,
      });
      expect(result.timedOut).toBe(false);
      expect(result.stdout).toBe("hello from upstream\n");
      expect(asked).toEqual([`network ${UPSTREAM}`]);
      expect(upstream.requests.slice(before).map((r) => r.url)).toEqual(["/slow-approval"]);
    } finally {
      await bridge.close();
    }
  });

  test("a policy without network wins over the run's network option: no proxy, no connection", async () => {
    const bridge = await ExecBridge.start({ decide: async () => ({ action: "run" }) });
    try {
      const before = upstream.requests.length;
      const result = await bridge.run({
        script: `curl -sS --max-time 5 -x http://127.0.0.1:3128 http://${UPSTREAM}:${upstream.port}/x; echo "curl $?"`,
        cwd,
        env,
        policy: { type: "workspace-write", network_access: false },
        network: { allowedDomains: [UPSTREAM] },
      });
      expect(result.stdout).toMatch(/curl [1-9]/);
      expect(result.network).toEqual([]);
      expect(upstream.requests.length).toBe(before);
    } finally {
      await bridge.close();
    }
  });
});
