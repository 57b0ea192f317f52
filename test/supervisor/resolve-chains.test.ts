/**
 * Property: for random chains of symlinks whose targets go through
 * /proc/self, /proc/thread-self, /dev/fd, /proc/self/fd, /proc/self/root,
 * "..", relative and absolute paths, the file the supervisor names as the
 * exec's executable is the inode the kernel then runs (the program prints
 * the device and inode of its own /proc/self/exe). The launcher runs in a
 * directory of decoys laid out like the workspace, so a lookup made in its
 * context instead of the process's runs (or names) a decoy.
 */
import { copyFileSync, mkdirSync, statSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { compile, launch, scratchDir, startExecServer, supervisorUnavailable, type ExecServer } from "./harness.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const unavailable = supervisorUnavailable();
if (unavailable) console.log(`supervisor symlink chain property skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

// Each run starts a sandbox; a long fuzz pass (CORDON_FUZZ_RUNS) gets a tenth as many chains.
const RUNS = Math.max(30, Math.floor((Number.parseInt(process.env.CORDON_FUZZ_RUNS ?? "", 10) || 0) / 10));
const PROGRAMS = 3;

/** How one link names the next step, which lies at `rest` below the workspace `W` (the process's cwd, and its fd 3). */
const FORMS = {
  absolute: (w: string, rest: string) => `${w}/${rest}`,
  relative: (_w: string, rest: string) => `../../${rest}`,
  cwd: (_w: string, rest: string) => `/proc/self/cwd/${rest}`,
  threadCwd: (_w: string, rest: string) => `/proc/thread-self/cwd/${rest}`,
  devFd: (_w: string, rest: string) => `/dev/fd/3/${rest}`,
  procFd: (_w: string, rest: string) => `/proc/self/fd/3/${rest}`,
  root: (w: string, rest: string) => `/proc/self/root${w}/${rest}`,
  selfAgain: (_w: string, rest: string) => `/proc/self/../self/cwd/${rest}`,
  threadTask: (_w: string, rest: string) => `/proc/thread-self/../../../self/cwd/${rest}`,
  upFromCwd: (_w: string, rest: string) => `/proc/self/cwd/chain/links/../../${rest}`,
  // "dl" is a symlink to "links": ".." after it is links' physical parent.
  throughDirectoryLink: (w: string, rest: string) => `${w}/chain/dl/../../${rest}`,
  dotted: (w: string, rest: string) => `${w}/.//./${rest}`,
} as const;
type Form = keyof typeof FORMS;
const formNames = Object.keys(FORMS) as Form[];

interface Chain {
  /** How each link names the next; the last one names the program. */
  forms: Form[];
  /** How the command names the first link. */
  start: Form;
  program: number;
}

const chains: fc.Arbitrary<Chain> = fc.record({
  forms: fc.array(fc.constantFrom(...formNames), { minLength: 1, maxLength: 8 }),
  start: fc.constantFrom(...formNames),
  program: fc.integer({ min: 0, max: PROGRAMS - 1 }),
});

/** Lays the chain out in `root` (W or its decoy); `programs` are the files the last link may name. */
function layOut(root: string, chain: Chain, programDir: string) {
  mkdirSync(join(root, "chain", "links"), { recursive: true });
  symlinkSync("links", join(root, "chain", "dl"));
  chain.forms.forEach((form, i) => {
    const next = i + 1 < chain.forms.length ? `chain/links/L${i + 1}` : `${programDir}/p${chain.program}`;
    symlinkSync(FORMS[form](root, next), join(root, "chain", "links", `L${i}`));
  });
}

describeHere(`supervisor: random symlink chains resolve to the inode the kernel runs${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let scratch: { path: string; remove: () => void };
  let server: ExecServer;
  let selfExe: string;

  beforeAll(async () => {
    scratch = scratchDir();
    selfExe = compile(scratch.path, "self-exe", join(fixtures, "self-exe.c"));
    server = await startExecServer(scratch.path, () => ({ action: "run" }));
  });
  afterAll(async () => {
    await server.close();
    scratch.remove();
  });

  test("the executable asked about is the file that runs", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(chains, async (chain) => {
        const base = join(scratch.path, `run-${run++}`);
        const workspace = join(base, "W");
        const decoy = join(base, "decoy");
        for (const root of [workspace, decoy]) {
          mkdirSync(join(root, "programs"), { recursive: true });
          for (let p = 0; p < PROGRAMS; p++) copyFileSync(selfExe, join(root, "programs", `p${p}`));
          layOut(root, chain, "programs");
        }
        // The decoy tree's links name the decoy's programs; in the launcher's
        // own context (its cwd is the decoy) a wrong lookup lands there.
        const tag = `chain-${run}`;
        // The command's cwd is W itself: a relative start needs no climbing.
        const first = chain.start === "relative" ? "./chain/links/L0" : FORMS[chain.start](workspace, "chain/links/L0");
        const script = `cd '${workspace}' && exec 3<'${workspace}' && '${first}' ${tag}`;
        const result = await launch(["/bin/bash", "-c", script], { cwd: decoy, writableRoots: [workspace], execSocket: server.socketPath });
        const asked = server.requests.filter((request) => request.argv[1] === tag);
        const expected = statSync(join(workspace, "programs", `p${chain.program}`));
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe(`${tag} ${expected.dev}:${expected.ino}\n`);
        expect(asked).toHaveLength(1);
        const named = statSync(asked[0]!.executable!);
        expect(`${named.dev}:${named.ino}`).toBe(`${expected.dev}:${expected.ino}`);
      }),
      { numRuns: RUNS },
    );
  });
});
