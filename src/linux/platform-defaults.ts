/**
 * The shipped Linux platform-defaults list (`policies/linux/platform-defaults`),
 * read from disk and resolved on first use, and kept. A list resolved earlier
 * can only be narrower than the host is now, never broader: an entry created
 * since is missing from it, and a directory on the way that has become a
 * symbolic link since makes the launcher refuse the path.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NativeError } from "../errors.js";
import { packageRoot } from "../native/index.js";
import { parsePlatformDefaults, resolvePlatformDefaults } from "./restricted-reads.js";

export const LINUX_PLATFORM_DEFAULTS_PATH = join(packageRoot, "policies", "linux", "platform-defaults");

let loaded: readonly string[] | undefined;

/** The paths restricted reads add on Linux when a policy includes the platform defaults, resolved on this host. */
export function linuxPlatformDefaults(): readonly string[] {
  if (loaded === undefined) {
    let text: string;
    try {
      text = readFileSync(LINUX_PLATFORM_DEFAULTS_PATH, "utf8");
    } catch (error) {
      throw new NativeError(`the Linux platform-defaults list is missing from the cordon package (${LINUX_PLATFORM_DEFAULTS_PATH})`, {
        cause: error,
      });
    }
    loaded = Object.freeze(resolvePlatformDefaults(parsePlatformDefaults(text, LINUX_PLATFORM_DEFAULTS_PATH)));
  }
  return loaded;
}
