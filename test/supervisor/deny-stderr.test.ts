/**
 * The refusal line goes only where the command itself could write: through
 * its own descriptor 2, when that is open for writing, without waiting.
 * Judged from the host side: a host FIFO the command holds on descriptor 2
 * as O_PATH, or read-only, receives nothing and the run does not hang; an
 * ordinary stderr pipe gets the line.
 */
import { closeSync, constants, mkdirSync, openSync, readSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { hasTool, launch, scratchDir, startExecServer, supervisorUnavailable, type ExecServer, type SeenRequest } from "./harness.js";

const unavailable =
  supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed") ?? (hasTool("mkfifo") ? null : "mkfifo is not installed");
if (unavailable) console.log(`Refusal line tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const runsAsNobody = process.getuid?.() === 0;

/** Python inside the sandbox: puts argv[1] on descriptor 2 (opened as argv[2] says), then execs a forbidden touch. */
const SCRIPT = `
import errno, os, sys
flags = {"path": os.O_PATH, "read": os.O_RDONLY | os.O_NONBLOCK}[sys.argv[2]]
os.dup2(os.open(sys.argv[1], flags), 2)
try:
    os.execv("/usr/bin/touch", ["touch", "forbidden"])
except OSError as e:
    print("exec:", errno.errorcode[e.errno])
`;

const denyTouch = (request: SeenRequest) =>
  request.argv[0]?.split("/").pop() === "touch" ? { action: "deny" as const, reason: "touch is forbidden here" } : { action: "run" as const };

/** What the FIFO holds now, read without waiting ("" when nothing). */
function drain(fd: number): string {
  const buffer = Buffer.alloc(65536);
  try {
    return buffer.subarray(0, readSync(fd, buffer)).toString("utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return "";
    throw error;
  }
}

describeHere(`the refusal line${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let workspace: string;
  let hostDir: string;
  let server: ExecServer;

  beforeAll(async () => {
    scratch = scratchDir();
    workspace = join(scratch.path, "workspace");
    hostDir = join(scratch.path, "host");
    mkdirSync(workspace, { mode: 0o777 });
    mkdirSync(hostDir, { mode: 0o755 });
    server = await startExecServer(scratch.path, denyTouch);
  });
  afterAll(async () => {
    await server.close();
    scratch.remove();
  });

  let fifos = 0;
  /** A host FIFO outside every writable root, held open for reading by the host. */
  const hostFifo = () => {
    const path = join(hostDir, `fifo-${++fifos}`);
    expect(spawnSync("mkfifo", ["-m", "0666", path]).status).toBe(0);
    return { path, reader: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK) };
  };

  const cases: [string, number | undefined][] = [["as the caller", undefined]];
  if (runsAsNobody) cases.push(["as an unprivileged user", 65534]);

  describe.each(cases)("%s", (_name, asUser) => {
    test.each(["path", "read"])("a host FIFO on descriptor 2 opened %s-only receives nothing, and the run ends", async (how) => {
      const fifo = hostFifo();
      const result = await launch(["python3", "-c", SCRIPT, fifo.path, how], { cwd: workspace, execSocket: server.socketPath, asUser });
      expect(result.stdout).toBe("exec: EACCES\n");
      expect(drain(fifo.reader)).toBe("");
      closeSync(fifo.reader);
    }, 30_000);

    test("an ordinary stderr pipe gets the line", async () => {
      const result = await launch(["/usr/bin/touch", "forbidden"], { cwd: workspace, execSocket: server.socketPath, asUser });
      expect(result.status).toBe(126);
      expect(result.stderr).toContain("cordon: execution denied: /usr/bin/touch forbidden: touch is forbidden here\n");
    }, 30_000);
  });
});
