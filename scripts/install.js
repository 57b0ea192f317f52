// `install`: builds the native parts. A checkout that is already configured
// gets an incremental `node-gyp build` (make rebuilds only what changed), so
// npm commands that rerun this script (npx cordon inside a clone, npm
// rebuild) do not rebuild everything; a fresh install gets `node-gyp rebuild`.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

// A binding.gyp newer than the generated Makefile (a source added or removed) needs the full configure.
const configured = existsSync("build/Makefile") && statSync("build/Makefile").mtimeMs >= statSync("binding.gyp").mtimeMs;
// In a configured checkout only make speaks: what it rebuilds, or that nothing needed it. Everything goes to
// stderr: when npm shows this script's output during `npx cordon`, stdout is the command's.
execSync(configured ? "node-gyp build --loglevel=silent" : "node-gyp rebuild", { stdio: ["inherit", 2, 2] });
