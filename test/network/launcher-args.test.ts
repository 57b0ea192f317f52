/** The launcher's proxy arguments, and its refusals of a proxy it cannot make the only way out. */
import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { linuxLauncherArgs } from "../../src/linux/index.js";
import { nativeArtifactPath } from "../../src/native/index.js";
import { prepareSandboxedCommand } from "../../src/platform/index.js";
import { parseSandboxPolicy } from "../../src/policy/index.js";

const endpoints = { httpSocketPath: "/run/x/http.sock", socksSocketPath: "/run/x/socks=.sock" };

describe("linuxLauncherArgs with proxy forwards", () => {
  test("each forward is one PORT=PATH element, and the network stays namespaced", () => {
    const args = linuxLauncherArgs(["true"], {
      writableRoots: [],
      networkAccess: false,
      proxyForwards: [{ port: 3128, socketPath: "/a b/'x'\n.sock" }],
    });
    expect(args).toEqual(["--proxy-forward", "3128=/a b/'x'\n.sock", "--limit-if-possible", "pids=4096", "--", "true"]);
  });

  test.each([
    [{ networkAccess: true, proxyForwards: [{ port: 3128, socketPath: "/s" }] }, "networkAccess: false"],
    [{ networkAccess: false, proxyForwards: [{ port: 0, socketPath: "/s" }] }, "1 to 65535"],
    [{ networkAccess: false, proxyForwards: [{ port: 3128, socketPath: "s" }] }, "absolute"],
  ])("refuses %j", (plan, message) => {
    expect(() => linuxLauncherArgs(["true"], { writableRoots: [], ...plan })).toThrow(message);
  });
});

describe("prepareSandboxedCommand with a network proxy", () => {
  const cwd = process.cwd();
  test("a policy with network gets the proxy's ports and the clients' variables", () => {
    const prepared = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "read-only", network_access: true }), {
      cwd,
      platform: "linux",
      env: {},
      networkProxy: endpoints,
    });
    expect(prepared.args).not.toContain("--allow-network");
    expect(prepared.args).toEqual(expect.arrayContaining(["--proxy-forward", "3128=/run/x/http.sock", "--proxy-forward", "1080=/run/x/socks=.sock"]));
    expect(prepared.env).toMatchObject({
      HTTP_PROXY: "http://127.0.0.1:3128",
      https_proxy: "http://127.0.0.1:3128",
      ALL_PROXY: "socks5h://127.0.0.1:1080",
      NO_PROXY: "localhost,127.0.0.1,::1",
      npm_config_https_proxy: "http://127.0.0.1:3128",
      PIP_PROXY: "http://127.0.0.1:3128",
    });
  });

  test("a policy without network gets neither the proxy nor its variables", () => {
    const prepared = prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "read-only" }), {
      cwd,
      platform: "linux",
      env: {},
      networkProxy: endpoints,
    });
    expect(prepared.args.join(" ")).not.toContain("--proxy-forward");
    expect(prepared.env.HTTP_PROXY).toBeUndefined();
  });

  test("danger-full-access cannot hold a proxy and is refused", () => {
    expect(() => prepareSandboxedCommand(["true"], parseSandboxPolicy({ type: "danger-full-access" }), { cwd, platform: "linux", networkProxy: endpoints })).toThrow(
      /needs a sandbox/,
    );
  });
});

const launcherMissing = process.platform !== "linux";
(launcherMissing ? describe.skip : describe)("the launcher's own checks", () => {
  const run = (args: string[]) => spawnSync(nativeArtifactPath("cordon-linux-sandbox"), args, { encoding: "utf8" });
  test.each([
    [["--allow-network", "--proxy-forward", "3128=/s", "--", "true"], "needs the sandbox's own network namespace"],
    [["--proxy-forward", "3128", "--", "true"], "needs PORT=SOCKET"],
    [["--proxy-forward", "99999=/s", "--", "true"], "from 1 to 65535"],
    [["--proxy-forward", "3128=s", "--", "true"], "absolute"],
  ])("%j is a usage error (exit 125)", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(125);
    expect(result.stderr).toContain(message);
  });

  test("without a namespace for it, the proxy is refused unless networkNamespace is downgraded, and then there is no network at all", () => {
    const refused = run(["--simulate-no-namespaces", "--best-effort", "terminal", "--proxy-forward", "3128=/nonexistent.sock", "--", "true"]);
    expect(refused.status).toBe(125);
    expect(refused.stderr).toContain("network-namespace");
    const downgraded = run([
      "--simulate-no-namespaces", "--best-effort", "terminal", "--best-effort", "network-namespace",
      "--proxy-forward", "3128=/nonexistent.sock", "--",
      "python3", "-c", "import socket\ntry:\n  socket.socket(socket.AF_INET)\n  print('inet')\nexcept OSError as e:\n  print(e.errno)",
    ]);
    expect(downgraded.stdout).toBe("1\n");
  });
});
