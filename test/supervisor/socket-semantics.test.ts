/**
 * The supervisor performs connect, sendto and sendmsg itself, so it must
 * answer as the kernel does: the same calls on Unix stream, seqpacket and
 * datagram sockets, unconnected and connected, with no address, the
 * address of a socket the command bound, a missing file and an abstract
 * name, give the same results in the sandbox as plainly.
 */
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hasTool, launch, scratchDir, supervisorUnavailable } from "./harness.js";

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
if (unavailable) console.log(`Socket semantics tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const runsAsNobody = process.getuid?.() === 0;
const fixture = fileURLToPath(new URL("./fixtures/socket-semantics.py", import.meta.url));

describeHere(`socket calls the supervisor performs${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let plain: string;
  beforeAll(() => {
    scratch = scratchDir();
    chmodSync(scratch.path, 0o777);
    const result = spawnSync("python3", [fixture], { cwd: scratch.path, encoding: "utf8" });
    expect(result.stderr).toBe("");
    plain = result.stdout;
  });
  afterAll(() => scratch.remove());

  const users: [string, number | undefined][] = [["as the caller", undefined]];
  if (runsAsNobody) users.push(["as an unprivileged user", 65534]);

  test.each(users)("%s: give the kernel's own results", async (_name, asUser) => {
    expect(plain.split("\n").length).toBeGreaterThan(70);
    const result = await launch(["python3", fixture], { cwd: scratch.path, asUser });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(plain);
  });
});
