/**
 * Sockets the host hands the command (--pass-fd) belong to the host's
 * network namespace: an abstract name or an IP address reached through them
 * is the host's, so the supervisor refuses those calls (EACCES) instead of
 * performing them. Judged from the host side: the abstract socket, the
 * loopback TCP listener and the UDP receiver the host bound get nothing.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { hasTool, launcherPath, scratchDir, supervisorUnavailable } from "./harness.js";

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
if (unavailable) console.log(`Passed socket tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const runsAsNobody = process.getuid?.() === 0;
const fixture = fileURLToPath(new URL("./fixtures/passed-sockets.py", import.meta.url));

describeHere(`sockets of the host's network namespace handed to the command${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  beforeAll(() => {
    scratch = scratchDir();
  });
  afterAll(() => scratch.remove());

  // env: finds a python3 the user may run, wherever PATH lists it.
  const users: [string, string[]][] = [["as the caller", []]];
  if (runsAsNobody) users.push(["as an unprivileged user", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]]);

  test.each(users)("%s: an abstract name, a TCP connect and a UDP send through them are refused, and nothing reaches the host", (_name, prefix) => {
    const command = [...prefix, "env", "python3", fixture, launcherPath, "--writable-root", scratch.path];
    const result = spawnSync(command[0], command.slice(1), { cwd: scratch.path, encoding: "utf8", timeout: 30_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe('abstract: EACCES\ntcp: EACCES\nudp: EACCES\n{"abstract": false, "tcp": false, "udp": false}\n');
  });
});
