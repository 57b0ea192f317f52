// `install`: uses the prebuilt native parts the package carries for this
// platform and architecture (prebuilds/<platform>-<arch>/, see prebuild.js)
// when they load and pass their self-test; otherwise builds from source with
// node-gyp, and says so in one line.
//
// A checkout that is already configured (build/ exists: a clone being worked
// on, or `npm rebuild`) always builds from source, incrementally, so a change
// to the C sources is never hidden behind a prebuild. `npm install
// --build-from-source` forces a build too.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { packageVersion, prebuildDirectory, prebuildProblem } from "./native-parts.js";

const configured = existsSync("build/Makefile");
const forced = process.env.npm_config_build_from_source === "true";
const problem = configured ? "this checkout builds its own" : forced ? "--build-from-source was asked for" : prebuildProblem(prebuildDirectory(process.cwd()), packageVersion("."));
if (problem !== null) {
  // Everything goes to stderr: when npm shows this script's output during `npx cordon`, stdout is the command's.
  if (!configured) console.error(`cordon: building the native parts from source (${problem}); this needs cc, c++, make and python3`);
  // A binding.gyp newer than the generated Makefile (a source added or removed) needs the full configure.
  const current = configured && statSync("build/Makefile").mtimeMs >= statSync("binding.gyp").mtimeMs;
  execSync(current ? "node-gyp build --loglevel=silent" : "node-gyp rebuild", { stdio: ["inherit", 2, 2] });
}
