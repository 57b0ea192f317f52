/**
 * Approved for the session, through the real supervisor: a symlink approved
 * once and then re-pointed inside the sandbox resolves to another file, so
 * the next exec of the same name and arguments is asked again.
 */
import { symlinkSync } from "node:fs";
import { join, normalize } from "node:path";
import type { ApprovalRequest } from "../../src/approval/index.js";
import { ExecBridge } from "../../src/bridge/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { parseRules } from "../../src/rules/index.js";
import { describeUnless } from "../support/skip.js";
import { interceptedShellUnavailable, scratchDir } from "./support.js";

const policy = parseSandboxPolicy({ type: "workspace-write", exclude_slash_tmp: true, exclude_tmpdir_env_var: true });

describeUnless(interceptedShellUnavailable())("approved-for-session through the exec supervisor", () => {
  test("a symlink approved for the session and then re-pointed is asked again, and runs its new target", async () => {
    const scratch = scratchDir();
    const asked: ApprovalRequest[] = [];
    const bridge = await ExecBridge.start({
      rules: parseRules('prefix_rule(pattern = ["tool"], decision = "prompt", justification = "a tool")\n', "session.rules"),
      approvalPolicy: "on-request",
      requestApproval: async (request) => {
        asked.push(request);
        return "approved-for-session";
      },
    });
    try {
      symlinkSync("/bin/echo", join(scratch.path, "tool"));
      const result = await bridge.run({
        script: "./tool one; ./tool one; /bin/ln -sfn /usr/bin/printf tool; ./tool one; ./tool one",
        cwd: scratch.path,
        policy,
        env: { PATH: "/usr/bin:/bin", HOME: scratch.path },
      });
      expect(result).toMatchObject({ exitCode: 0, stdout: "one\none\noneone", stderr: "" });
      const tool = join(scratch.path, "tool");
      expect(asked.map(({ command: [program = "", ...args] }) => [normalize(program), ...args])).toEqual([
        [tool, "one"],
        [tool, "one"],
      ]);
      const toolDecisions = result.decisions.filter((decision) => decision.argv[0] === "./tool");
      expect(toolDecisions.map((decision) => decision.approvalId)).toEqual([asked[0]!.approvalId, null, asked[1]!.approvalId, null]);
    } finally {
      await bridge.close();
      scratch.remove();
    }
  });
});
