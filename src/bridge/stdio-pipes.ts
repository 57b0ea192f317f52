/**
 * The command's stdio as real pipes, not the socketpairs Node makes for
 * `stdio: "pipe"`. A pipe can be reopened through `/dev/stdout`,
 * `/dev/stderr`, `/dev/stdin` and `/proc/self/fd/N`, which a socket refuses
 * (ENXIO); and bash, whose stdin is then no socket, does not take itself for
 * a remote shell and read `~/.bashrc`.
 */
import { closeSync } from "node:fs";
import { Socket } from "node:net";
import { pipe } from "../native/index.js";

export interface CommandStdio {
  /** spawn()'s `stdio`: the command's ends of the pipes (stdin stays a mode when it is no pipe). */
  childStdio: [number | "ignore" | "inherit", number, number];
  /** The host's ends: the command's stdin (when a pipe), stdout and stderr. */
  stdin: Socket | null;
  stdout: Socket;
  stderr: Socket;
  /** Closes the command's ends in the host once the command holds its own copies (after spawn), so that end of file arrives. */
  releaseChildEnds(): void;
  /** Closes the host's ends too, when nothing was spawned. */
  destroy(): void;
}

export function commandStdio(stdin: "pipe" | "ignore" | "inherit"): CommandStdio {
  const opened: number[] = [];
  const open = (): [number, number] => {
    const ends = pipe();
    opened.push(...ends);
    return ends;
  };
  try {
    const input = stdin === "pipe" ? open() : null;
    const [stdoutRead, stdoutWrite] = open();
    const [stderrRead, stderrWrite] = open();
    const childEnds = [input?.[0], stdoutWrite, stderrWrite].filter((fd) => fd !== undefined);
    let released = false;
    const releaseChildEnds = () => {
      if (released) return;
      released = true;
      for (const fd of childEnds) closeSync(fd);
    };
    const streams = {
      stdin: input === null ? null : new Socket({ fd: input[1], readable: false, writable: true }),
      stdout: new Socket({ fd: stdoutRead, readable: true, writable: false }),
      stderr: new Socket({ fd: stderrRead, readable: true, writable: false }),
    };
    return {
      childStdio: [input?.[0] ?? (stdin === "pipe" ? "ignore" : stdin), stdoutWrite, stderrWrite],
      ...streams,
      releaseChildEnds,
      destroy() {
        releaseChildEnds();
        for (const stream of [streams.stdin, streams.stdout, streams.stderr]) stream?.destroy();
      },
    };
  } catch (error) {
    for (const fd of opened) closeSync(fd);
    throw error;
  }
}
