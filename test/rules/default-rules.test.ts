import { join } from "node:path";
import { packageRoot } from "../../src/native/index.js";
import { expectPolicy, loadPolicy, type ExecPolicy } from "../../src/rules/index.js";

let policy: ExecPolicy;
beforeAll(async () => {
  policy = await loadPolicy([join(packageRoot, "policies", "rules", "default.rules")]);
});

describe("the shipped default rules", () => {
  test("load, with examples on every rule", () => {
    expect(policy.ruleCount).toBeGreaterThanOrEqual(15);
    expect(policy.exampleCount).toBeGreaterThanOrEqual(policy.ruleCount * 2);
  });

  test.each([
    [["git", "push", "--force"], "prompt"],
    [["/usr/bin/git", "reset", "--hard", "HEAD~3"], "prompt"],
    [["git", "clean", "-fdx"], "prompt"],
    [["npm", "publish"], "prompt"],
    [["cargo", "publish"], "prompt"],
    [["kubectl", "delete", "ns", "prod"], "prompt"],
    [["rm", "-rf", "/"], "forbidden"],
    [["/sbin/mkfs.ext4", "/dev/sda1"], "forbidden"],
    [["git", "status"], "none"],
    [["npm", "test"], "none"],
    [["rm", "-rf", "build"], "none"],
  ] as const)("%j: %s", (command, decision) => {
    expectPolicy(policy).toDecide([...command], decision);
  });
});
