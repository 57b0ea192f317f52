/** The audit line is pure: its fields for any decision, and bytes that are not UTF-8 kept exactly (fast-check). */
import fc from "fast-check";
import type { ExecDecisionRecord } from "../../src/bridge/index.js";
import { boundedArgv } from "../../src/bridge/index.js";
import { AUDIT_MAX_ARGV_BYTES, auditLine } from "../../src/cli/audit.js";

function decision(argvBytes: Buffer[], overrides: Partial<ExecDecisionRecord> = {}): ExecDecisionRecord {
  const argv = argvBytes.map((bytes) => bytes.toString("utf8"));
  const lossy = argvBytes.some((bytes, i) => !bytes.equals(Buffer.from(argv[i]!)));
  return {
    requestId: "r",
    file: "/bin/touch",
    argv,
    cwd: "/work",
    peer: { pid: 40, uid: 0 },
    executable: "/usr/bin/touch",
    interpreter: null,
    anonymous: false,
    environment: null,
    pid: 41,
    exact: lossy ? { file: Buffer.from("/bin/touch"), cwd: Buffer.from("/work"), argv: argvBytes } : null,
    action: "run",
    reason: null,
    source: "heuristics",
    approvalId: null,
    abort: false,
    justification: null,
    rule: null,
    command: argv.join(" "),
    ms: 1.23456789,
    ...overrides,
  };
}

const at = { runId: "00000000-0000-4000-8000-000000000000", time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) };
const context = (record: ExecDecisionRecord) => ({ ...at, bounded: boundedArgv(record, AUDIT_MAX_ARGV_BYTES) });

describe("auditLine", () => {
  test("the fields of SPEC §8 first, in order; ms to the microsecond; the asking process's pid", () => {
    const record = decision([Buffer.from("touch"), Buffer.from("x")]);
    const line = JSON.parse(auditLine(record, context(record))) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      "time", "runId", "pid", "approvalId", "file", "argv", "cwd", "action", "reason", "source", "ms", "command", "justification", "rule",
    ]);
    expect(line).toMatchObject({ time: "2026-01-02T03:04:05.006Z", runId: at.runId, pid: 41, ms: 1.235 });
  });

  test("without the supervisor's pid (EXEC_WRAPPER), the peer's: the wrapper becomes the program", () => {
    const record = decision([Buffer.from("touch")], { pid: null });
    const line = JSON.parse(auditLine(record, context(record))) as Record<string, unknown>;
    expect(line.pid).toBe(40);
  });

  test("any argv: argv_b64 gives back the exact bytes, and appears only when a string lost some", () => {
    const bytes = fc.uint8Array({ maxLength: 12 }).map((array) => Buffer.from(array.filter((byte) => byte !== 0)));
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 5 }), (argvBytes) => {
        const record = decision(argvBytes);
        const line = JSON.parse(auditLine(record, context(record))) as { argv_b64?: string[]; file_b64?: string; cwd_b64?: string };
        if (record.exact === null) {
          expect(line.argv_b64).toBeUndefined();
        } else {
          expect(line.argv_b64!.map((b64) => Buffer.from(b64, "base64"))).toEqual(argvBytes);
        }
        expect(line.file_b64).toBeUndefined();
        expect(line.cwd_b64).toBeUndefined();
      }),
    );
  });

  test("a long argument list keeps its leading arguments, the bytes cut and the digest of the whole", () => {
    const record = decision([Buffer.from("touch"), ...Array.from({ length: 100 }, () => Buffer.alloc(300, "a"))]);
    const line = JSON.parse(auditLine(record, context(record))) as { argv: string[]; argvCut: { bytes: number; sha256: string } };
    expect(line.argv.length).toBeLessThan(101);
    expect(line.argvCut.bytes).toBeGreaterThan(0);
    expect(line.argvCut.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
