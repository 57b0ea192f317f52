"""Runs a command on a pseudo-terminal, as a user's shell would, and reports what it left behind.

Usage: python3 terminal-host.py '<JSON argv>'
The argument "{other}" in argv is replaced by the path of a second terminal
of the same user, which the command must not reach. A session leader holds
the terminal as its controlling terminal and runs the command as its child,
as a shell does. Prints JSON:
{"output": what the command wrote on its terminal, "injected": input queued
on that terminal for the next reader (TIOCSTI), "other": what reached the
other terminal, "status": the command's wait status ("killed" when it had not
ended after 20 seconds), and, read after the run:
"discipline": the terminal's line discipline (0: N_TTY), "exclusive": whether
it is locked against other opens (TIOCEXCL), "input": what a line typed on
the terminal delivers to its reader, "echoed": whether output written to the
terminal still reaches the screen (not stopped by TCXONC), "kept": whether
the session leader still holds the terminal}.
"""
import array
import fcntl
import json
import os
import select
import signal
import sys
import termios
import time
import tty

TIOCGETD = 0x5424
TIOCGSID = 0x5429
TIOCGEXCL = 0x80045440
DEADLINE_SECONDS = 20


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


def ioctl_int(fd, request):
    value = array.array("i", [0])
    fcntl.ioctl(fd, request, value)
    return value[0]


def delivered(writer, reader, data):
    """Writes `data` on one side and returns what the other side can read within a second."""
    os.set_blocking(writer, False)
    try:
        os.write(writer, data)
    except OSError:  # stopped (EAGAIN), or a line discipline that takes no writes
        return b""
    ready, _, _ = select.select([reader], [], [], 1)
    return drain(reader) if ready else b""


argv = json.loads(sys.argv[1])
controller, terminal = os.openpty()
other_controller, other_terminal = os.openpty()
# Raw: input the command injects is readable at once, without a newline.
tty.setraw(terminal)
argv = [os.ttyname(other_terminal) if arg == "{other}" else arg for arg in argv]
report_read, report_write = os.pipe()

leader = os.fork()
if leader == 0:
    os.close(report_read)
    os.setsid()
    fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(terminal, fd)
    os.close(controller)
    os.close(other_controller)
    command = os.fork()
    if command == 0:
        os.close(report_write)
        os.execvp(argv[0], argv)
    _, status = os.waitpid(command, 0)
    kept = ioctl_int(0, TIOCGSID) == os.getsid(0)
    os.write(report_write, json.dumps({"status": status, "kept": kept}).encode())
    os._exit(0)

os.close(report_write)
output = b""
# A command that stopped the terminal's output blocks on its next write: it
# and its leader are killed after a while, and the report says so.
deadline = time.monotonic() + DEADLINE_SECONDS
while True:
    done, _ = os.waitpid(leader, os.WNOHANG)
    output += drain(controller)
    if done:
        break
    if time.monotonic() > deadline:
        os.killpg(leader, signal.SIGKILL)
    select.select([controller], [], [], 0.05)
output += drain(controller)
leader_report = json.loads(os.read(report_read, 4096) or b'{"status": "killed", "kept": null}')
injected = drain(terminal)
print(
    json.dumps(
        {
            "output": output.decode("utf8", "replace"),
            "injected": injected.decode("utf8", "replace"),
            "other": drain(other_controller).decode("utf8", "replace"),
            "status": leader_report["status"],
            "discipline": ioctl_int(terminal, TIOCGETD),
            "exclusive": ioctl_int(terminal, TIOCGEXCL) != 0,
            "input": delivered(controller, terminal, b"typed").decode("utf8", "replace"),
            "echoed": delivered(terminal, controller, b"shown") == b"shown",
            "kept": leader_report["kept"],
        }
    )
)
