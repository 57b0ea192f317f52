"""Runs a command where no seccomp filter can be added, as on a host whose
own filters already take the kernel's whole budget of instructions.

Usage: python3 without-seccomp.py COMMAND [ARG]...
Attaches allow-everything filters (a jump over padding to RET ALLOW) until
the kernel refuses even one more instruction (ENOMEM: the per-thread limit of
MAX_INSNS_PER_PATH), then execs COMMAND, which inherits them. The launcher's
own filter then cannot be installed, so with `--best-effort seccomp` Landlock
alone decides what seccomp and its supervisor would otherwise refuse first.
"""
import ctypes
import errno
import os
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
BPF_JMP_JA = 0x05
BPF_RET_K = 0x06
SECCOMP_RET_ALLOW = 0x7FFF0000
BPF_MAXINSNS = 4096

libc = ctypes.CDLL(None, use_errno=True)


class Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]


def attach(length):
    """A filter of `length` instructions that allows everything; False when the kernel has no room for it."""
    code = (Instruction * length)(*[Instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)] * length)
    if length > 1:
        code[0] = Instruction(BPF_JMP_JA, 0, 0, length - 2)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(Program(length, code)), 0, 0) == 0:
        return True
    error = ctypes.get_errno()
    if error != errno.ENOMEM:
        raise OSError(error, os.strerror(error))
    return False


if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
    raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
length = BPF_MAXINSNS
while length >= 1:
    if not attach(length):
        length //= 2
os.execvp(sys.argv[1], sys.argv[1:])
