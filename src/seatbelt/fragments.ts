/**
 * The shipped Seatbelt policy fragments (`policies/seatbelt/*.sbpl`). They are
 * read from disk once, on first use, and kept: profile generation then only
 * joins strings.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NativeError } from "../errors.js";
import { packageRoot } from "../native/index.js";

export interface SeatbeltFragments {
  /** Deny-by-default base: processes, signals, sysctls, mach services, ptys, /dev/null. */
  base: string;
  /** Outbound and inbound networking to anywhere (a policy with network and no proxy). */
  network: string;
  /** The services DNS and TLS need, added with any network (full, or the proxy's ports only). */
  networkServices: string;
  /** Reads and writes in the per-user cache folder (`DARWIN_USER_CACHE_DIR`), added with the network. */
  darwinUserCache: string;
  /** System paths needed to start programs when reads are restricted. */
  platformDefaults: string;
}

const fileNames: Record<keyof SeatbeltFragments, string> = {
  base: "base.sbpl",
  network: "network.sbpl",
  networkServices: "network-services.sbpl",
  darwinUserCache: "darwin-user-cache.sbpl",
  platformDefaults: "platform-defaults.sbpl",
};

export const fragmentDirectory = join(packageRoot, "policies", "seatbelt");

let loaded: SeatbeltFragments | undefined;

function readFragment(name: string): string {
  const path = join(fragmentDirectory, name);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new NativeError(`the Seatbelt policy fragment ${name} is missing from the cordon package (${path})`, {
      cause: error,
    });
  }
}

/** The fragments, read on the first call and cached for the life of the process. */
export function seatbeltFragments(): SeatbeltFragments {
  loaded ??= {
    base: readFragment(fileNames.base),
    network: readFragment(fileNames.network),
    networkServices: readFragment(fileNames.networkServices),
    darwinUserCache: readFragment(fileNames.darwinUserCache),
    platformDefaults: readFragment(fileNames.platformDefaults),
  };
  return loaded;
}
