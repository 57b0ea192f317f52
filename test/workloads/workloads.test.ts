/**
 * Real developer workloads, each a small project made in a temporary
 * directory: run plainly first (a workload that fails plainly, or whose tools
 * are missing here, is skipped with its reason), then under `cordon shell
 * --sandbox workspace-write` (no network, every exec decided), where it must
 * work the same. They are what broke inside the sandbox before: the
 * command's own Unix sockets, loopback servers, /dev/stderr, ptys, tracing,
 * AddressSanitizer.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cordonBin } from "../support/cli.js";

interface Workload {
  name: string;
  tools: string[];
  files?: Record<string, string>;
  script: string;
  /** What stdout must contain. */
  prints: string;
}

const C_PROGRAM = "#include <stdio.h>\nint main(void) { puts(\"ran\"); return 0; }\n";

const WORKLOADS: Workload[] = [
  {
    name: "Python multiprocessing with the forkserver start method",
    tools: ["python3"],
    files: { "pool.py": "import multiprocessing as mp\ndef sq(x): return x * x\nif __name__ == '__main__':\n    mp.set_start_method('forkserver')\n    with mp.Pool(2) as p: print(sum(p.map(sq, range(10))))\n" },
    script: "python3 pool.py",
    prints: "285",
  },
  {
    name: "Python multiprocessing Manager",
    tools: ["python3"],
    files: { "manager.py": "import multiprocessing as mp\nif __name__ == '__main__':\n    with mp.Manager() as m:\n        d = m.dict(); d['k'] = 'shared'; print(d['k'])\n" },
    script: "python3 manager.py",
    prints: "shared",
  },
  {
    name: "an asyncio Unix server and client",
    tools: ["python3"],
    files: {
      "unix.py": [
        "import asyncio, os",
        "async def main():",
        "    async def serve(r, w): w.write(await r.readline()); await w.drain(); w.close()",
        "    server = await asyncio.start_unix_server(serve, path='s.sock')",
        "    r, w = await asyncio.open_unix_connection('s.sock')",
        "    w.write(b'echoed\\n'); await w.drain(); print((await r.readline()).decode().strip())",
        "    server.close()",
        "asyncio.run(main())",
      ].join("\n"),
    },
    script: "python3 unix.py",
    prints: "echoed",
  },
  {
    name: "a Node net server on a socket path",
    tools: ["node"],
    files: {
      "net.mjs": "import net from 'node:net';\nconst s = net.createServer((c) => c.end('node-socket')).listen('n.sock', () => net.connect('n.sock').on('data', (d) => { console.log(String(d)); s.close(); }));\n",
    },
    script: "node net.mjs",
    prints: "node-socket",
  },
  {
    name: "a Node HTTP server on 127.0.0.1 and ::1",
    tools: ["node"],
    files: {
      "http.mjs": [
        "import http from 'node:http';",
        "for (const host of ['127.0.0.1', '::1']) {",
        "  const s = http.createServer((q, r) => r.end('hello ' + host)).listen(0, host);",
        "  await new Promise((ok) => s.on('listening', ok));",
        "  const url = `http://${host.includes(':') ? `[${host}]` : host}:${s.address().port}/`;",
        "  console.log(await (await fetch(url)).text());",
        "  s.close();",
        "}",
      ].join("\n"),
    },
    script: "node http.mjs",
    prints: "hello ::1",
  },
  {
    name: "a Python UDP echo on loopback",
    tools: ["python3"],
    files: {
      "udp.py": "import socket\na = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 0))\nb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.sendto(b'udp-ok', a.getsockname())\nprint(a.recv(16).decode())\n",
    },
    script: "python3 udp.py",
    prints: "udp-ok",
  },
  { name: "writing to /dev/stdout and /dev/stderr", tools: [], script: "echo out > /dev/stdout && echo err > /dev/stderr && echo both-reopened", prints: "both-reopened" },
  {
    name: "a pty from Python's pty.fork",
    tools: ["python3"],
    files: { "pty_fork.py": "import os, pty\npid, fd = pty.fork()\nif pid == 0:\n    os.execvp('echo', ['echo', 'in-a-pty'])\nprint(os.read(fd, 64).decode().strip()); os.waitpid(pid, 0)\n" },
    script: "python3 pty_fork.py",
    prints: "in-a-pty",
  },
  {
    name: "tmux with a pane",
    tools: ["tmux"],
    script: "tmux -S ./tmux.sock new-session -d 'sleep 5' && tmux -S ./tmux.sock list-panes -F pane-ok && tmux -S ./tmux.sock kill-server",
    prints: "pane-ok",
  },
  { name: "socat over a Unix socket", tools: ["socat"], script: "socat UNIX-LISTEN:so.sock SYSTEM:'echo socat-ok' & sleep 0.3; socat - UNIX-CONNECT:so.sock; wait", prints: "socat-ok" },
  {
    name: "ssh-agent and ssh-add",
    tools: ["ssh-agent", "ssh-add"],
    script: "eval \"$(ssh-agent -a ./agent.sock)\" >/dev/null; ssh-add -l; [ $? -eq 1 ] && echo agent-ok; kill $SSH_AGENT_PID",
    prints: "agent-ok",
  },
  {
    name: "gpg-agent",
    tools: ["gpg-agent", "gpg-connect-agent"],
    script: "mkdir -m 700 g && gpg-connect-agent --homedir ./g 'GETINFO version' /bye | grep -q '^OK' && echo gpg-ok; gpgconf --homedir ./g --kill gpg-agent 2>/dev/null; true",
    prints: "gpg-ok",
  },
  { name: "gdb running a program to the end", tools: ["gdb", "cc"], files: { "p.c": C_PROGRAM }, script: "cc -g -o p p.c && gdb -q -batch -ex run ./p", prints: "ran" },
  { name: "strace -f", tools: ["strace"], script: "strace -f -o trace.txt sh -c 'echo traced' && grep -q execve trace.txt && echo strace-ok", prints: "strace-ok" },
  {
    name: "an AddressSanitizer binary (LeakSanitizer at exit)",
    tools: ["cc"],
    files: { "p.c": C_PROGRAM },
    script: "cc -fsanitize=address -o asan p.c && ./asan",
    prints: "ran",
  },
  {
    name: "make -j2 of a small C project",
    tools: ["make", "cc"],
    files: {
      Makefile: "all: prog\nprog: a.o b.o main.o\n\tcc -o $@ $^\n%.o: %.c\n\tcc -c $<\n",
      "a.c": "int a(void) { return 1; }\n",
      "b.c": "int b(void) { return 2; }\n",
      "main.c": "#include <stdio.h>\nint a(void); int b(void);\nint main(void) { printf(\"built %d\\n\", a() + b()); return 0; }\n",
    },
    script: "make -s -j2 && ./prog",
    prints: "built 3",
  },
  {
    name: "git init, add and commit in a project below the workspace",
    tools: ["git"],
    script: "mkdir proj && cd proj && git init -q && echo x > f && git add f && git -c user.name=t -c user.email=t@e commit -qm one && git log --format=%s",
    prints: "one",
  },
  { name: "a Python virtual environment", tools: ["python3"], script: "python3 -m venv --without-pip venv && ./venv/bin/python -c 'print(\"venv-ok\")'", prints: "venv-ok" },
  {
    name: "node --inspect on loopback",
    tools: ["node"],
    script: "node --inspect=127.0.0.1:0 -e 'console.log(\"inspect-ok\")' 2>/dev/null",
    prints: "inspect-ok",
  },
  {
    name: "npm pack with its cache in the workspace",
    tools: ["npm"],
    files: { "pkg/package.json": '{"name":"tiny","version":"1.0.0"}\n', "pkg/index.js": "module.exports = 1;\n" },
    script: "cd pkg && npm_config_cache=$PWD/../npm-cache npm pack --silent",
    prints: "tiny-1.0.0.tgz",
  },
];

const work = realpathSync(mkdtempSync(join(tmpdir(), "cordon-workloads-")));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const linux = process.platform === "linux";

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v '${tool}'`]).status === 0;
}

/** A fresh project for one run of a workload, with a home of its own (the real one is read-only inside). */
function project(workload: Workload, side: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = join(work, `${WORKLOADS.indexOf(workload)}-${side}`);
  mkdirSync(join(dir, "home"), { recursive: true });
  for (const [name, text] of Object.entries(workload.files ?? {})) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  chmodSync(dir, 0o755);
  return { dir, env: { PATH: process.env.PATH, HOME: join(dir, "home"), LANG: "C.UTF-8", TMPDIR: dir } };
}

describe.each(WORKLOADS)("$name", (workload) => {
  const missing = workload.tools.filter((tool) => !has(tool));
  const plain = missing.length === 0 ? (() => {
    const { dir, env } = project(workload, "plain");
    // Through a real pipe: Node's own stdio pipes are socketpairs, which /dev/stdout cannot reopen.
    const ran = spawnSync("sh", ["-c", 'bash -c "$1" 2>&1 | cat > plain.out', "sh", workload.script], { cwd: dir, env, timeout: 60_000 });
    return { status: ran.status, stdout: readFileSync(join(dir, "plain.out"), "utf8") };
  })() : null;
  const skip = !linux
    ? "the Linux sandbox runs only on Linux"
    : missing.length > 0
      ? `not installed here: ${missing.join(", ")}`
      : plain!.status !== 0 || !plain!.stdout.includes(workload.prints)
        ? `it does not work here even without the sandbox (status ${plain!.status})`
        : null;
  (skip ? test.skip : test)(`works under cordon shell as it does plainly${skip ? ` (skipped: ${skip})` : ""}`, () => {
    const { dir, env } = project(workload, "cordon");
    const result = spawnSync(process.execPath, [cordonBin, "shell", "--sandbox", "workspace-write", "--cwd", dir, "-c", workload.script], {
      cwd: dir,
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect({ status: result.status, stdout: result.stdout.includes(workload.prints) ? workload.prints : result.stdout, stderr: result.status === 0 ? "" : result.stderr }).toEqual({
      status: 0,
      stdout: workload.prints,
      stderr: "",
    });
  });
});
