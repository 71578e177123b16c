/* The runtime's side of a container's terminal: handing the pty master to
 * a console socket, and proxying it to the caller's terminal. */
#ifndef CELL_CMD_TTY_H
#define CELL_CMD_TTY_H

#include <signal.h>
#include <stdbool.h>
#include <termios.h>

#include "../util/err.h"

/* Send the master over the unix socket at path (runc's protocol: one
 * message, SCM_RIGHTS). The caller closes its copy afterwards. */
int tty_send_to_socket(const char *path, int master, struct cell_err *e);

/* The caller's terminal in raw mode, put back by tty_raw_leave. */
struct tty_raw {
	bool set;
	struct termios saved;
};
void tty_raw_enter(int fd, struct tty_raw *t);
void tty_raw_leave(int fd, struct tty_raw *t);

/* Copy the window size of terminal `from` to `to` (no-op if from is not
 * a terminal). */
void tty_copy_winsize(int from, int to);

/* Proxy stdin -> master and master -> stdout, with stdin raw, until the
 * process behind pidfd exits (then the output left in the pty is drained).
 * Signals of `fwd` are read from a signalfd: SIGWINCH resizes the pty, the
 * others go to pidfd. The terminal is restored on every return. */
int tty_proxy_wait(int master, int pidfd, const sigset_t *fwd, struct cell_err *e);

#endif
