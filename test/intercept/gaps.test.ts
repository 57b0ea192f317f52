/**
 * The interposer's documented gaps, shown by running them: programs the
 * dynamic loader does not preload into, and children whose environment was
 * cleared, exec without being routed.
 */
import { copyFileSync, chmodSync, chownSync } from "node:fs";
import { join } from "node:path";
import { compileProbe, createSandbox, hasTool, interposerUnavailable, type Sandbox } from "./harness.js";

const unavailable = interposerUnavailable();
const describeHere = unavailable ? describe.skip : describe;
if (unavailable) console.log(`exec interposer gap tests skipped: ${unavailable}`);

const PATH = "/usr/bin:/bin";

describeHere("exec interposer: documented gaps", () => {
  let sandbox: Sandbox;
  let probe: string;

  beforeAll(() => {
    sandbox = createSandbox();
    probe = compileProbe(sandbox.dir);
  });
  afterAll(() => sandbox.cleanup());
  beforeEach(() => sandbox.clearLog());

  test("gap: a statically linked program execs without the wrapper", () => {
    let staticProbe: string;
    try {
      staticProbe = compileProbe(sandbox.dir, ["-static"]);
    } catch (error) {
      return console.log(`static-binary gap test skipped: cannot link statically here (${error})`);
    }
    const result = sandbox.run(staticProbe, ["execve", "/bin/echo", "echo", "unrouted"], { env: sandbox.env({ PATH }) });
    expect(result.stdout).toBe("unrouted\n");
    expect(sandbox.routed()).toEqual([]);
  });

  test("gap: env -i clears its own environment first, so the program it starts is not routed", () => {
    const result = sandbox.run("bash", ["-c", "env -i /bin/sh -c '/bin/echo inner'"], { env: sandbox.env({ PATH }) });
    expect(result.stdout).toBe("inner\n");
    // env itself was routed (bash exec'd it); nothing after it was.
    expect(sandbox.routed()).toEqual([{ file: "/usr/bin/env", argv: ["env", "-i", "/bin/sh", "-c", "/bin/echo inner"] }]);
  });

  test("gap: an exec with an empty environment is routed, but the child's own execs are not", () => {
    const result = sandbox.run(probe, ["execle-empty-env", "/bin/sh", "sh", "-c", "/bin/echo inner"], {
      env: sandbox.env({ PATH }),
    });
    expect(result.stdout).toBe("inner\n");
    expect(sandbox.routed()).toEqual([{ file: "/bin/sh", argv: ["sh", "-c", "/bin/echo inner"] }]);
  });

  const asRoot = process.getuid?.() === 0 && hasTool("setpriv");
  const describeSetuid = asRoot ? describe : describe.skip;
  if (!asRoot) console.log("setuid gap test skipped: it needs root and setpriv to run a setuid program as another user");

  describeSetuid("setuid programs (run as root, so the test can make one)", () => {
    const asNobody = (program: string) =>
      sandbox.run(
        "setpriv",
        ["--reuid=65534", "--regid=65534", "--clear-groups", program, "execve", "/bin/echo", "echo", "as-nobody"],
        { env: sandbox.env({ PATH }) },
      );

    test("control: the same program, not setuid, run as nobody, is routed", () => {
      const plain = join(sandbox.dir, "plain-probe");
      copyFileSync(probe, plain);
      chmodSync(plain, 0o755);
      const result = asNobody(plain);
      expect(result.stdout).toBe("as-nobody\n");
      expect(sandbox.routed().map((exec) => exec.file)).toEqual([plain, "/bin/echo"]);
    });

    test("gap: a setuid program runs in secure-execution mode, where LD_PRELOAD is ignored", () => {
      const setuid = join(sandbox.dir, "setuid-probe");
      copyFileSync(probe, setuid);
      chownSync(setuid, 0, 0);
      chmodSync(setuid, 0o4755);
      const result = asNobody(setuid);
      expect(result.stdout).toBe("as-nobody\n");
      // setpriv's exec of the program is routed; the program's own exec is not.
      expect(sandbox.routed().map((exec) => exec.file)).toEqual([setuid]);
    });
  });
});
