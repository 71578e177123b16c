#!/usr/bin/env python3
"""Length of the seccomp filters the kernel holds for a process.

usage: filter-len.py PID

Prints the instruction count of each filter attached to PID, newest first,
as PTRACE_SECCOMP_GET_FILTER reports them (needs CAP_SYS_ADMIN): what a
runtime really installed, whatever library compiled it.
"""
import ctypes
import os
import sys

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_SECCOMP_GET_FILTER = 0x420C

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def check(r, what):
    if r < 0:
        e = ctypes.get_errno()
        sys.exit("filter-len.py: %s: %s" % (what, os.strerror(e)))
    return r


pid = int(sys.argv[1])
check(libc.ptrace(PTRACE_SEIZE, pid, None, None), "PTRACE_SEIZE")
check(libc.ptrace(PTRACE_INTERRUPT, pid, None, None), "PTRACE_INTERRUPT")
os.waitpid(pid, 0)
lens = []
i = 0
while True:
    r = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, ctypes.c_void_p(i), None)
    if r < 0:
        if ctypes.get_errno() != 2:  # ENOENT: no more filters
            check(r, "PTRACE_SECCOMP_GET_FILTER")
        break
    lens.append(r)
    i += 1
libc.ptrace(PTRACE_DETACH, pid, None, None)
print(" ".join(str(n) for n in lens) if lens else "none")
