// Installing the packed tarball into a fresh project (SPEC §9: <= 3 s where a
// prebuilt binary matches, no compiler started), side by side with the same
// tarball without prebuilds, which builds from source. Each round installs
// both, one after the other, into new projects; npm's cache is warmed by an
// untimed round first, so the figures are cordon's own install, not the
// registry's speed. Run on its own: `node bench/install.js [rounds]`.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notRun, row, summarize } from "./lib.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const TARGET_MS = 3000;
const TARGET = `<= ${TARGET_MS / 1000} s with a prebuild`;
const NAME = "install the packed tarball, prebuild matching (baseline: built from source)";

function tarballs(work) {
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: root, stdio: "ignore" });
  const plain = join(work, readdirSync(work).find((name) => name.endsWith(".tgz")));
  const unpacked = join(work, "unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["xzf", plain, "-C", unpacked]);
  execFileSync(process.execPath, [join(root, "scripts", "prebuild.js"), "--from", join(root, "build", "Release"), "--out", join(unpacked, "package")], {
    stdio: "ignore",
  });
  const prebuilt = join(work, "prebuilt.tgz");
  execFileSync("tar", ["czf", prebuilt, "-C", unpacked, "package"]);
  return { plain, prebuilt };
}

function installOnce(work, tarball, label) {
  const host = mkdtempSync(join(work, `${label}-`));
  writeFileSync(join(host, "package.json"), JSON.stringify({ name: "host", private: true }));
  const start = process.hrtime.bigint();
  const result = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: host, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`npm install (${label}) failed: ${result.stderr.slice(-400)}`);
  rmSync(host, { recursive: true, force: true });
  return ms;
}

export async function measure(rounds = 3) {
  const work = mkdtempSync(join(tmpdir(), "cordon-bench-install-"));
  try {
    const { plain, prebuilt } = tarballs(work);
    const times = { prebuilt: [], plain: [] };
    for (let round = -1; round < rounds; round++) {
      const withPrebuild = installOnce(work, prebuilt, "prebuilt");
      const fromSource = installOnce(work, plain, "plain");
      if (round < 0) continue;
      times.prebuilt.push(withPrebuild);
      times.plain.push(fromSource);
    }
    return { prebuilt: summarize(times.prebuilt), plain: summarize(times.plain) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function run() {
  if (spawnSync("npm", ["--version"]).status !== 0) return [notRun(NAME, TARGET, "npm is not on PATH")];
  const { prebuilt, plain } = await measure();
  return [row({ name: NAME, unit: "ms", ours: prebuilt, baseline: plain, target: TARGET, met: prebuilt.median <= TARGET_MS })];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { prebuilt, plain } = await measure(Number(process.argv[2] ?? 3));
  console.log(`with a prebuild: ${prebuilt.median.toFixed(0)} ms; from source: ${plain.median.toFixed(0)} ms (target <= ${TARGET_MS} ms)`);
}
