/** A Unix stream connection whose far end is a separate child process. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function socketpair(): Promise<{ near: number; farPid: number; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "cordon-pair-"));
  const path = join(dir, "s");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  const child = spawn(
    process.execPath,
    ["-e", `require("net").connect(${JSON.stringify(path)}); setTimeout(() => {}, 60000)`],
    { stdio: "ignore" },
  );
  const socket = await accepted;
  const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
  return {
    near: fd,
    farPid: child.pid!,
    close() {
      child.kill();
      socket.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
