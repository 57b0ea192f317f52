/**
 * The package as a host gets it: packed, installed into a fresh project, and
 * used there as the README shows. Shared by the install-from-source and the
 * prebuilt suites.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const EXAMPLE_MARKER = "<!-- host-example -->";

/** The fenced code block that follows the marker comment in README.md. */
export function readmeHostExample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const marker = readme.indexOf(EXAMPLE_MARKER);
  if (marker === -1) throw new Error(`README.md has no ${EXAMPLE_MARKER} marker`);
  const block = /```ts\n([\s\S]*?)\n```/.exec(readme.slice(marker));
  if (!block) throw new Error(`no \`\`\`ts block after ${EXAMPLE_MARKER} in README.md`);
  return `${block[1]}\n`;
}

export function npm(args: string[], cwd: string, timeout = 120_000, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: { ...env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false" },
  });
}

// npm's words for a registry it cannot reach.
const UNREACHABLE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/;

export type Installed = { kind: "installed"; host: string; output: string } | { kind: "unreachable"; reason: string } | { kind: "failed"; output: string };

/** `npm pack` of the package as built by `npm run compile`; the tarball's path. */
export function packTarball(destination: string): string {
  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run compile` first");
  const packed = npm(["pack", "--ignore-scripts", "--pack-destination", destination, "--json"], root);
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stdout}${packed.stderr}`);
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  return join(destination, filename);
}

/**
 * `npm pack` of the package, with its `package/` directory changed by `alter`
 * before it is packed again (e.g. prebuilds added or taken out); the path of
 * `<name>.tgz` in `destination`.
 */
export function packAltered(destination: string, name: string, alter: (unpacked: string) => void): string {
  const unpacked = join(destination, `${name}-unpacked`);
  mkdirSync(unpacked, { recursive: true });
  const tar = (args: string[]) => {
    const result = spawnSync("tar", args, { cwd: unpacked, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`tar ${args.join(" ")}: ${result.stderr}`);
  };
  tar(["xzf", packTarball(unpacked)]);
  alter(join(unpacked, "package"));
  const tarball = join(destination, `${name}.tgz`);
  tar(["czf", tarball, "package"]);
  return tarball;
}

/** Installs `tarball` into a fresh project `host` (created), showing install scripts' output. */
export function installInto(host: string, tarball: string, env: NodeJS.ProcessEnv = process.env): Installed {
  mkdirSync(host);
  writeFileSync(join(host, "package.json"), `${JSON.stringify({ name: "host", private: true, type: "module" }, null, 2)}\n`);
  const installed = npm(["install", "--prefer-offline", "--foreground-scripts", tarball], host, 900_000, env);
  const output = `${installed.stdout}${installed.stderr}`;
  if (installed.status === 0) return { kind: "installed", host, output };
  const unreachable = UNREACHABLE.exec(output);
  if (unreachable) return { kind: "unreachable", reason: `the npm registry cannot be reached (${unreachable[1]})` };
  return { kind: "failed", output: `npm install of the tarball failed (status ${installed.status ?? installed.signal}):\n${output}` };
}

/** What the README's host example must print, run as written in `host`. */
export function expectHostExampleWorks(host: string, env: NodeJS.ProcessEnv = process.env): void {
  writeFileSync(join(host, "host.mjs"), readmeHostExample());
  const result = spawnSync(process.execPath, ["host.mjs"], { cwd: host, encoding: "utf8", timeout: 180_000, env });
  const hasGit = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" });
  // The command's output and the host's own lines travel apart (a pipe, a socket): their order may vary.
  const lines = result.stdout.split("\n");
  expect(lines).toContain("/usr");
  expect(lines).toContain("run: ls -d /usr");
  if (hasGit.status === 0) {
    expect(lines).toContain(`asked: ${realpathSync(hasGit.stdout.trim())} push origin main (git push changes a remote repository)`);
    expect(lines).toContain("deny: git push origin main (User denied execution)");
    expect(result.stdout).toMatch(/\nexit 126\n$/);
  } else {
    expect(result.stdout).toMatch(/\nexit 127\n$/);
  }
  expect(result.status).toBe(0);
}
