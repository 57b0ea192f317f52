// `install`: builds the native parts. A checkout that is already configured
// gets an incremental `node-gyp build` (make rebuilds only what changed), so
// npm commands that rerun this script (npx cordon inside a clone, npm
// rebuild) do not rebuild everything; a fresh install gets `node-gyp rebuild`.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

const configured = existsSync("build/Makefile");
execSync(configured ? "node-gyp build" : "node-gyp rebuild", { stdio: "inherit" });
