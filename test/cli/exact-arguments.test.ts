/**
 * Arguments that are not UTF-8 (SPEC §8): `cordon run` carries them byte for
 * byte to the command (read from /proc/self/cmdline), with a sandbox and
 * without; where an argument cannot be carried exactly (a `shell -c` script,
 * `--cwd`, a command for the rules to judge) it is a usage error and nothing
 * runs. Judged from the host: the names of the files created.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { cordonBin } from "../support/cli.js";

/**
 * Runs cordon through bash, so that `$'\xff'` in `args` (bash's ANSI-C
 * quoting, written here in ASCII) becomes the raw byte on cordon's command line.
 */
function cordonWithBytes(args: string, cwd: string) {
  const result = spawnSync("bash", ["-c", `exec "$0" "$1" ${args}`, process.execPath, cordonBin], { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const names = (dir: string) => readdirSync(dir, { encoding: "buffer" }).map((name) => name.toString("hex")).sort();
const hex = (text: string) => Buffer.from(text, "latin1").toString("hex");

const onLinux = process.platform === "linux";
const sandboxMissing = interceptedShellUnavailable();

(onLinux ? describe : describe.skip)(`arguments that are not UTF-8${onLinux ? "" : " (skipped: the exact bytes are read from Linux's /proc/self/cmdline)"}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-bytes-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runs: [string, string, string | null][] = [
    ["without a sandbox", "--sandbox danger-full-access", null],
    ["under workspace-write", "--sandbox workspace-write", sandboxMissing],
  ];
  for (const [name, flags, skip] of runs) {
    (skip ? test.skip : test)(`run ${name}: touch $'f\\xff\\xfeo' creates exactly those bytes${skip ? ` (skipped: ${skip})` : ""}`, () => {
      const result = cordonWithBytes(`run ${flags} -- touch -- $'f\\xff\\xfeo' $'--\\n\\xc3(' 'plain \u00e9'`, dir);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(names(dir)).toEqual([hex("f\xff\xfeo"), hex("--\n\xc3("), Buffer.from("plain \u00e9").toString("hex")].sort());
    });
  }

  test("a real U+FFFD is carried as the character it is", () => {
    const result = cordonWithBytes(`run --sandbox danger-full-access -- touch 'a\u{fffd}b'`, dir);
    expect(result.status).toBe(0);
    expect(names(dir)).toEqual([Buffer.from("a\u{fffd}b").toString("hex")]);
  });

  test.each([
    ["a shell -c script", `shell --sandbox workspace-write -c $'touch f\\xff'`],
    ["--cwd", `run --sandbox danger-full-access --cwd $'/tmp/\\xff' -- touch f`],
    ["a flag's value", `run --sandbox workspace-write --writable-root $'\\xff' -- touch f`],
    ["the command of policy check", `policy check --rules /dev/null -- touch $'\\xff'`],
  ])("%s that is not UTF-8 is a usage error, and nothing runs", (_name, args) => {
    const result = cordonWithBytes(args, dir);
    expect(result.status).toBe(125);
    expect(result.stderr).toMatch(/^cordon: UsageError: an argument is not valid UTF-8 and cannot be carried exactly here: /);
    expect(names(dir)).toEqual([]);
  });
});
