"""Runs a command on a pseudo-terminal, as a user's shell would, and reports what it left behind.

Usage: python3 terminal-host.py '<JSON argv>'
The argument "{other}" in argv is replaced by the path of a second terminal
of the same user, which the command must not reach. Prints JSON:
{"output": what the command wrote on its terminal, "injected": input queued
on that terminal for the next reader (TIOCSTI), "other": what reached the
other terminal, "status": the command's wait status}.
"""
import fcntl
import json
import os
import select
import sys
import termios
import tty


def drain(fd):
    """Everything readable from `fd` now, without blocking."""
    os.set_blocking(fd, False)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except (BlockingIOError, OSError):
            return data
        if not chunk:
            return data
        data += chunk


argv = json.loads(sys.argv[1])
controller, terminal = os.openpty()
other_controller, other_terminal = os.openpty()
# Raw: input the command injects is readable at once, without a newline.
tty.setraw(terminal)
argv = [os.ttyname(other_terminal) if arg == "{other}" else arg for arg in argv]

pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(terminal, fd)
    os.close(controller)
    os.close(other_controller)
    os.execvp(argv[0], argv)

output = b""
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    output += drain(controller)
    if done:
        break
    select.select([controller], [], [], 0.05)
output += drain(controller)
print(
    json.dumps(
        {
            "output": output.decode("utf8", "replace"),
            "injected": drain(terminal).decode("utf8", "replace"),
            "other": drain(other_controller).decode("utf8", "replace"),
            "status": status,
        }
    )
)
