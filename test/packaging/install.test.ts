/**
 * The package as a host gets it: `npm pack`, then `npm install <tarball>` in
 * a fresh project (which builds the native parts there), then the README's
 * host example run as written, and the CLI through `npx cordon`. Without a
 * reachable npm registry (and the dependencies not in npm's cache) the
 * install cannot happen, and the suite says so in its name.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { expectHostExampleWorks, installInto, npm, packAltered, pkg, root } from "./support.js";

const work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-packaging-")));

/** Packs the package and installs the tarball into a fresh project, with no prebuild in it (a checkout may have made some). */
function packAndInstall() {
  const tarball = packAltered(work, "source-only", (unpacked) => rmSync(join(unpacked, "prebuilds"), { recursive: true, force: true }));
  return installInto(join(work, "host"), tarball);
}

const setup = packAndInstall();
const skipReason = setup.kind === "unreachable" ? setup.reason : null;
const describeInstalled = skipReason ? describe.skip : describe;

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed package's contents", () => {
  test("ship the LICENSE, the built code, the shipped rules, the install and prebuild scripts; no tests or sources", () => {
    const listed = npm(["pack", "--dry-run", "--ignore-scripts", "--json"], root);
    expect(listed.status).toBe(0);
    const [{ files }] = JSON.parse(listed.stdout) as Array<{ files: Array<{ path: string }> }>;
    const paths = files.map((file) => file.path);
    for (const path of ["LICENSE", "package.json", "dist/index.js", "dist/cli/main.js", "policies/rules/default.rules", "scripts/install.js", "scripts/native-parts.js", "scripts/prebuild.js", "binding.gyp"]) {
      expect(paths).toContain(path);
    }
    expect(paths.filter((path) => /^(test|src|bench|build)\//.test(path))).toEqual([]);
  });

  test("the LICENSE is the Apache License 2.0 that package.json names, with the project's copyright line", () => {
    const license = readFileSync(join(root, "LICENSE"), "utf8");
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).license).toBe("Apache-2.0");
    expect(license).toMatch(/^ +Apache License\n +Version 2\.0, January 2004\n/);
    expect(license).toMatch(/TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
    expect(license).toContain("Copyright 2026 The cordon authors");
  });
});

describeInstalled(`the package installed from its tarball into a fresh project${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const host = () => {
    if (setup.kind === "failed") throw new Error(setup.output);
    return (setup as { host: string }).host;
  };

  test("installs, building the native parts there and saying so in one line", () => {
    if (setup.kind !== "installed") throw new Error("not installed");
    expect(setup.output.match(/^cordon: building the native parts from source \(the package has no prebuild for .*\); this needs cc, c\+\+, make and python3$/gm)).toHaveLength(1);
    const installed = join(host(), "node_modules", pkg.name);
    expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version).toBe(pkg.version);
    const artifacts = process.platform === "linux" ? ["cordon.node", "cordon-linux-sandbox", "cordon-exec-wrapper"] : ["cordon.node"];
    for (const artifact of artifacts) {
      expect(existsSync(join(installed, "build", "Release", artifact))).toBe(true);
    }
    expect(existsSync(join(installed, "LICENSE"))).toBe(true);
  });

  test("exports the shipped rules: defaultRulesPath, and ./policies/* for import.meta.resolve", () => {
    const script = [
      'import { defaultRulesPath, loadPolicy, evaluate } from "cordon";',
      'import { fileURLToPath } from "node:url";',
      'const resolved = fileURLToPath(import.meta.resolve("cordon/policies/rules/default.rules"));',
      "const rules = await loadPolicy([defaultRulesPath]);",
      'console.log(JSON.stringify({ defaultRulesPath, resolved, decision: evaluate(rules, ["git", "push"]).decision }));',
    ].join("\n");
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: host(), encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    const shown = JSON.parse(result.stdout) as { defaultRulesPath: string; resolved: string; decision: string };
    const expected = join(host(), "node_modules", pkg.name, "policies", "rules", "default.rules");
    expect(shown).toEqual({ defaultRulesPath: expected, resolved: expected, decision: "prompt" });
  });

  test("npx cordon runs the dependency's CLI", () => {
    const result = spawnSync("npx", ["--offline", "cordon", "--version"], { cwd: host(), encoding: "utf8", timeout: 120_000 });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: `${pkg.version}\n` });
  });

  const unavailable = interceptedShellUnavailable();
  (unavailable ? test.skip : test)(`runs the README's host example as written${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
    expectHostExampleWorks(host());
  });

  (process.platform === "linux" ? test : test.skip)(
    `a missing native build names the fix, npm rebuild cordon, and that fix works${process.platform === "linux" ? "" : " (skipped: the launcher is Linux-only)"}`,
    () => {
      const launcher = join(host(), "node_modules", pkg.name, "build", "Release", "cordon-linux-sandbox");
      rmSync(launcher);
      const cordon = (args: string[]) => spawnSync("npx", ["--offline", "cordon", ...args], { cwd: host(), encoding: "utf8", timeout: 120_000 });
      const broken = cordon(["run", "--", "true"]);
      expect(broken.status).toBe(125);
      expect(broken.stderr).toMatch(/^cordon: NativeError: the native build is missing cordon-linux-sandbox .*run `npm rebuild cordon`/);
      const rebuilt = npm(["rebuild", "cordon"], host(), 900_000);
      expect({ status: rebuilt.status, output: rebuilt.status === 0 ? "" : rebuilt.stdout + rebuilt.stderr }).toEqual({ status: 0, output: "" });
      expect(existsSync(launcher)).toBe(true);
      expect(cordon(["run", "--", "echo", "ran"])).toMatchObject({ status: 0, stdout: "ran\n" });
    },
    900_000,
  );
});
