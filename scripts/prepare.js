// `prepare`: compiles the TypeScript unless dist/ is newer than every source.
// npm runs `prepare` for `npm install` in a clone, `npm pack`, and when
// `npx cordon` inside a clone links the clone into npx's cache; a build that
// is already current is kept.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

const built = "dist/cli/main.js";
const sources = ["src", "tsconfig.json", "tsconfig.build.json"];
if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestChange))) {
  console.error(`cordon: ${built} is newer than the sources; not rebuilding (\`npm run compile\` forces it)`);
} else {
  // To stderr, as in install.js: stdout belongs to the command `npx cordon` runs.
  execSync("npm run compile", { stdio: ["inherit", 2, 2] });
}
