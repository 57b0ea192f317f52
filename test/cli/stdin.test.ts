/** `cordon run` and `cordon shell` pass their own stdin to the command (SPEC §8). */
import { interceptedShellUnavailable } from "../bridge/support.js";
import { runCordon } from "../support/cli.js";

describe("stdin of cordon run", () => {
  test("reaches the command, under the default read-only sandbox and without one", () => {
    for (const sandbox of [[], ["--sandbox", "danger-full-access"]]) {
      const result = runCordon(["run", ...sandbox, "--", "cat"], { input: "x\ny\n" });
      expect({ sandbox, status: result.status, stdout: result.stdout }).toEqual({ sandbox, status: 0, stdout: "x\ny\n" });
    }
  });

  test("after --policy - has read the policy from it, the command reads nothing more", () => {
    const result = runCordon(["run", "--policy", "-", "--", "cat"], { input: '{"type":"danger-full-access"}' });
    expect(result).toMatchObject({ status: 0, stdout: "" });
  });
});

const unavailable = interceptedShellUnavailable();
const describeShell = unavailable ? describe.skip : describe;

describeShell(`stdin of cordon shell${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  test("reaches the script: echo x | cordon shell -c cat prints x", () => {
    const result = runCordon(["shell", "-c", "cat"], { input: "x\n" });
    expect(result).toMatchObject({ status: 0, stdout: "x\n" });
  });
});
