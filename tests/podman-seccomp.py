#!/usr/bin/env python3
"""Put podman's default seccomp profile into a config.json, as podman does.

usage: podman-seccomp.py CONFIG [PROFILE]

PROFILE (default /usr/share/containers/seccomp.json, from Debian's
golang-github-containers-common) is in the containers/common format:
archMap, and per-rule includes/excludes on capabilities, architectures
and kernel versions. Like podman (containers/common pkg/seccomp), this
keeps the rules that apply to this machine and to the config's bounding
capabilities, and writes plain OCI linux.seccomp. The profile is read
where the package installs it, never copied into the tree.
"""
import json
import os
import platform
import sys

GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}
SCMP = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}


def kernel_at_least(v):
    have = [int(x) for x in platform.release().split("-")[0].split(".")[:2]]
    want = [int(x) for x in v.split(".")[:2]]
    return have >= want


def convert(prof, caps, goarch):
    native = SCMP[goarch]
    archs = []
    for m in prof.get("archMap") or []:
        if m["architecture"] == native:
            archs = [native] + m.get("subArchitectures", [])
    out = {"defaultAction": prof["defaultAction"], "architectures": archs, "syscalls": []}
    if "defaultErrnoRet" in prof:
        out["defaultErrnoRet"] = prof["defaultErrnoRet"]
    for call in prof["syscalls"]:
        inc = call.get("includes") or {}
        exc = call.get("excludes") or {}
        if inc.get("arches") and goarch not in inc["arches"]:
            continue
        if any(c not in caps for c in inc.get("caps") or []):
            continue
        if inc.get("minKernel") and not kernel_at_least(inc["minKernel"]):
            continue
        if goarch in (exc.get("arches") or []):
            continue
        if any(c in caps for c in exc.get("caps") or []):
            continue
        rule = {"names": call["names"], "action": call["action"], "args": call.get("args") or []}
        if call.get("errnoRet") is not None:
            rule["errnoRet"] = call["errnoRet"]
        out["syscalls"].append(rule)
    return out


def main():
    cfg_path = sys.argv[1]
    prof_path = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/containers/seccomp.json"
    with open(prof_path) as f:
        prof = json.load(f)
    with open(cfg_path) as f:
        cfg = json.load(f)
    caps = ((cfg.get("process") or {}).get("capabilities") or {}).get("bounding") or []
    goarch = GOARCH[platform.machine()]
    cfg.setdefault("linux", {})["seccomp"] = convert(prof, caps, goarch)
    tmp = cfg_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f, indent="\t")
    os.rename(tmp, cfg_path)


main()
