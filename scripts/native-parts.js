// What the native parts of this platform are, where prebuilt ones live, and
// whether a prebuilt set can be used here: shared by `install.js` (use a
// prebuild or build from source) and `prebuild.js` (make one).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** The executables node-gyp builds on this platform (the addon aside). */
export function nativeExecutables(platform = process.platform) {
  return platform === "linux" ? ["cordon-linux-sandbox", "cordon-exec-wrapper"] : ["cordon-exec-wrapper"];
}

/** `prebuilds/<platform>-<arch>` under `root`: the only prebuild this machine may use. */
export function prebuildDirectory(root, platform = process.platform, arch = process.arch) {
  return join(root, "prebuilds", `${platform}-${arch}`);
}

/** The version of the package at `root`, which its executables must answer `--version` with. */
export function packageVersion(root) {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
}

/**
 * Why the prebuild in `dir` cannot be used on this machine, or null when it can:
 * an addon that loads here, and executables that answer `--version` with their
 * name and `version`.
 */
export function prebuildProblem(dir, version) {
  if (!existsSync(dir)) return `the package has no prebuild for ${process.platform}-${process.arch}`;
  const addon = readdirSync(dir).find((name) => name.endsWith(".node"));
  if (addon === undefined) return `${dir} has no addon`;
  try {
    createRequire(import.meta.url)(join(dir, addon));
  } catch (error) {
    return `its addon does not load here (${String(error.message).split("\n")[0]})`;
  }
  for (const name of nativeExecutables()) {
    const path = join(dir, name);
    const answer = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
    if (answer.error || answer.status !== 0 || answer.stdout !== `${name} ${version}\n`) {
      return `its ${name} fails its self-test (${answer.error ? answer.error.message : `status ${answer.status}`})`;
    }
  }
  return null;
}
