#!/usr/bin/env python3
"""Length in instructions of libseccomp's filter for an OCI profile.

usage: libseccomp-len.py CONFIG.json [OPTIMIZE]

Writes a C program that adds the profile's rules the way libseccomp-based
runtimes do (seccomp_rule_add_array, unknown names and default-action rules
skipped), builds it against the host's libseccomp (libseccomp-dev), exports
the BPF and prints its instruction count. OPTIMIZE 2 asks libseccomp for
its binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE, libseccomp >= 2.5).
"""
import json
import os
import subprocess
import sys
import tempfile

ACT = {"SCMP_ACT_KILL": "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS": "SCMP_ACT_KILL_PROCESS",
       "SCMP_ACT_KILL_THREAD": "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP": "SCMP_ACT_TRAP",
       "SCMP_ACT_ALLOW": "SCMP_ACT_ALLOW", "SCMP_ACT_LOG": "SCMP_ACT_LOG",
       "SCMP_ACT_NOTIFY": "SCMP_ACT_NOTIFY"}


def act(name, errno, default_errno=1):
    if name == "SCMP_ACT_ERRNO":
        return "SCMP_ACT_ERRNO(%d)" % (errno if errno is not None else default_errno)
    if name == "SCMP_ACT_TRACE":
        return "SCMP_ACT_TRACE(%d)" % (errno or 0)
    return ACT[name]


def main():
    cfg = json.load(open(sys.argv[1]))
    opt = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    s = cfg["linux"]["seccomp"]
    dflt = act(s["defaultAction"], s.get("defaultErrnoRet"))
    c = ["#include <seccomp.h>", "#include <stdio.h>", "#include <fcntl.h>", "#include <unistd.h>",
         "int main(void){", "scmp_filter_ctx c = seccomp_init(%s);" % dflt, "int nr;"]
    if opt:
        c.append("seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, %d);" % opt)
    for a in s.get("architectures", []):
        c.append("seccomp_arch_add(c, %s);" % a)
    for r in s.get("syscalls", []):
        a = act(r["action"], r.get("errnoRet"))
        if a == dflt:
            continue
        args = r.get("args") or []
        arr = ",".join("{%d,%s,%dULL,%dULL}" % (x["index"], x["op"], x.get("value", 0), x.get("valueTwo", 0))
                       for x in args)
        for n in r["names"]:
            c.append('nr = seccomp_syscall_resolve_name("%s");' % n)
            c.append("if (nr != __NR_SCMP_ERROR) {")
            if args:
                c.append("struct scmp_arg_cmp a[] = {%s};" % arr)
                c.append("seccomp_rule_add_array(c, %s, nr, %d, a);" % (a, len(args)))
            else:
                c.append("seccomp_rule_add_array(c, %s, nr, 0, NULL);" % a)
            c.append("}")
    c.append('int fd = open("/dev/stdout", O_WRONLY); if (seccomp_export_bpf(c, fd)) return 1; return 0;}')
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "l.c"), os.path.join(d, "l")
        open(src, "w").write("\n".join(c))
        subprocess.run(["gcc", "-O0", "-w", "-o", exe, src, "-lseccomp"], check=True)
        bpf = subprocess.run([exe], capture_output=True, check=True).stdout
    print(len(bpf) // 8)


main()
