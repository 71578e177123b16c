/* Writes into a container's /proc that the container cannot redirect
 * (CVE-2025-52881): sysctls (ns/process.c) and LSM attributes (lsm/). */
#ifndef CELL_PROCFS_H
#define CELL_PROCFS_H

#include "err.h"

/* A detached copy of the procfs mounted on /proc (of the calling process's
 * root), checked to be the root of a procfs; O_PATH, close-on-exec. */
int procfs_open_verified(struct cell_err *e);

/* procfs_open_file: also follow procfs's own symlinks (thread-self), never
 * magic links (fd/N, exe). */
#define PROCFS_FOLLOW 1u

/* path (relative to proc, from procfs_open_verified) opened for writing
 * without crossing into another mount, and checked to be a procfs file.
 * Errors name `/proc/PATH`. */
int procfs_open_file(int proc, const char *path, unsigned int opts, struct cell_err *e);

#endif
