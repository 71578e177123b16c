/* The console holder: for a detached terminal container without a console
 * socket, one small process keeps the pty master and the latest output,
 * and `cell console ID` attaches to it over a unix socket in the state
 * directory (docs/DESIGN.md, "Console holder"). */
#ifndef CELL_CMD_CONSOLE_H
#define CELL_CMD_CONSOLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/err.h"

#define CONSOLE_SOCK "console.sock" /* in ROOT/ID */
#define CONSOLE_FILE "console"      /* "PID START\n" of the holder */

/* Protocol over the SOCK_SEQPACKET socket. The holder sends one hello
 * message (CONSOLE_OK, or CONSOLE_BUSY while another client is attached),
 * then the output: the ring buffer first, then what comes, in messages of
 * at most CONSOLE_CHUNK bytes. The client sends messages of one type byte
 * and a payload: CONSOLE_DATA + input, CONSOLE_WINSIZE + struct winsize.
 * Closing the socket detaches. */
#define CONSOLE_CHUNK 16384
enum { CONSOLE_OK = 'o', CONSOLE_BUSY = 'b', CONSOLE_DATA = 'd', CONSOLE_WINSIZE = 'w' };

/* Start the holder for `master` (the container's pty master; the caller
 * keeps and closes its own copy) next to the init behind `pidfd`: binds
 * ROOT/ID/console.sock (statefd), forks the holder, writes ROOT/ID/console.
 * Returns once the holder has closed every fd it inherited but its own. */
int console_hold(int statefd, int master, int pidfd, struct cell_err *e);

/* The holder of ROOT/ID (statefd), if one runs: its pid, else 0. */
pid_t console_holder_pid(int statefd);

/* End the holder if one runs and wait (briefly) until it has exited.
 * Idempotent; failures are ignored (the holder also exits by itself when
 * the container's init does). */
void console_stop(int statefd);

#endif
