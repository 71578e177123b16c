#!/usr/bin/env python3
"""A --console-socket receiver for the tests (runc's protocol).

Usage: consock.py SOCKET [--timeout S] STEP...

Listens on the unix socket SOCKET (made, then announced by creating
SOCKET.ready), accepts one connection and receives the pty master sent
with SCM_RIGHTS. Prints `master: ptmx N` (the pty number in the
container's devpts) and then runs the steps on the master:
  -e REGEX   wait until the output (since the last match) matches
  -s TEXT    write TEXT (Python escapes: \\r, \\x04, ...)
  -w RxC     set the window size
  --eof      read until the last peer closes (EIO), e.g. the container exited
Everything read goes to stdout after the `master:` line. Exit code 0, 124
when a step times out, 1 when no fd came.
"""
import array
import fcntl
import os
import re
import select
import socket
import struct
import sys
import termios
import time


def main(argv):
    path, timeout, steps, i = argv[0], 10.0, [], 1
    while i < len(argv):
        if argv[i] == "--eof":
            steps.append(("--eof", None))
            i += 1
            continue
        if argv[i] == "--timeout":
            timeout = float(argv[i + 1])
        else:
            steps.append((argv[i], argv[i + 1]))
        i += 2
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    open(path + ".ready", "w").close()
    srv.settimeout(timeout * 3)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_SPACE(fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    conn.close()
    if not fds:
        sys.exit("consock: no fd received")
    fd = fds[0]
    st = os.fstat(fd)
    n = struct.unpack("I", fcntl.ioctl(fd, 0x80045430, b"\0" * 4))[0]
    print("master: %s %d" % ("ptmx" if (os.major(st.st_rdev), os.minor(st.st_rdev)) == (5, 2)
                             else "not-ptmx", n), flush=True)
    out, seen = bytearray(), 0

    def pump(wait):
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        out.extend(data)
        return bool(data)

    def done(rc):
        sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
        return rc

    for kind, arg in steps:
        deadline = time.time() + timeout
        if kind == "-e":
            pat = re.compile(arg.encode(), re.S)
            while not pat.search(bytes(out), seen):
                if time.time() > deadline or not pump(0.1):
                    if pat.search(bytes(out), seen):
                        break
                    sys.stderr.write("consock: timed out waiting for /%s/\n" % arg)
                    return done(124)
            seen = pat.search(bytes(out), seen).end()
        elif kind == "-s":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "-w":
            rows, cols = (int(x) for x in arg.split("x"))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        elif kind == "--eof":
            while pump(0.1):
                if time.time() > deadline:
                    sys.stderr.write("consock: no EOF\n")
                    return done(124)
    return done(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
