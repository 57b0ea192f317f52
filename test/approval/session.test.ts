/**
 * "Approved for the session" covers the command as it really runs: the
 * program as given, the file it resolves to and its interpreter. The same
 * name resolving to another file, or run by another interpreter, is asked
 * again.
 */
import { createApprovalDecider, type ApprovalAnswer, type ApprovalRequest, type ExecToDecide } from "../../src/approval/index.js";
import { parseRules } from "../../src/rules/index.js";

/** Parsed in each test, so every test that uses the rules also runs the parser (what mutation testing measures). */
const policy = () => parseRules('prefix_rule(pattern = ["tool"], decision = "prompt", justification = "a tool")\n', "session.rules");

function sessionDecider() {
  const asked: ApprovalRequest[] = [];
  const decide = createApprovalDecider({
    policy: policy(),
    approvalPolicy: "on-request",
    requestApproval: async (request): Promise<ApprovalAnswer> => {
      asked.push(request);
      return "approved-for-session";
    },
  });
  return { asked, decide };
}

const tool = (extra: Partial<ExecToDecide>): ExecToDecide => ({ requestId: "r", file: "/repo/tool", argv: ["tool", "x"], cwd: "/repo", ...extra });

describe("approved-for-session", () => {
  test("the same program, resolving to the same file, is asked once", async () => {
    const { asked, decide } = sessionDecider();
    for (let i = 0; i < 3; i++) expect((await decide(tool({ executable: "/usr/bin/echo" }))).action).toBe("run");
    expect(asked).toHaveLength(1);
  });

  test("the same name resolving to another file (a re-pointed symlink) is asked again", async () => {
    const { asked, decide } = sessionDecider();
    await decide(tool({ executable: "/usr/bin/echo" }));
    await decide(tool({ executable: "/usr/bin/printf" }));
    await decide(tool({ executable: "/usr/bin/printf" }));
    expect(asked).toHaveLength(2);
  });

  test("the same script run by another interpreter is asked again", async () => {
    const { asked, decide } = sessionDecider();
    await decide(tool({ interpreter: "/bin/sh" }));
    await decide(tool({ interpreter: "/usr/bin/python3" }));
    await decide(tool({ interpreter: "/usr/bin/python3" }));
    expect(asked).toHaveLength(2);
  });

  test("another argument list is asked again; a fresh decider remembers nothing", async () => {
    const { asked, decide } = sessionDecider();
    await decide(tool({ executable: "/usr/bin/echo" }));
    await decide(tool({ executable: "/usr/bin/echo", argv: ["tool", "y"] }));
    expect(asked).toHaveLength(2);
    const fresh = sessionDecider();
    await fresh.decide(tool({ executable: "/usr/bin/echo" }));
    expect(fresh.asked).toHaveLength(1);
  });
});
