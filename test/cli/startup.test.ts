/**
 * Start-up cost of the CLI (SPEC §9): a call loads only what its command
 * uses. Measured by which modules load (the time itself is the bench's job,
 * `bench/startup.js`): help and version load no command, `run` loads neither
 * the rules engine, the bash parser nor the exec bridge, and no command
 * loads another's.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cordonBin } from "../support/cli.js";

const PREFIX = "module-loaded:";

describe("modules a CLI call loads", () => {
  let dir: string;
  let register: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cordon-startup-"));
    const hooks = join(dir, "hooks.mjs");
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process._rawDebug(${JSON.stringify(PREFIX)} + result.url);
  return result;
}
`,
    );
    register = join(dir, "register.mjs");
    writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The package's own modules (`dist/...`) and dependencies (`node_modules/<name>`) the call loaded. */
  function loaded(args: string[]): string[] {
    const result = spawnSync(process.execPath, ["--import", register, cordonBin, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    const modules = new Set<string>();
    for (const line of result.stderr.split("\n")) {
      if (!line.startsWith(PREFIX)) continue;
      const url = line.slice(PREFIX.length);
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url) ?? /\/dist\/(.+)\.js$/.exec(url);
      if (match) modules.add(url.includes("/node_modules/") ? `node_modules/${match[1]}` : `dist/${match[1]}`);
    }
    expect(modules.has("dist/cli/index")).toBe(true);
    return [...modules];
  }

  const heavy = ["node_modules/zod", "node_modules/web-tree-sitter", "dist/rules/", "dist/bridge/", "dist/approval/", "dist/platform/", "dist/seatbelt/"];

  test.each([[["--version"]], [["--help"]], [[]], [["shell", "--help"]], [["run", "--help"]], [["policy", "--help"]]])(
    "cordon %j loads no command, no schema and no parser",
    (args) => {
      const modules = loaded(args);
      expect(modules.filter((name) => heavy.some((prefix) => name.startsWith(prefix)))).toEqual([]);
      expect(modules.filter((name) => /^dist\/cli\/(run|shell|seatbelt|policy(-show|-check|-test)?)$/.test(name))).toEqual([]);
    },
  );

  test("cordon run -- true loads neither the rules engine, the bash parser nor the exec bridge", () => {
    const modules = loaded(["run", "--sandbox", "danger-full-access", "--", "true"]);
    expect(modules).toContain("dist/cli/run");
    expect(modules.filter((name) => /^(node_modules\/web-tree-sitter|dist\/(rules|bridge|approval)\/)/.test(name))).toEqual([]);
    expect(modules.filter((name) => /^dist\/cli\/(shell|seatbelt|policy(-show|-check|-test)?)$/.test(name))).toEqual([]);
  });

  test("cordon shell -c true loads no other command", () => {
    const modules = loaded(["shell", "-c", "true"]);
    expect(modules).toContain("dist/cli/shell");
    expect(modules.filter((name) => /^dist\/cli\/(run|seatbelt|policy(-show|-check|-test)?)$/.test(name))).toEqual([]);
  });
});
