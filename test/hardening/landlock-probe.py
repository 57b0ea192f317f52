"""The attempts of the Landlock rights table that the Linux probe lacks.

Usage: python3 landlock-probe.py '<JSON list of operations>'
Every operation of ../linux/probe.py is available, plus one per right below.
Prints a JSON list with one entry per operation: "OK", or the errno name.
"""
import fcntl
import json
import os
import signal
import socket
import stat
import struct
import sys
import termios
import time

# The sandbox may not write beside the probe (and the checkout wants no __pycache__).
sys.dont_write_bytecode = True
import linux_probe  # noqa: E402  (after the line above)

probe = linux_probe.load()

NODE_KINDS = {"fifo": stat.S_IFIFO, "char": stat.S_IFCHR, "block": stat.S_IFBLK}


def create(path):
    """A new regular file, opened read-only: only the right to make it is needed (no WRITE_FILE)."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDONLY, 0o644))


def mknod(path, kind, major="0", minor="0"):
    """A fifo or device node. A character device 0:0 (an overlay whiteout) needs no capability."""
    os.mknod(path, NODE_KINDS[kind] | 0o644, os.makedev(int(major), int(minor)))


def bind_unix(path):
    """A socket file, made by binding a Unix socket to `path`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(path)


def winsize(path, rows, columns):
    """Opens the terminal `path` read-only (reads are allowed everywhere) and sets its window size."""
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(columns), 0, 0))
    finally:
        os.close(fd)


def kill_own_child():
    """Starts a child, and ends it with SIGTERM: a process of the sandbox's own may be signalled."""
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    os.kill(child, signal.SIGTERM)
    _, status = os.waitpid(child, 0)
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGTERM:
        raise OSError(0, f"the child ended with wait status {status}, not by SIGTERM")


def tcp_listen(host):
    """Binds a TCP port (any), listens, says "listening PORT" on stderr and holds it until stdin has a line."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        s.listen()
        sys.stderr.write(f"listening {s.getsockname()[1]}\n")
        sys.stderr.flush()
        sys.stdin.readline()


def abstract_own(name):
    """Binds an abstract Unix socket name and connects to it, within one sandboxed process."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        server.bind("\0" + name)
        server.listen()
        client.connect("\0" + name)


probe["OPERATIONS"].update(
    {
        "create": create,
        "mknod": mknod,
        "bind_unix": bind_unix,
        "winsize": winsize,
        "signal": lambda pid: os.kill(int(pid), signal.SIGTERM),
        "kill_own_child": kill_own_child,
        "tcp_listen": tcp_listen,
        "abstract_own": abstract_own,
    }
)

print(json.dumps([probe["run"](op) for op in json.loads(sys.argv[1])]))
