/* Container networking. */
#ifndef CELL_NET_H
#define CELL_NET_H

#include "../util/err.h"

/* Bring `lo` up in the current network namespace (a new netns starts with
 * it down; runc and crun bring it up too). */
int net_loopback_up(struct cell_err *e);

#endif
