/**
 * The shipped rules against the forms that walk around a prefix rule: global
 * options before the subcommand, and git aliases the command defines itself.
 * Each form runs under `cordon shell --sandbox workspace-write --rules
 * default.rules --approval-policy never`, through the real exec supervisor,
 * with stand-in programs (git, npm, ...) that append their argv to a file
 * outside the workspace. Judged from the host: the file after the run.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExecBridge, type ExecRequest } from "../../src/bridge/index.js";
import { packageRoot } from "../../src/native/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";
import { interceptedShellUnavailable, runProgram, scratchDir, wrapperPath } from "../bridge/support.js";

const cli = join(packageRoot, "dist", "cli", "main.js");
const defaultRules = join(packageRoot, "policies", "rules", "default.rules");

const unavailable = interceptedShellUnavailable();
if (unavailable) console.log(`walk-around tests skipped: ${unavailable}`);
const describeHere = unavailable ? describe.skip : describe;

const STAND_INS = ["git", "git-push", "npm", "docker", "kubectl", "terraform", "cargo", "gh"];

describeHere("walk-arounds of the shipped rules, through the exec supervisor", () => {
  let scratch: ReturnType<typeof scratchDir>;
  let workspace: string;
  let bin: string;
  let record: string;

  beforeAll(() => {
    scratch = scratchDir();
    chmodSync(scratch.path, 0o755);
    workspace = join(scratch.path, "workspace");
    bin = join(scratch.path, "bin");
    const recordings = join(scratch.path, "recordings");
    mkdirSync(workspace);
    mkdirSync(bin);
    mkdirSync(recordings, { mode: 0o777 });
    chmodSync(recordings, 0o777);
    record = join(recordings, "ran");
    for (const name of STAND_INS) {
      writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${record}'\n`, { mode: 0o755 });
    }
  });
  afterAll(() => scratch.remove());

  /** Runs `script` in `cordon shell` with the shipped rules and no one to ask; returns what the stand-ins recorded. */
  async function shell(script: string): Promise<{ ran: string; stderr: string; exitCode: number | undefined }> {
    writeFileSync(record, "", { mode: 0o666 });
    chmodSync(record, 0o666);
    const result = await runProgram(
      process.execPath,
      [cli, "shell", "--sandbox", "workspace-write", "--writable-root", join(scratch.path, "recordings"), "--rules", defaultRules,
        "--approval-policy", "never", "-c", script],
      { env: { PATH: `${bin}:${process.env.PATH}`, HOME: workspace }, cwd: workspace },
    );
    return { ran: readFileSync(record, "utf8"), stderr: result.stderr, exitCode: result.exitCode };
  }

  test("the stand-ins record what they run, and the forms a person may run unasked still run", async () => {
    const { ran } = await shell(
      "git status; git -C . status; git -c alias.p=push status; git frobnicate; npm --prefix . test; terraform -chdir=infra plan; " +
        "CARGO_ALIAS_B=build cargo build",
    );
    expect(ran).toBe(
      "git status\ngit -C . status\ngit -c alias.p=push status\ngit frobnicate\nnpm --prefix . test\nterraform -chdir=infra plan\ncargo build\n",
    );
  });

  test.each([
    "git -C . push origin main",
    "git --no-pager push",
    "git -P push",
    "git --git-dir=.git push",
    "git --work-tree=. push",
    "git -c user.name=x push",
    "git -C . remote add x https://example.invalid/x.git",
    "git -c alias.p=push p origin main",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p GIT_CONFIG_VALUE_0=push git p origin main",
    "npm --prefix . publish",
    "npm --registry=http://127.0.0.1:4873/ publish",
    "docker -H unix:///x.sock push example/image",
    "docker --context prod push example/image",
    "kubectl --context prod delete pod x",
    "kubectl -n kube-system delete pod x",
    "terraform -chdir=infra apply",
    "cargo +nightly publish",
    "cargo --locked publish",
    "gh -R o/r pr merge 1",
    // More of the same kind.
    "git --config-env=alias.p=TARGET p",
    "TARGET=push git --config-env alias.p=TARGET p",
    "GIT_CONFIG_PARAMETERS=\"'alias.p'='push'\" git p",
    "GIT_CONFIG_PARAMETERS=\"'alias.P=push'\" git p",
    "env GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0=x GIT_CONFIG_KEY_1=Alias.Send GIT_CONFIG_VALUE_1=push git send",
    "git --unknown-option push",
    "gh pr --repo o/r merge 1",
    "npm -w pkg --otp 123456 publish",
    "git-push origin main",
    "cargo --config 'alias.p=\"publish\"' p",
    "cargo --config=alias.ship=publish ship",
    "CARGO_ALIAS_SHIP_IT=publish cargo ship-it",
  ])("%s does not run", async (script) => {
    const { ran, stderr } = await shell(script);
    expect(ran).toBe("");
    expect(stderr).toContain("cordon: execution denied: ");
  });
});

describeHere("the environment an exec request carries", () => {
  const policy = parseSandboxPolicy({ type: "workspace-write" });
  let scratch: ReturnType<typeof scratchDir>;
  let bridge: ExecBridge;
  const asked: ExecRequest[] = [];

  beforeAll(async () => {
    scratch = scratchDir();
    bridge = await ExecBridge.start({
      decide: (request) => {
        asked.push(request);
        return { action: "run" };
      },
    });
  });
  afterAll(async () => {
    await bridge.close();
    scratch.remove();
  });

  test("the supervisor sends the variables the rules read, and none other, byte for byte", async () => {
    asked.length = 0;
    const script =
      "A_PRIVATE_VALUE=hush GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=\"$(printf 'alias.p\\377')\" GIT_CONFIG_VALUE_0=push " +
      "GIT_CONFIG_PARAMETERS=\"'alias.q'='push'\" CARGO_ALIAS_SHIP=publish CARGO_HOME=/nowhere /bin/true";
    const result = await bridge.run({ script, cwd: scratch.path, policy });
    expect(result.exitCode).toBe(0);
    const exec = asked.find((request) => request.argv[0] === "/bin/true")!;
    expect(exec.environment).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "alias.p\uFFFD",
      GIT_CONFIG_PARAMETERS: "'alias.q'='push'",
      CARGO_ALIAS_SHIP: "publish",
    });
    expect(exec.exact?.environment?.find((entry) => entry.subarray(0, 17).toString() === "GIT_CONFIG_KEY_0=")).toEqual(
      Buffer.concat([Buffer.from("GIT_CONFIG_KEY_0=alias.p"), Buffer.from([0xff])]),
    );
  });

  test("the native wrapper sends the variables CORDON_EXEC_ENVIRONMENT names from its own environment, and none other", async () => {
    asked.length = 0;
    const env = { ...bridge.env(), PATH: process.env.PATH, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "alias.p", A_PRIVATE_VALUE: "hush" };
    const result = await runProgram(wrapperPath, ["/bin/true", "true"], { env, cwd: scratch.path });
    expect(result.exitCode).toBe(0);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.environment).toEqual({ GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "alias.p" });
  });

  test("so does the cordon executable as a wrapper; without CORDON_EXEC_ENVIRONMENT neither sends any", async () => {
    asked.length = 0;
    const env = { ...bridge.env(), PATH: process.env.PATH, GIT_CONFIG_PARAMETERS: "'alias.p'='push'", A_PRIVATE_VALUE: "hush" };
    const node = await runProgram(process.execPath, [cli, "/bin/true", "true"], { env: { ...env, CORDON_EXEC_WRAPPER_MODE: "1" }, cwd: scratch.path });
    expect(node.exitCode).toBe(0);
    const unnamed = Object.fromEntries(Object.entries(env).filter(([name]) => name !== "CORDON_EXEC_ENVIRONMENT"));
    const native = await runProgram(wrapperPath, ["/bin/true", "true"], { env: unnamed, cwd: scratch.path });
    expect(native.exitCode).toBe(0);
    expect(asked.map((request) => request.environment)).toEqual([{ GIT_CONFIG_PARAMETERS: "'alias.p'='push'" }, null]);
  });
});
