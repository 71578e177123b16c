#!/usr/bin/env python3
"""Write or edit an OCI config.json for the tests.

Usage: mkconfig.py FILE [--new] [EDIT...] [--args ARG...]

  --new           start from the built-in base config (else FILE is read)
  PATH=VALUE      set; VALUE is JSON when it parses as JSON, else a string
  PATH+=VALUE     append VALUE to the list at PATH (created when missing)
  PATH-=VALUE     remove list items equal to VALUE; a JSON object VALUE
                  removes the objects that contain all of its keys/values
  --del PATH      delete the key or list item at PATH
  --args ARG...   set process.args to the remaining arguments, verbatim

PATH is dotted with list indexes and quoted keys:
  process.args[0]   linux.namespaces[-1].type   annotations["org.x.y"]

The base is what `runc spec` writes, with terminal false, hostname "cell",
a cgroup namespace and no ambient capabilities. When the environment has
CELL_TEST_TAG, the base also puts it in process.env as CELL_TEST_CTR, so the
test harness can find (and kill) every container process a test started.
"""
import json
import os
import re
import sys

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def base_config():
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    tag = os.environ.get("CELL_TEST_TAG")
    if tag:
        env.append("CELL_TEST_CTR=" + tag)
    nosuid = ["nosuid", "noexec", "nodev"]
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": env,
            "cwd": "/",
            "capabilities": {k: list(CAPS) for k in ("bounding", "effective", "permitted")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "cell",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": nosuid + ["mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": nosuid},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": nosuid + ["ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": nosuid + ["relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
            ],
            "readonlyPaths": [
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
            ],
        },
    }


TOKEN = re.compile(r'\.?([^.\[\]]+)|\[(-?\d+)\]|\["([^"]*)"\]')


def parse_path(path):
    keys, pos = [], 0
    while pos < len(path):
        m = TOKEN.match(path, pos)
        if not m or m.end() == pos:
            sys.exit("mkconfig: bad path %r at %d" % (path, pos))
        name, index, quoted = m.groups()
        if index is not None:
            keys.append(int(index))
        elif quoted is not None:
            keys.append(quoted)
        elif re.fullmatch(r"-?\d+", name):
            keys.append(int(name))
        else:
            keys.append(name)
        pos = m.end()
    if not keys:
        sys.exit("mkconfig: empty path")
    return keys


def walk(doc, keys):
    """Return the container holding keys[-1], creating objects on the way."""
    node = doc
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(node, list):
            node = node[key]
            continue
        if key not in node or node[key] is None:
            node[key] = [] if isinstance(nxt, int) else {}
        node = node[key]
    return node


def value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def matches(item, pattern):
    if isinstance(pattern, dict) and isinstance(item, dict):
        return all(item.get(k) == v for k, v in pattern.items())
    return item == pattern


def split_edit(edit):
    """Split PATH OP VALUE at the first `=` outside brackets."""
    depth = 0
    for i, ch in enumerate(edit):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "=" and depth == 0:
            if i > 0 and edit[i - 1] in "+-":
                return edit[:i - 1], edit[i - 1:i + 1], edit[i + 1:]
            return edit[:i], "=", edit[i + 1:]
    sys.exit("mkconfig: bad edit %r (want PATH=VALUE, PATH+=VALUE or PATH-=VALUE)" % edit)


def apply(doc, edit):
    path, op, text = split_edit(edit)
    keys, val = parse_path(path), value(text)
    parent, last = walk(doc, keys), keys[-1]
    if op == "=":
        parent[last] = val
        return
    if isinstance(parent, dict) and parent.get(last) is None:
        parent[last] = []
    lst = parent[last]
    if not isinstance(lst, list):
        sys.exit("mkconfig: %s is not a list" % path)
    if op == "+=":
        lst.append(val)
    else:
        lst[:] = [x for x in lst if not matches(x, val)]


def delete(doc, path):
    keys = parse_path(path)
    parent = walk(doc, keys)
    try:
        del parent[keys[-1]]
    except (KeyError, IndexError):
        pass


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    path, rest = argv[1], argv[2:]
    if "--new" in rest:
        rest.remove("--new")
        doc = base_config()
    else:
        with open(path) as f:
            doc = json.load(f)
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--args":
            doc.setdefault("process", {})["args"] = rest[i + 1:]
            break
        if arg == "--del":
            delete(doc, rest[i + 1])
            i += 2
            continue
        apply(doc, arg)
        i += 1
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main(sys.argv)
