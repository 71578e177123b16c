#!/usr/bin/env python3
"""Probes of what a seccomp profile in a config.json blocks.

usage: podman-probes.py CONFIG

Prints one line per probe, "NAME NR ARGS... EXPECT", for the x86_64
syscalls the profile's unconditional rules deny (EXPECT "errno N"), for
some calls the profile does not list (its default), and for a few it
allows (EXPECT "kernel": the filter lets the kernel decide). The numbers
come from the kernel headers (asm/unistd_64.h). Every probe is harmless
when it runs without a filter: no capability, zero or invalid arguments.
"""
import json
import re
import subprocess
import sys

NR = {}
out = subprocess.run(["gcc", "-dM", "-E", "-"], input="#include <asm/unistd_64.h>\n",
                     capture_output=True, text=True, check=True).stdout
for m in re.finditer(r"#define __NR_(\w+) (\d+)", out):
    NR[m.group(1)] = int(m.group(2))

# Arguments of the probes that need some (default: none).
ARGS = {
    "keyctl": "0 0xfffffffd 0",     # KEYCTL_GET_KEYRING_ID of the session keyring
    "unshare": "0x10000000",        # CLONE_NEWUSER
    "mount": "0 0 0 0 0",
    "personality": "0xffffffff",    # query: allowed by value
}
# Calls the profile lists as allowed, probed to show the filter does not
# stop them (their result must be the kernel's, as without a filter).
ALLOWED = ["keyctl", "unshare", "mount", "getpid", "personality"]
# Calls no rule lists: the default action.
UNLISTED = ["add_key", "request_key", "io_uring_setup", "kexec_load", "io_uring_enter"]
# Never probed: they block or act even with zero arguments.
SKIP = {"vhangup", "pause", "reboot"}

cfg = json.load(open(sys.argv[1]))
sc = cfg["linux"]["seccomp"]
default = sc["defaultAction"]
default_ret = sc.get("defaultErrnoRet", 1)
rules = {}
for r in sc["syscalls"]:
    for n in r["names"]:
        rules.setdefault(n, []).append(r)


def expect(name):
    rs = rules.get(name)
    if not rs:
        return "errno %d" % default_ret if default == "SCMP_ACT_ERRNO" else None
    if any(r["action"] == "SCMP_ACT_ALLOW" for r in rs):
        return "kernel"
    r = rs[0]
    if len(rs) > 1 or r.get("args") or r["action"] != "SCMP_ACT_ERRNO":
        return None
    return "errno %d" % r.get("errnoRet", 1)


names = sorted(n for n, rs in rules.items() if any(r["action"] == "SCMP_ACT_ERRNO" for r in rs))
seen = set()
for name in names + UNLISTED + ALLOWED:
    if name not in NR or name in SKIP or name in seen:
        continue
    seen.add(name)
    e = expect(name)
    if e is None:
        continue
    print(name, NR[name], ARGS.get(name, ""), "|", e)
