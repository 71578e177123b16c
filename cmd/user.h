/* exec/attach --user USER[:GROUP] (cmd/user.c). */
#ifndef CELL_CMD_USER_H
#define CELL_CMD_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

struct user_ids {
	uint32_t uid;
	uint32_t gid;
	bool has_gid;     /* a GROUP was given, or the user's from /etc/passwd */
	uint32_t *groups; /* a named user's groups in /etc/group (malloc'd), as runc */
	size_t n_groups;
};

/* Resolve spec for the container whose init is `init`: numbers are taken
 * as given (nothing is read); a name is looked up in the container's
 * /etc/passwd or /etc/group, opened under /proc/INIT/root with symlinks
 * resolved inside it. A named user without GROUP gets its passwd gid.
 * `what` prefixes errors ("exec: --user"). */
int user_resolve(pid_t init, const char *spec, const char *what, struct user_ids *ids,
		 struct cell_err *e);

#endif
