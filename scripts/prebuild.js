// `npm run prebuild`: builds the native parts of this machine from source and
// copies them to prebuilds/<platform>-<arch>/, which `npm pack` ships and
// `install.js` uses instead of compiling. The addon is named as
// node-gyp-build expects (N-API, and the C library it was linked against on
// Linux); the executables are static on Linux, so one build per architecture
// serves every distribution.
//
//   node scripts/prebuild.js [--from DIR] [--out ROOT]
//     --from DIR   take the parts from DIR (a build/Release) instead of building
//     --out ROOT   write ROOT/prebuilds/... instead of this package's
import { execSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { nativeExecutables, packageVersion, prebuildDirectory, prebuildProblem } from "./native-parts.js";

const { values } = parseArgs({ options: { from: { type: "string" }, out: { type: "string" } } });
const from = resolve(values.from ?? "build/Release");
const out = resolve(values.out ?? ".");
if (values.from === undefined) execSync("node-gyp rebuild", { stdio: "inherit" });

function addonName() {
  if (process.platform !== "linux") return "cordon.napi.node";
  const glibc = process.report.getReport().header.glibcVersionRuntime;
  return `cordon.napi.${glibc ? "glibc" : "musl"}.node`;
}

const dir = prebuildDirectory(out);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
copyFileSync(join(from, "cordon.node"), join(dir, addonName()));
for (const name of nativeExecutables()) {
  copyFileSync(join(from, name), join(dir, name));
  chmodSync(join(dir, name), 0o755);
}
const problem = prebuildProblem(dir, packageVersion(join(dirname(fileURLToPath(import.meta.url)), "..")));
if (problem !== null) throw new Error(`the prebuild in ${dir} is not usable: ${problem}`);
console.error(`cordon: prebuilt native parts written to ${dir}`);
