"""The escape attempts of the hardening catalogue that the Linux probe lacks.

Usage: python3 escape-probe.py '<JSON list of operations>'
Every operation of ../linux/probe.py is available, plus the tricks below.
Prints a JSON list with one entry per operation: "OK", or the errno name.
"""
import contextlib
import ctypes
import io
import json
import os
import runpy
import signal
import socket
import sys

# probe.py runs its own operations when loaded; give it none and keep its output.
_probe_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux", "probe.py")
_operations = sys.argv[1]
sys.argv[1] = "[]"
with contextlib.redirect_stdout(io.StringIO()):
    probe = runpy.run_path(_probe_path)
sys.argv[1] = _operations

libc = ctypes.CDLL(None, use_errno=True)
checked = probe["checked"]

RENAME_EXCHANGE = 2
AT_FDCWD = -100
PTRACE_ATTACH = 16
MS_REMOUNT = 32
MS_BIND = 4096
INHERITED_FD = 3
UNMAPPED_ADDRESS = 0x1000
SUN_PATH_SIZE = 108


def reopen_for_writing(path, flags):
    """Opens `path` with `flags`, then re-opens it for writing through /proc/self/fd."""
    fd = os.open(path, flags)
    try:
        os.close(os.open(f"/proc/self/fd/{fd}", os.O_WRONLY))
    finally:
        os.close(fd)


def ftruncate_read_only(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def exchange(a, b):
    libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    checked(libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE))


def create_in_inherited_dir(name):
    """Creates `name` relative to the directory fd the host handed down as fd 3."""
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=INHERITED_FD))


def via_proc_root(pid, path):
    probe["write"](f"/proc/{pid}/root{path}")


def connect(family, host, port, kind):
    with socket.socket(getattr(socket, family), getattr(socket, kind)) as s:
        s.settimeout(10)
        if kind == "SOCK_DGRAM":
            s.sendto(b"x", (host, int(port)))
        else:
            s.connect((host, int(port)))


def abstract_unix(name):
    """Connects to an abstract socket bound by Node, which binds the whole sun_path, NUL-padded."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(("\0" + name).ljust(SUN_PATH_SIZE, "\0"))


def ptrace_sibling():
    """Forks a sibling inside the sandbox and tries to attach to it."""
    pid = os.fork()
    if pid == 0:
        signal.pause()
        os._exit(0)
    try:
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        checked(libc.ptrace(PTRACE_ATTACH, pid, None, None))
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def process_vm_read(pid):
    """Reads another process's memory at an address it does not map: EFAULT when allowed at all."""

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    buffer = ctypes.create_string_buffer(1)
    local = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 1)
    remote = IoVec(UNMAPPED_ADDRESS, 1)
    libc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    checked(libc.process_vm_readv(int(pid), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))


def remount_writable(target):
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    checked(libc.mount(None, target.encode(), None, MS_REMOUNT | MS_BIND, None))


def open_by_handle(path):
    """name_to_handle_at then open_by_handle_at for writing: the 'shocker' escape."""

    class FileHandle(ctypes.Structure):
        _fields_ = [("bytes", ctypes.c_uint), ("type", ctypes.c_int), ("handle", ctypes.c_ubyte * 128)]

    handle = FileHandle(128, 0)
    mount_id = ctypes.c_int()
    checked(libc.name_to_handle_at(AT_FDCWD, path.encode(), ctypes.byref(handle), ctypes.byref(mount_id), 0))
    mount_fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_WRONLY)
        checked(fd)
        os.close(fd)
    finally:
        os.close(mount_fd)


OPERATIONS = {
    **probe["OPERATIONS"],
    "reopen_read_only": lambda path: reopen_for_writing(path, os.O_RDONLY),
    "reopen_o_path": lambda path: reopen_for_writing(path, os.O_PATH),
    "ftruncate_read_only": ftruncate_read_only,
    "exchange": exchange,
    "create_in_inherited_dir": create_in_inherited_dir,
    "via_proc_root": via_proc_root,
    "connect": connect,
    "abstract_unix": abstract_unix,
    "ptrace_sibling": ptrace_sibling,
    "process_vm_read": process_vm_read,
    "kill": lambda pid: os.kill(int(pid), signal.SIGTERM),
    "remount_writable": remount_writable,
    "open_by_handle": open_by_handle,
}
probe["OPERATIONS"].update(OPERATIONS)

print(json.dumps([probe["run"](op) for op in json.loads(sys.argv[1])]))
