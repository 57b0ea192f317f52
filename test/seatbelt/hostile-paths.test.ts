import fc from "fast-check";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { checkSeatbeltProfile, createSeatbeltCommandArgs } from "../../src/seatbelt/index.js";
import { fuzzParameters } from "../support/fuzz.js";
import { flatFs, readSandboxExecArgs } from "./support.js";

// Paths built from characters that would break or rewrite a profile if they
// were ever spliced into it. The profile must be the same text whatever the
// paths are (it depends only on how many there are), and the -D values must
// carry every path exactly.

const hostile = ['"', ")", "(", ";", "\n", " ", "=", "\\", "#", "é", "路", "😀", "a", "-"];
const segment = fc
  .array(fc.constantFrom(...hostile), { minLength: 1, maxLength: 6 })
  .map((chars) => chars.join(""));
const absolutePath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segments) => `/${segments.join("/")}`);
const distinctPaths = (max: number) => fc.uniqueArray(absolutePath, { minLength: 0, maxLength: max });

const scenario = fc.record({
  readable: distinctPaths(3),
  writable: distinctPaths(3),
  sockets: distinctPaths(2),
  cwd: absolutePath,
  protectedName: segment,
  cacheDir: absolutePath,
  network: fc.boolean(),
  restricted: fc.boolean(),
  platformDefaults: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function argsFor(s: Scenario): string[] {
  const policy = parseSandboxPolicy({
    type: "workspace-write",
    writable_roots: s.writable,
    network_access: s.network,
    exclude_slash_tmp: true,
    exclude_tmpdir_env_var: true,
    read_only_access: s.restricted
      ? { type: "restricted", include_platform_defaults: s.platformDefaults, readable_roots: s.readable }
      : { type: "full-access" },
  });
  return createSeatbeltCommandArgs(["printf", "%s", "(x)"], policy, {
    cwd: s.cwd,
    fs: flatFs,
    env: {},
    protectedNames: [s.protectedName],
    allowUnixSockets: s.sockets,
    darwinUserCacheDir: s.cacheDir,
  });
}

/** The same scenario with every path replaced by a plain one, distinct where the originals were. */
function plain(s: Scenario): Scenario {
  const names = new Map<string, string>();
  const rename = (path: string) => {
    if (!names.has(path)) names.set(path, `/plain${names.size}`);
    return names.get(path)!;
  };
  return {
    ...s,
    readable: s.readable.map(rename),
    writable: s.writable.map(rename),
    sockets: s.sockets.map(rename),
    cwd: rename(s.cwd),
    protectedName: "protected",
    cacheDir: rename(s.cacheDir),
  };
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}

/** The parameters the scenario must produce, written out from SPEC §2 and §3 rather than from the code. */
function expectedParameters(s: Scenario): [string, string][] {
  const writable = unique([...s.writable, s.cwd]);
  const parameters: [string, string][] = [];
  if (s.restricted) {
    unique([...s.readable, s.cwd, ...writable]).forEach((root, i) => parameters.push([`READABLE_ROOT_${i}`, root]));
  }
  writable.forEach((root, i) => {
    parameters.push([`WRITABLE_ROOT_${i}`, root]);
    unique([`${root}/.git`, `${root}/${s.protectedName}`]).forEach((sub, j) => parameters.push([`WRITABLE_ROOT_${i}_RO_${j}`, sub]));
  });
  if (s.network) parameters.push(["DARWIN_USER_CACHE_DIR", s.cacheDir]);
  s.sockets.forEach((socket, i) => parameters.push([`ALLOWED_UNIX_SOCKET_${i}`, socket]));
  return parameters;
}

describe("paths with quotes, parentheses, semicolons, newlines, spaces and non-ASCII", () => {
  test("never reach the profile text, and travel exactly in the -D values", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const args = argsFor(s);
        const { profile, parameters, command } = readSandboxExecArgs(args);
        expect(checkSeatbeltProfile(args)).toEqual([]);
        expect(profile).toBe(readSandboxExecArgs(argsFor(plain(s))).profile);
        expect(profile).toMatch(/^[\x20-\x7e\n]*$/);
        expect(parameters).toEqual(expectedParameters(s));
        expect(command).toEqual(["printf", "%s", "(x)"]);
      }),
      fuzzParameters,
    );
  });
});
