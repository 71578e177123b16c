/* Lookups in the generated tables (syscalls_gen.c). */
#include "syscalls.h"

#include <stddef.h>
#include <string.h>

const struct sc_systab *sc_systab_for(int arch)
{
	for (unsigned i = 0; i < sc_n_systabs; i++)
		if (sc_systabs[i].arch == arch)
			return &sc_systabs[i];
	return NULL;
}

int64_t sc_syscall_nr(const struct sc_systab *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, t->ents[mid].name);

		if (c == 0)
			return t->ents[mid].nr;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

const char *sc_syscall_name(const struct sc_systab *t, uint32_t nr)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->ents[i].nr == nr)
			return t->ents[i].name;
	return NULL;
}
