/**
 * `npx cordon` inside a clone runs the CLI without rebuilding it: npm links
 * the clone into npx's cache and runs its `prepare` and `install` scripts,
 * which keep a build that is current. Run on a copy of the clone (with its
 * node_modules linked; the native parts built there, as a build records its
 * directory), with a fresh npm cache, offline.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const copied = ["package.json", ".npmrc", "binding.gyp", "tsconfig.json", "tsconfig.build.json", "scripts", "src", "native", "policies", "dist"];
const built = ["dist/cli/main.js", "dist/index.js", "build/Release/cordon.node", "build/Release/cordon-linux-sandbox"];

const npm = spawnSync("npm", ["--version"], { encoding: "utf8" });
const unavailable = npm.status !== 0 ? "npm is not on PATH" : !existsSync(join(root, "build", "Makefile")) ? "cordon's native parts are not built here" : null;
const describeHere = unavailable ? describe.skip : describe;

describeHere(`npx cordon in a clone${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let dir: string;
  let clone: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-npx-"));
    clone = join(dir, "cordon");
    for (const name of copied) cpSync(join(root, name), join(clone, name), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(root, "node_modules"), join(clone, "node_modules"));
    // Through npm, as `npm install` builds, so npm's configuration (the Node headers' location) applies.
    const build = spawnSync("npm", ["run", "install"], { cwd: clone, encoding: "utf8", timeout: 600_000 });
    if (build.status !== 0) throw new Error(`the native build failed in the copy:\n${build.stdout}${build.stderr}`);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("runs the CLI and rebuilds nothing", () => {
    const before = built.map((file) => [file, statSync(join(clone, file)).mtimeMs]);
    const result = spawnSync("npx", ["--offline", "cordon", "--version"], {
      cwd: clone,
      encoding: "utf8",
      // Install scripts in the foreground, as the clone's .npmrc has it: what they print must not reach stdout.
      env: { ...process.env, npm_config_cache: join(dir, "npm-cache"), npm_config_update_notifier: "false", npm_config_foreground_scripts: "true" },
      timeout: 300_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(built.map((file) => [file, statSync(join(clone, file)).mtimeMs])).toEqual(before);
  }, 300_000);
});
