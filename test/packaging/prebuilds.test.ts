/**
 * Installing with prebuilt native parts: the tarball carries
 * prebuilds/<platform>-<arch>/ (made by scripts/prebuild.js from this
 * checkout's build), and is installed into fresh projects where every
 * compiler and make on PATH is a stub that records being started and fails.
 * A matching prebuild starts none of them and everything works; a prebuild
 * for another architecture alone, or a corrupt one, is never used (install
 * turns to building from source, which the stubs then record).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interceptedShellUnavailable } from "../bridge/support.js";
import { expectHostExampleWorks, installInto, packAltered, pkg, root, type Installed } from "./support.js";

const work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-prebuilds-")));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const here = `${process.platform}-${process.arch}`;
const elsewhere = `${process.platform}-${process.arch === "arm64" ? "x64" : "arm64"}`;
const built = join(root, "build", "Release");
const unbuilt = existsSync(join(built, "cordon.node")) ? null : "this checkout has no native build to make prebuilds from";

/** The packed package with this checkout's build as a prebuild named `dir`, changed by `alter`; the tarball's path. */
function tarballWithPrebuild(name: string, dir: string, alter: (prebuild: string) => void = () => {}): string {
  return packAltered(work, name, (unpacked) => {
    rmSync(join(unpacked, "prebuilds"), { recursive: true, force: true });
    const made = spawnSync(process.execPath, [join(root, "scripts", "prebuild.js"), "--from", built, "--out", unpacked], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`prebuild.js failed: ${made.stderr}`);
    if (dir !== here) renameSync(join(unpacked, "prebuilds", here), join(unpacked, "prebuilds", dir));
    alter(join(unpacked, "prebuilds", dir));
  });
}

const COMPILERS = ["cc", "c++", "gcc", "g++", "clang", "clang++", "make", "musl-gcc", "ld", "as"];

/** An environment whose compilers and make are stubs that log to `log` and fail. */
function stubbedToolchain(name: string): { env: NodeJS.ProcessEnv; started: () => string } {
  const stubs = join(work, `${name}-stubs`);
  const log = join(work, `${name}-compilers.log`);
  mkdirSync(stubs);
  for (const tool of COMPILERS) {
    writeFileSync(join(stubs, tool), `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexit 1\n`);
    chmodSync(join(stubs, tool), 0o755);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${stubs}:${process.env.PATH ?? ""}` };
  for (const variable of ["CC", "CXX", "LINK", "npm_config_build_from_source"]) delete env[variable];
  return { env, started: () => (existsSync(log) ? readFileSync(log, "utf8") : "") };
}

interface Setup {
  installed: Installed;
  /** What the stub compilers logged: empty when none was started. */
  started: () => string;
  env: NodeJS.ProcessEnv;
}
const setups = new Map<string, Setup>();
function install(name: string, tarball: () => string): Setup {
  const known = setups.get(name);
  if (known) return known;
  const toolchain = stubbedToolchain(name);
  const setup = { installed: installInto(join(work, `${name}-host`), tarball(), toolchain.env), started: toolchain.started, env: toolchain.env };
  setups.set(name, setup);
  return setup;
}

const matching = () => install("matching", () => tarballWithPrebuild("matching", here));
const unreachable = () => {
  const { installed } = matching();
  return installed.kind === "unreachable" ? installed.reason : null;
};
const skip = unbuilt ?? (unbuilt === null ? unreachable() : null);
const describeHere = skip ? describe.skip : describe;

describeHere(`a tarball with a prebuild for ${here}${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const host = () => {
    const { installed } = matching();
    if (installed.kind !== "installed") throw new Error(installed.kind === "failed" ? installed.output : installed.reason);
    return installed.host;
  };
  const env = () => matching().env;
  const cordon = (args: string[]) => spawnSync("npx", ["--offline", "cordon", ...args], { cwd: host(), encoding: "utf8", timeout: 120_000, env: env() });

  test("installs without starting a compiler or make, and builds nothing", () => {
    host();
    expect(matching().started()).toBe("");
    expect(existsSync(join(host(), "node_modules", pkg.name, "build"))).toBe(false);
    expect(matching().installed).not.toMatchObject({ output: expect.stringContaining("building the native parts from source") });
  });

  test("ships the prebuild in the tarball: the addon, and the executables of this platform", () => {
    const prebuild = join(host(), "node_modules", pkg.name, "prebuilds", here);
    const expected = process.platform === "linux" ? ["cordon-exec-wrapper", "cordon-linux-sandbox"] : ["cordon-exec-wrapper"];
    for (const name of expected) expect(existsSync(join(prebuild, name))).toBe(true);
    expect(spawnSync("sh", ["-c", `ls '${prebuild}' | grep -c '\\.node$'`], { encoding: "utf8" }).stdout).toBe("1\n");
  });

  (process.platform === "linux" ? test : test.skip)(`npx cordon run and npx cordon shell work${process.platform === "linux" ? "" : " (skipped: the launcher is Linux-only)"}`, () => {
    expect(cordon(["run", "--sandbox", "workspace-write", "--", "sh", "-c", "echo ran"])).toMatchObject({ status: 0, stdout: "ran\n" });
    expect(cordon(["shell", "-c", "echo asked"])).toMatchObject({ status: 0, stdout: "asked\n" });
    expect(matching().started()).toBe("");
  });

  const noShell = interceptedShellUnavailable();
  (noShell ? test.skip : test)(`runs the README's host example as written${noShell ? ` (skipped: ${noShell})` : ""}`, () => {
    expectHostExampleWorks(host(), env());
    expect(matching().started()).toBe("");
  });

  (process.platform === "linux" ? test : test.skip)(
    `a corrupt prebuilt launcher is reported with the fix, and never run${process.platform === "linux" ? "" : " (skipped: the launcher is Linux-only)"}`,
    () => {
      const launcher = join(host(), "node_modules", pkg.name, "prebuilds", here, "cordon-linux-sandbox");
      const started = join(work, "corrupt-launcher-started");
      const target = join(work, "corrupt-launcher-target");
      writeFileSync(launcher, `#!/bin/sh\necho "$*" >> '${started}'\necho "cordon-linux-sandbox ${pkg.version}-other"\n`);
      const result = cordon(["run", "--", "touch", target]);
      expect(result.status).toBe(125);
      expect(result.stderr).toMatch(/^cordon: NativeError: the native executable .*cordon-linux-sandbox failed its self-test: .*run `npm rebuild cordon`/);
      // Only the self-test started it: the command never went through it.
      expect(readFileSync(started, "utf8")).toBe("--version\n");
      expect(existsSync(target)).toBe(false);
    },
  );
});

describeHere(`prebuilds that must not be used${skip ? ` (skipped: ${skip})` : ""}`, () => {
  test(`a prebuild for ${elsewhere} alone is ignored: install builds from source (and the stubs are started)`, () => {
    const setup = install("foreign", () => tarballWithPrebuild("foreign", elsewhere));
    expect(setup.installed.kind).toBe("failed");
    expect((setup.installed as { output: string }).output).toContain(`cordon: building the native parts from source (the package has no prebuild for ${here})`);
    expect(setup.started()).not.toBe("");
  });

  (process.platform === "linux" ? test : test.skip)(`a corrupt prebuilt launcher is not used at install: install builds from source${process.platform === "linux" ? "" : " (skipped: the launcher is Linux-only)"}`, () => {
    const setup = install("corrupt", () => tarballWithPrebuild("corrupt", here, (dir) => writeFileSync(join(dir, "cordon-linux-sandbox"), "\x7fELF garbage")));
    expect(setup.installed.kind).toBe("failed");
    expect((setup.installed as { output: string }).output).toMatch(/cordon: building the native parts from source \(its cordon-linux-sandbox fails its self-test/);
    expect(setup.started()).not.toBe("");
  });
});
