/**
 * `cordon shell --audit` (SPEC §8): each line says when (`time`, ISO 8601
 * with milliseconds), which run (`runId`), which process in the sandbox
 * (`pid`, checked from the host while that process still runs), and how
 * long (`ms`, to the microsecond); arguments that are not UTF-8 are kept
 * losslessly as on the wire (`argv_b64`).
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, interceptedShellUnavailable } from "../bridge/support.js";
import { runCordonAsync } from "../support/cli.js";

const unavailable = interceptedShellUnavailable();

type AuditLine = Record<string, unknown>;

function readAudit(path: string): AuditLine[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as AuditLine);
}

(unavailable ? describe.skip : describe)(`the audit file${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir: string;
  let audit: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "cordon-audit-")));
    audit = join(dir, "audit.jsonl");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const shell = (script: string) =>
    runCordonAsync(["shell", "--sandbox", "workspace-write", "--audit", audit, "-c", script], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });

  test("time, runId, pid and ms on every line; one runId per run", async () => {
    const before = Date.now();
    expect((await shell("/bin/true; /bin/echo")).status).toBe(0);
    expect((await shell("/bin/true")).status).toBe(0);
    const after = Date.now();
    const lines = readAudit(audit);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const time = Date.parse(line.time as string);
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(after);
      expect(line.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(Number.isInteger(line.pid) && (line.pid as number) > 1).toBe(true);
      const ms = line.ms as number;
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(Number(ms.toFixed(3))).toBe(ms);
    }
    expect(lines[0]!.runId).toBe(lines[1]!.runId);
    expect(lines[2]!.runId).not.toBe(lines[0]!.runId);
  });

  test("execs the supervisor answered from a kept decision are audited as cached, one line each, in order", async () => {
    // Under the shipped rules and the default approval policy, /bin/true holds whatever its arguments.
    expect((await shell("for i in 1 2 3 4 5; do /bin/true $i; done; /bin/ls -d /")).status).toBe(0);
    const lines = readAudit(audit);
    expect(lines.map((line) => [(line.argv as string[]).join(" "), line.source])).toEqual([
      ["/bin/true 1", "heuristics"],
      ["/bin/true 2", "cached"],
      ["/bin/true 3", "cached"],
      ["/bin/true 4", "cached"],
      ["/bin/true 5", "cached"],
      ["/bin/ls -d /", "heuristics"],
    ]);
    expect(new Set(lines.map((line) => line.runId)).size).toBe(1);
    expect(lines.slice(1, 5).every((line) => Number.isInteger(line.pid) && line.ms === 0)).toBe(true);
  });

  test("pid is the process that asked: on the host it runs the approved program", async () => {
    const run = shell("/bin/sleep 3");
    let pid = 0;
    expect(await eventually(() => {
      pid = (readAudit(audit)[0]?.pid as number | undefined) ?? 0;
      return pid > 0;
    })).toBe(true);
    // Read from the host while the program sleeps.
    expect(readFileSync(`/proc/${pid}/cmdline`, "latin1")).toBe("/bin/sleep\u00003\u0000");
    expect((await run).status).toBe(0);
  });

  test("an argument that is not UTF-8 is recorded as on the wire: argv_b64 beside the lossy argv", async () => {
    const result = await shell(`/bin/touch "$(printf 'f\\377\\376o')"`);
    expect(result.status).toBe(0);
    const [line] = readAudit(audit);
    expect(line!.argv).toEqual(["/bin/touch", "f\uFFFD\uFFFDo"]);
    const exact = (line!.argv_b64 as string[]).map((b64) => Buffer.from(b64, "base64"));
    expect(exact).toEqual([Buffer.from("/bin/touch"), Buffer.from([0x66, 0xff, 0xfe, 0x6f])]);
    expect(line!.file_b64).toBeUndefined();
    expect(line!.cwd_b64).toBeUndefined();
  });
});
