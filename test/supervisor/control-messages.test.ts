/**
 * The supervisor rebuilds every control buffer it sends for the command
 * (descriptors taken from the process): for random buffers (SCM_RIGHTS with
 * valid and invalid descriptors, other SOL_SOCKET types, other levels, and
 * wrong cmsg_len values) a datagram gets the same result in the sandbox as
 * plainly, and the receiver the same number of descriptors. SCM_CREDENTIALS
 * is left out: it is refused on purpose (unix-sockets.test.ts).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { hasTool, launch, scratchDir, supervisorUnavailable } from "./harness.js";

const unavailable = supervisorUnavailable() ?? (hasTool("python3") ? null : "python3 is not installed");
if (unavailable) console.log(`Control message tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;
const fixture = fileURLToPath(new URL("./fixtures/control-messages.py", import.meta.url));
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;

const skew = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -20, max: 20 }) });
const rights = fc.record({
  level: fc.constant(SOL_SOCKET),
  type: fc.constant(SCM_RIGHTS),
  fds: fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 1000)), { maxLength: 6 }),
  skew,
});
const other = fc.record({
  level: fc.oneof(fc.constant(SOL_SOCKET), fc.constantFrom(0, 41, 17), fc.integer({ min: 0, max: 300 })),
  type: fc.integer({ min: 0, max: 70 }),
  data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 24 }),
  skew,
}).filter((message) => !(message.level === SOL_SOCKET && message.type === SCM_CREDENTIALS));
const cases = fc.array(fc.array(fc.oneof(rights, other), { maxLength: 3 }), { minLength: 1, maxLength: 60 });

describeHere(`control messages the supervisor sends${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  beforeAll(() => {
    scratch = scratchDir();
    chmodSync(scratch.path, 0o777);
  });
  afterAll(() => scratch.remove());

  test("random control buffers: the same result in the sandbox as plainly", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (generated) => {
        const file = join(scratch.path, `cases-${++run}.json`);
        writeFileSync(file, JSON.stringify(generated));
        const plain = spawnSync("python3", [fixture, file], { cwd: scratch.path, encoding: "utf8" });
        const boxed = await launch(["python3", fixture, file], { cwd: scratch.path });
        expect(plain.stderr).toBe("");
        expect(boxed.stderr).toBe("");
        expect(boxed.stdout).toBe(plain.stdout);
      }),
      { numRuns: Number(process.env.CORDON_FUZZ_RUNS ?? 8) },
    );
  }, 120_000);
});
