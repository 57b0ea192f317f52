/**
 * Shared set-up for the exec supervisor tests: a small real exec server that
 * speaks the wire format (SPEC §5) and records every request it is asked, the
 * launcher run directly with --exec-socket, and fixtures compiled with cc.
 * Everything is judged from the host side: what the server saw, what files
 * exist afterwards, what the shell reported.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeArtifactPath, landlockAbi } from "../../src/native/index.js";
import { testEnv } from "../support/env.js";

export const launcherPath = nativeArtifactPath("cordon-linux-sandbox");
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** Why the supervisor cannot be tried here, or null when it can. */
export function supervisorUnavailable(): string | null {
  if (process.platform !== "linux") return `the exec supervisor is Linux-only (this is ${process.platform})`;
  if (!existsSync(launcherPath)) return `the native build has no ${launcherPath} (run npm install)`;
  const probe = landlockAbi();
  if (probe.abi < 3) return `this host's Landlock cannot confine writes (ABI ${probe.abi}), so the launcher refuses to run`;
  return null;
}

/** One exec_request as the server received it (the parsed JSON line). */
export interface SeenRequest {
  type: string;
  request_id: string;
  file: string;
  argv: string[];
  cwd: string;
  executable?: string;
  interpreter: string | null;
  anonymous: boolean;
  pid: number;
  file_b64?: string;
  cwd_b64?: string;
  argv_b64?: string[];
}

export type Answer = { action: "run" } | { action: "deny"; reason: string } | { raw: string };

export interface ExecServer {
  socketPath: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Read the request to end of file before answering (as Codex's server does). */
  readToEof?: boolean;
}

/** A real exec server on a Unix socket; `decide` answers each request. */
export async function startExecServer(
  dir: string,
  decide: (request: SeenRequest) => Answer | Promise<Answer>,
  options: ServerOptions = {},
): Promise<ExecServer> {
  const socketPath = join(dir, `exec-${Math.random().toString(36).slice(2)}.sock`);
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = async (line: string) => {
      if (answered) return;
      answered = true;
      const request = JSON.parse(line) as SeenRequest;
      requests.push(request);
      const decision = await decide(request);
      const reply =
        "raw" in decision
          ? decision.raw
          : `${JSON.stringify({ type: "exec_response", request_id: request.request_id, action: decision.action, reason: decision.action === "deny" ? decision.reason : null })}\n`;
      socket.end(reply);
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks);
      const newline = text.indexOf(0x0a);
      if (!options.readToEof && newline !== -1) void answer(text.subarray(0, newline).toString("utf8"));
    });
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (options.readToEof) void answer(text.replace(/\n$/, ""));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o666);
  return {
    socketPath,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface LaunchResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface LaunchOptions {
  cwd: string;
  execSocket?: string;
  writableRoots?: string[];
  allowUnixSockets?: string[];
  allowNetwork?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Runs the launcher as this uid and gid (through setpriv), as an unprivileged caller would. */
  asUser?: number;
  /** More launcher flags, before the command. */
  launcherFlags?: string[];
}

/** Runs `command` under the launcher, asynchronously (the server lives in this process). */
export function launch(command: string[], options: LaunchOptions): Promise<LaunchResult> {
  const args: string[] = [];
  for (const root of options.writableRoots ?? [options.cwd]) args.push("--writable-root", root);
  if (options.execSocket) args.push("--exec-socket", options.execSocket);
  for (const socket of options.allowUnixSockets ?? []) args.push("--allow-unix-socket", socket);
  if (options.allowNetwork) args.push("--allow-network");
  args.push(...(options.launcherFlags ?? []), "--");
  let program = launcherPath;
  let argv = args.concat(command);
  if (options.asUser !== undefined) {
    const id = String(options.asUser);
    argv = [`--reuid=${id}`, `--regid=${id}`, "--clear-groups", launcherPath, ...argv];
    program = "setpriv";
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { cwd: options.cwd, env: options.env ?? testEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (status, signal) =>
      resolve({ status, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

export function scratchDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "cordon-supervisor-"));
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Compiles a C source with cc into `dir`; throws with the compiler's output on failure. */
export function compile(dir: string, name: string, source: string, flags: string[] = []): string {
  const output = join(dir, name);
  const result = spawnSync("cc", ["-Wall", "-Werror", "-o", output, source, ...flags], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`cc ${source} failed: ${result.stderr}${result.error ?? ""}`);
  return output;
}

/** The exec probe fixture (every exec entry point), compiled into `dir`. */
export function compileProbe(dir: string): string {
  return compile(dir, "exec-probe", join(fixtures, "exec-probe.c"), ["-pthread"]);
}

/** The argv the probe's `show` printed (NUL-separated), argv[0] included. */
export function shownArgv(stdout: string): string[] {
  return stdout.split("\0").slice(0, -1);
}

export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

/** One datagram a host socket received: its bytes (latin-1), and the first bytes of each file passed with it. */
export interface Arrival {
  data: string;
  files: string[];
}

/** A host-side Unix datagram socket bound at `path` (mode 0777), recording what arrives until `arrivals()` stops it. */
export async function receiveDatagrams(path: string): Promise<{ arrivals: () => Promise<Arrival[]> }> {
  const receiver = spawn("python3", [join(fixtures, "datagram-receiver.py"), path], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let pending = "";
  receiver.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    const complete = pending.split("\n");
    pending = complete.pop()!;
    lines.push(...complete);
  });
  await once(receiver.stdout, "data");
  return {
    arrivals: async () => {
      // What was sent is queued by now; the receiver gets a moment to print it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      receiver.kill("SIGTERM");
      await once(receiver, "close");
      return lines.filter((line) => line !== "ready").map((line) => JSON.parse(line) as Arrival);
    },
  };
}
