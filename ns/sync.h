/* The numbered stages of the start sequence, exchanged between the parent
 * (cell create/run) and the container's init over one SOCK_SEQPACKET
 * socketpair. Each side checks the stage it receives; an error crosses the
 * fork as SYNC_ERROR with the child's errno and message. */
#ifndef CELL_SYNC_H
#define CELL_SYNC_H

#include <stdint.h>

#include "../util/err.h"

enum sync_stage {
	SYNC_ERROR = -1,
	SYNC_INIT_PID = 1,   /* intermediate -> parent: value = init's pid */
	SYNC_CHILD_READY,    /* child joined its namespaces; parent may write maps */
	SYNC_PARENT_DONE,    /* maps, cgroups, network are in place */
	SYNC_MOUNTS_DONE,    /* child: mounts done, before pivot_root (hooks) */
	SYNC_PIVOT,          /* parent: go on and pivot */
	SYNC_CREATED,        /* child: all set up, waiting before exec */
	SYNC_EXEC,           /* parent: exec now (run) */
	SYNC_WAIT_FIFO,      /* parent: exec when `start` writes exec.fifo (create) */
	SYNC_CONSOLE,        /* child: the pty master rides along (SCM_RIGHTS) */
	SYNC_SECCOMP_FD,     /* child: the seccomp listener fd (NOTIFY), SCM_RIGHTS */
	SYNC_IDMOUNT_FD,     /* parent: a detached idmapped tree, before parent-done */
};

struct sync_msg {
	int32_t stage;
	int32_t errnum;
	int64_t value;
	char msg[CELL_ERR_MSG];
};

/* Send a stage (short message: the text is only sent with SYNC_ERROR). */
int sync_send(int fd, enum sync_stage stage, int64_t value);

/* Send an error; used by the child before it _exits. */
void sync_send_error(int fd, const struct cell_err *e);

/* Receive and check the expected stage. A SYNC_ERROR from the peer is
 * turned into *e as the peer filled it. EOF -> "container init exited". */
int sync_expect(int fd, enum sync_stage want, int64_t *value, struct cell_err *e);

/* A stage carrying one fd (SCM_RIGHTS); the receiver gets it close-on-exec. */
int sync_send_fd(int fd, enum sync_stage stage, int passfd);
int sync_expect_fd(int fd, enum sync_stage want, int *passfd, struct cell_err *e);

/* After SYNC_EXEC: EOF on our end means execve closed the child's
 * close-on-exec end (success, 0); SYNC_ERROR carries the exec error (-1). */
int sync_wait_exec(int fd, struct cell_err *e);

#endif
