/**
 * A TypeScript host of the packed package, type-checked with `--strict` by
 * the oldest and the newest TypeScript cordon supports. TypeScript 7 no
 * longer loads `@types` on its own, so cordon's declarations must bring
 * Node's types (Buffer, NodeJS.ProcessEnv, streams) themselves. Each host
 * installs the tarball and its TypeScript from the npm registry; where that
 * cannot be reached, the suite says so in its name.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The TypeScript versions a host may use: the oldest supported and the newest published. */
const TYPESCRIPTS = ["5.7", "latest"];

// Uses the types that name Node's: Buffer arguments and request bytes, environments, streams.
const HOST_PROGRAM = `
import { ExecBridge, parseSandboxPolicy, spawnSandboxed, type ExecRequest, type HostDecision } from "cordon";

const policy = parseSandboxPolicy({ type: "read-only" });
const child = spawnSandboxed(["touch", Buffer.from([0x66, 0xff])], policy, { cwd: "/", env: { PATH: "/usr/bin" } });
const decide = async (request: ExecRequest): Promise<HostDecision> =>
  request.exact === null || request.exact.argv.every((bytes: Buffer) => bytes.length > 0)
    ? { action: "run" }
    : { action: "deny", reason: "empty argument" };
const bridge = await ExecBridge.start({ decide });
const result = await bridge.run({ script: "true", cwd: "/", policy, onOutput: ({ chunk }) => void chunk });
const exitCode: number | null = result.exitCode;
void [child.pid, exitCode];
await bridge.close();
`;

const TSCONFIG = {
  compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true },
  files: ["host.ts"],
};

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_audit: "false", npm_config_fund: "false" },
  });
}

// npm's words for a registry it cannot reach.
const UNREACHABLE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/;

type Host = { version: string; dir: string } | { version: string; unreachable: string } | { version: string; failed: string };

const work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-ts-hosts-")));

/** Packs the built package once, then makes one host project per TypeScript version. */
function makeHosts(): Host[] {
  if (!existsSync(join(root, "dist", "index.d.ts"))) return TYPESCRIPTS.map((version) => ({ version, failed: "dist/ is missing: run `npm run build` first" }));
  const packed = npm(["pack", "--ignore-scripts", "--pack-destination", work, "--json"], root);
  if (packed.status !== 0) return TYPESCRIPTS.map((version) => ({ version, failed: `npm pack failed:\n${packed.stdout}${packed.stderr}` }));
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  return TYPESCRIPTS.map((version): Host => {
    const dir = join(work, `host-${version}`);
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "host", private: true, type: "module" })}\n`);
    writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(TSCONFIG)}\n`);
    writeFileSync(join(dir, "host.ts"), HOST_PROGRAM);
    // The types need no native build: install scripts are skipped.
    const installed = npm(["install", "--ignore-scripts", "--prefer-offline", join(work, filename), `typescript@${version}`], dir);
    const output = `${installed.stdout}${installed.stderr}`;
    if (installed.status === 0) return { version, dir };
    const unreachable = UNREACHABLE.exec(output);
    if (unreachable) return { version, unreachable: `the npm registry cannot be reached (${unreachable[1]})` };
    return { version, failed: `npm install failed (status ${installed.status ?? installed.signal}):\n${output}` };
  });
}

const hosts = makeHosts();
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a TypeScript host of the packed package, --strict", () => {
  for (const host of hosts) {
    const skip = "unreachable" in host ? host.unreachable : null;
    (skip ? test.skip : test)(`type-checks with typescript@${host.version}${skip ? ` (skipped: ${skip})` : ""}`, () => {
      if ("failed" in host) throw new Error(host.failed);
      if (!("dir" in host)) throw new Error("unreachable");
      const tsc = spawnSync(process.execPath, [join(host.dir, "node_modules", "typescript", "bin", "tsc"), "-p", host.dir], {
        encoding: "utf8",
        timeout: 300_000,
      });
      expect({ status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: "" });
    });
  }
});
