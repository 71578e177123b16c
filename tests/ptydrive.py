#!/usr/bin/env python3
"""Drive a program through a pseudo-terminal, as a person at a terminal would.

Usage: ptydrive.py [--size ROWSxCOLS] [--timeout S] STEP... -- CMD [ARG...]

CMD runs with a new pty as its controlling terminal and stdio. Steps, in
order:
  -e REGEX   wait until the output so far (since the last match) matches
  -s TEXT    type TEXT (Python escapes: \\r, \\x01, ...)
  -w RxC     resize the terminal to R rows, C columns (the kernel sends
             SIGWINCH to its foreground process group)
  -p S       pause S seconds
After the steps it waits for CMD to exit. Everything CMD wrote goes to
stdout (with \\r\\n made \\n); the exit code is CMD's (128+N if killed by
signal N). A step that times out prints the output to stderr and exits 124.
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main(argv):
    size, timeout, steps = None, 10.0, []
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a == "--size":
            size = [int(x) for x in argv[i + 1].split("x")]
        elif a == "--timeout":
            timeout = float(argv[i + 1])
        elif a in ("-e", "-s", "-w", "-p"):
            steps.append((a, argv[i + 1]))
        else:
            sys.exit("ptydrive: unknown argument " + a)
        i += 2
    cmd = argv[i + 1:]
    if not cmd:
        sys.exit(__doc__)

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    if size:
        set_size(fd, *size)

    out = bytearray()
    seen = 0  # output before this offset was consumed by a match

    def pump(wait):
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out.extend(data)
        return True

    def text():
        return out.decode("utf-8", "replace").replace("\r\n", "\n")

    for kind, arg in steps:
        if kind == "-e":
            deadline = time.time() + timeout
            pat = re.compile(arg.encode(), re.S)
            while True:
                m = pat.search(bytes(out), seen)
                if m:
                    seen = m.end()
                    break
                if time.time() > deadline or not pump(0.1):
                    m = pat.search(bytes(out), seen)
                    if m:
                        seen = m.end()
                        break
                    sys.stderr.write("ptydrive: timed out waiting for /%s/; output:\n%s\n"
                                     % (arg, text()))
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    sys.stdout.write(text())
                    return 124
        elif kind == "-s":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "-w":
            rows, cols = (int(x) for x in arg.split("x"))
            set_size(fd, rows, cols)
        elif kind == "-p":
            end = time.time() + float(arg)
            while time.time() < end and pump(end - time.time()):
                pass

    deadline = time.time() + timeout
    done, status = 0, 0
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if not pump(0.05):
            time.sleep(0.02)
    while done and pump(0.05):
        pass
    if not done:
        sys.stderr.write("ptydrive: the program did not exit; output:\n%s\n" % text())
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.stdout.write(text())
        return 124
    sys.stdout.write(text())
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
