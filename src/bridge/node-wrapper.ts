/**
 * The Node wrapper: the `cordon` CLI in wrapper mode, for hosts whose own
 * binary is the wrapper. The interposer runs EXEC_WRAPPER directly, so it
 * must be a file the kernel can execute without a PATH lookup: `cordon`'s
 * own `#!/usr/bin/env node` would have `env` exec `node` through the
 * interposer again, forever. The bridge therefore writes a small launcher
 * whose first line names this Node binary by absolute path.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BridgeError } from "../errors.js";
import { packageRoot } from "../native/index.js";
import type { PrivateDir } from "./private-dir.js";

/** Linux reads at most this much of a `#!` line (BINPRM_BUF_SIZE), macOS a little more. */
const MAX_SHEBANG_BYTES = 255;

/** The launcher's text: pure, so what it says can be checked. */
export function nodeWrapperLauncher(nodePath: string, cliEntry: string): string {
  if (/\s/.test(nodePath) || Buffer.byteLength(`#!${nodePath}`) > MAX_SHEBANG_BYTES) {
    throw new BridgeError(`cannot use the Node wrapper: the path of node (${JSON.stringify(nodePath)}) cannot appear on a #! line`);
  }
  return `#!${nodePath}\nimport(${JSON.stringify(pathToFileURL(cliEntry).href)});\n`;
}

/** Writes the launcher into the bridge's private directory; returns its path. */
export function writeNodeWrapper(privateDir: PrivateDir): string {
  const cliEntry = join(packageRoot, "dist", "cli", "main.js");
  if (!existsSync(cliEntry)) {
    throw new BridgeError(`cannot use the Node wrapper: ${cliEntry} is missing; build the package first (npm run compile)`);
  }
  return privateDir.writeNewFile("cordon-node-wrapper.cjs", nodeWrapperLauncher(process.execPath, cliEntry), 0o700);
}
