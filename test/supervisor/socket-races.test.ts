/**
 * Socket calls the supervisor answers cannot be redirected after its check:
 * a second thread of the command flips the call's address (NULL <-> a host
 * socket's path, an abstract name's first byte '\0' <-> '/') or swaps the
 * descriptor (dup2) while the first thread sends, each datagram carrying a
 * descriptor. Judged from the host side: a host datagram socket, bound under
 * a writable root and in no allowed list, receives nothing and no
 * descriptor arrives. Also what the supervisor does carry: datagrams with
 * descriptors to an allowed socket, sendmmsg, and the refusal of
 * SCM_CREDENTIALS.
 */
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, hasTool, launch, receiveDatagrams, scratchDir, supervisorUnavailable, type LaunchOptions } from "./harness.js";

const unavailable =
  supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed") ?? (hasTool("cc") ? null : "cc is not installed");
if (unavailable) console.log(`Socket race tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const runsAsNobody = process.getuid?.() === 0;
const NOBODY = 65534;
// Tries per attack: the unfixed supervisor let hundreds of them through in
// this many (about one in forty with a network namespace).
const TRIES = "10000";
// The launcher without namespaces, as on a host that allows none.
const DOWNGRADED = ["--simulate-no-namespaces", ...["terminal", "network-namespace", "read-only-subpaths", "file-metadata"].flatMap((p) => ["--best-effort", p])];

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describeHere(`socket calls cannot be redirected after the supervisor's check${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let dir: string;
  let race: string;
  let attacks = 0;

  beforeAll(() => {
    scratch = scratchDir();
    dir = scratch.path;
    chmodSync(dir, 0o777);
    race = compile(dir, "datagram-race", fixture("datagram-race.c"), ["-pthread"]);
  });
  afterAll(() => scratch.remove());

  const attack = async (mode: string, extra: string[], asUser?: number) => {
    const hostSocket = join(dir, `host-${++attacks}.sock`);
    const receiver = await receiveDatagrams(hostSocket);
    const options: LaunchOptions = { cwd: dir, writableRoots: [dir], asUser, launcherFlags: extra };
    const result = await launch([race, mode, hostSocket, TRIES], options);
    const arrivals = await receiver.arrivals();
    return { result, arrivals };
  };

  const modes: [string, string][] = [
    ["name", "sendmsg, msg_name flipping between NULL and the host socket"],
    ["abstract", "sendmsg, an abstract name's first byte flipping to '/'"],
    ["mmsg", "sendmmsg, msg_name flipping between NULL and the host socket"],
    ["sendto", "sendto, an abstract name's first byte flipping to '/'"],
    ["connect", "connect of a datagram socket, an abstract name's first byte flipping to '/'"],
    ["fdswap", "sendmsg to the host socket on a descriptor flipping between seqpacket and datagram (dup2)"],
  ];

  describe.each([
    ["with a network namespace", [] as string[]],
    ["downgraded, without namespaces", DOWNGRADED],
  ])("%s", (_name, extra) => {
    test.each(modes)("%s (%s): nothing reaches the host socket", async (mode) => {
      const { result, arrivals } = await attack(mode, extra);
      expect(result.stdout).toMatch(new RegExp(`^tries ${TRIES} sent \\d+\\n$`));
      expect(arrivals).toEqual([]);
    }, 120_000);
  });

  (runsAsNobody ? describe : describe.skip)(`as an unprivileged user${runsAsNobody ? "" : " (skipped: needs root to switch user)"}`, () => {
    test.each(modes)("%s (%s): nothing reaches the host socket", async (mode) => {
      const { result, arrivals } = await attack(mode, [], NOBODY);
      expect(result.stdout).toMatch(new RegExp(`^tries ${TRIES} sent \\d+\\n$`));
      expect(arrivals).toEqual([]);
    }, 120_000);
  });
});
