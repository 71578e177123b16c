#!/usr/bin/env python3
"""A seccomp notify listener for the tests (runtime-spec listenerPath).

usage: seccomp-listener.py SOCKET STATEFILE ERRNO

Listens on SOCKET, takes one connection, receives the container process
state JSON with the notify fd (SCM_RIGHTS), writes the JSON and the
syscall number it got to STATEFILE, and answers that one call with
-ERRNO. Then exits.
"""
import array
import fcntl
import json
import os
import socket
import struct
import sys

NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes


def main():
    path, out, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".tmp")
    srv.listen(1)
    os.rename(path + ".tmp", path)  # the test waits for SOCKET to appear
    conn, _ = srv.accept()
    fds = array.array("i")
    data = b""
    while True:
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
        if not msg:
            break
        data += msg
        try:
            state = json.loads(data)
            break
        except ValueError:
            continue
    if len(fds) != 1:
        sys.exit("listener: expected one fd, got %d" % len(fds))
    buf = bytearray(80)
    fcntl.ioctl(fds[0], NOTIF_RECV, buf)
    nid, pid, _flags, nr, arch = struct.unpack_from("<QIIiI", buf)
    with open(out + ".tmp", "w") as f:
        json.dump({"state": state, "nr": nr, "arch": arch, "pid": pid}, f)
    os.rename(out + ".tmp", out)
    fcntl.ioctl(fds[0], NOTIF_SEND, bytearray(struct.pack("<QqiI", nid, 0, -err, 0)))


main()
