/**
 * Where cordon's native files are, and whether one may be run.
 *
 * Two places can hold them, looked at in this order (node-gyp-build's order,
 * so the addon and the executables always come from the same place):
 *   build/Release/                  built from source by `npm install` (node-gyp)
 *   prebuilds/<platform>-<arch>/    built by cordon's CI and shipped in the package
 * A prebuild for another platform or architecture is never looked at. An
 * executable is run only after it has answered `--version` with its own name
 * and this package's version, so a corrupt, foreign or stale file is reported
 * (with `npm rebuild cordon` as the fix) instead of being run half-broken.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NativeError } from "../errors.js";

/** The package root: this file sits two levels below it, as `src/native` or `dist/native`. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The directories that may hold native files for a platform, best first. */
export function nativeDirectories(root: string, platform: string, arch: string): string[] {
  return [join(root, "build", "Release"), join(root, "prebuilds", `${platform}-${arch}`)];
}

const REBUILD_ADVICE =
  "run `npm rebuild cordon` in the project that depends on cordon (in a clone of cordon itself: `npx node-gyp rebuild`); " +
  "building from source needs C and C++ compilers (cc, c++), make and python3";

/** Absolute path of a native file as it would be found here; the first candidate when there is none. */
export function nativeArtifactPath(name: string): string {
  const candidates = nativeDirectories(packageRoot, process.platform, process.arch).map((dir) => join(dir, name));
  return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

/** Like {@link nativeArtifactPath}, but fails with a clear message if no build or prebuild has the file. */
export function requireNativeArtifact(name: string): string {
  const path = nativeArtifactPath(name);
  if (!existsSync(path)) {
    throw new NativeError(
      `the native build is missing ${name} (expected at ${nativeDirectories(packageRoot, process.platform, process.arch)
        .map((dir) => join(dir, name))
        .join(" or ")}); ${REBUILD_ADVICE}`,
    );
  }
  return path;
}

let packageVersion: string | undefined;
function ownVersion(): string {
  packageVersion ??= (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  return packageVersion;
}

/**
 * Why `output` of `<path> --version` does not come from the executable
 * `name` of this release; null when it does.
 */
export function selfTestFailure(name: string, version: string, result: { status: number | null; stdout: string; error?: Error }): string | null {
  if (result.error) return `it cannot be started (${result.error.message})`;
  const expected = `${name} ${version}\n`;
  if (result.status === 0 && result.stdout === expected) return null;
  const said = result.stdout.trim().slice(0, 80);
  return `\`--version\` answered ${said ? `"${said}"` : "nothing"} with status ${result.status}, not "${expected.trim()}"`;
}

const verified = new Map<string, string>();

/** The path of executable `name`, checked once per process with its `--version` self-test. */
export function requireNativeExecutable(name: string): string {
  const known = verified.get(name);
  if (known !== undefined) return known;
  const path = requireNativeArtifact(name);
  try {
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new NativeError(`the native executable ${path} is not executable; ${REBUILD_ADVICE}`, { cause: error });
  }
  const result = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  const failure = selfTestFailure(name, ownVersion(), result);
  if (failure !== null) throw new NativeError(`the native executable ${path} failed its self-test: ${failure}; ${REBUILD_ADVICE}`);
  verified.set(name, path);
  return path;
}

interface NodeGypBuild {
  path(dir: string): string;
}

/** The addon's file, as node-gyp-build finds it (a build, or a prebuild that matches this platform, arch and libc). */
export function addonPath(load: (id: string) => unknown): string {
  try {
    return (load("node-gyp-build") as NodeGypBuild).path(packageRoot);
  } catch (error) {
    throw new NativeError(`the native addon of cordon is missing (${(error as Error).message.split("\n")[0]}); ${REBUILD_ADVICE}`, { cause: error });
  }
}
