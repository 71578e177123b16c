/* Test helper for seccomp: make one raw system call and print its result.
 *   sctest NAME|NUMBER [ARG...]     ARGs are integers (0x... allowed)
 * prints "ok RET" or "errno N" and exits 0; a filter that kills the
 * process ends it by SIGSYS instead. Built static by the tests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{ "mkdir", SYS_mkdir },   { "personality", SYS_personality },
	{ "lseek", SYS_lseek },   { "add_key", SYS_add_key },
	{ "keyctl", SYS_keyctl }, { "bpf", SYS_bpf },
	{ "getpid", SYS_getpid }, { "perf_event_open", SYS_perf_event_open },
	{ "unshare", SYS_unshare }, { "getppid", SYS_getppid },
};

int main(int argc, char **argv)
{
	long nr = -1, a[6] = { 0 }, r;

	if (argc < 2)
		return 2;
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (strcmp(argv[1], calls[i].name) == 0)
			nr = calls[i].nr;
	if (nr < 0)
		nr = (long)strtoull(argv[1], NULL, 0);
	for (int i = 2; i < argc && i < 8; i++)
		a[i - 2] = (long)strtoull(argv[i], NULL, 0);
	r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r < 0)
		printf("errno %d\n", errno);
	else
		printf("ok %ld\n", r);
	return 0;
}
