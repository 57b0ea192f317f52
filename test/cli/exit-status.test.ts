/**
 * The statuses `cordon run` reports for a command it cannot run, as a shell
 * does: 126 for a file that is there but cannot be executed (no execute bit,
 * a directory), 127 for one that is not there; with a sandbox and without.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";

const sandboxMissing = interceptedShellUnavailable();
const sandboxes: [string, string[], string | null][] = [
  ["without a sandbox", ["--sandbox", "danger-full-access"], null],
  ["under workspace-write", ["--sandbox", "workspace-write"], sandboxMissing],
];

describe.each(sandboxes)("cordon run %s", (name, flags, skip) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-exit-status-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  (skip ? test.skip : test)(`a file without the execute bit exits 126, not 127${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const script = join(dir, "script");
    writeFileSync(script, "#!/bin/sh\ntouch ran\n");
    chmodSync(script, 0o644);
    const result = runCordon(["run", ...flags, "--", script], { cwd: dir });
    expect({ name, status: result.status }).toEqual({ name, status: 126 });
    expect(result.stderr).toMatch(/Permission denied|EACCES/);
  });

  (skip ? test.skip : test)(`a directory exits 126${skip ? ` (skipped: ${skip})` : ""}`, () => {
    mkdirSync(join(dir, "sub"));
    const result = runCordon(["run", ...flags, "--", join(dir, "sub")], { cwd: dir });
    expect({ name, status: result.status }).toEqual({ name, status: 126 });
  });

  (skip ? test.skip : test)(`a file that is not there exits 127${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const result = runCordon(["run", ...flags, "--", join(dir, "missing")], { cwd: dir });
    expect({ name, status: result.status }).toEqual({ name, status: 127 });
  });
});
