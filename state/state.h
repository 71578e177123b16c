/* Per-container state under --root: ROOT/ID/state.json (+ exec.fifo while
 * created), locked with flock on the directory. Status is computed from the
 * live process, never trusted from the file. */
#ifndef CELL_STATE_H
#define CELL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

#define STATE_FIFO "exec.fifo"
#define STATE_FILE "state.json"
#define STATE_OCI_VERSION "1.2.0"

enum state_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED
};

struct state {
	char *id;
	pid_t pid;
	uint64_t pid_start;   /* /proc/PID/stat field 22: tells a recycled PID apart */
	char *bundle;
	char *rootfs;
	char *created;        /* RFC 3339 */
	char *annotations;    /* raw JSON object text, or NULL */
	char *cgroups;        /* raw JSON array from cgroup_state_json, or NULL */
	uint32_t owner;       /* uid that created it */
	int64_t preserve_fds; /* for reference by exec later */
	char *buf;            /* backing storage of the strings above */
};

/* Default --root: /run/cell for root, $XDG_RUNTIME_DIR/cell otherwise. */
const char *state_default_root(void);

/* Container IDs: [A-Za-z0-9][A-Za-z0-9_+.-]*, at most 1024 bytes. */
int state_check_id(const char *id, struct cell_err *e);

/* Open (creating if needed, mode 0700) the root directory. */
int state_root_open(const char *root, bool create, struct cell_err *e);

/* Claim a new ID: mkdir ROOT/ID (EEXIST -> "container `ID` already exists"),
 * open it and take its lock. Returns the directory fd. */
int state_claim(int rootfd, const char *id, struct cell_err *e);

/* Open an existing container's directory, locked (LOCK_EX) or shared
 * (LOCK_SH). ENOENT -> "container `ID` does not exist". */
int state_open(int rootfd, const char *id, bool exclusive, struct cell_err *e);

/* Remove ROOT/ID (open as dirfd) and what is in it. */
int state_remove(int rootfd, const char *id, int dirfd, struct cell_err *e);

int state_write(int dirfd, const struct state *s, struct cell_err *e);
int state_read(int dirfd, struct state *s, struct cell_err *e);
void state_free(struct state *s);

/* Start time of PID from /proc/PID/stat (0 if gone). */
uint64_t state_pid_start(pid_t pid);
/* Field 22 of /proc/PID/stat (0 when unreadable), and the state letter
 * (field 3) when state_letter is not NULL. */
/* Fields of /proc/PID/stat: 0, or -1 when the process is gone. */
struct state_proc {
	char letter;    /* R, S, Z... */
	pid_t ppid;
	uint64_t start; /* clock ticks after boot */
};
int state_proc_stat(pid_t pid, struct state_proc *out);
uint64_t state_pid_stat(pid_t pid, char *state_letter);

/* Compute the status. When pidfd is non-NULL and the process is alive, a
 * pidfd for it is returned there (-1 otherwise): signal through it, never
 * through the PID. */
enum state_status state_status(int dirfd, const struct state *s, int *pidfd);

const char *state_status_name(enum state_status st);

struct json_out;
/* The OCI state object of `cell state` (plus runc's rootfs, created and
 * owner), with status st; pid 0 when stopped. Hooks read the same. */
void state_json(struct json_out *o, const struct state *s, enum state_status st);

#endif
