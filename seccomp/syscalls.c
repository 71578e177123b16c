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

/* Hashed (the generator built the index): a profile names some 400 calls
 * for each of three tables on every create, and musl's strcmp is bytewise. */
int64_t sc_syscall_nr(const struct sc_systab *t, const char *name)
{
	uint32_t h = 0x811c9dc5;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x01000193;
	for (h &= t->hash_mask; t->hash[h] != 0; h = (h + 1) & t->hash_mask) {
		unsigned i = t->hash[h] - 1u;

		if (strcmp(sc_ent_name(t, i), name) == 0)
			return sc_ent_nr(t, i);
	}
	return -1;
}

const char *sc_syscall_name(const struct sc_systab *t, uint32_t nr)
{
	for (unsigned i = 0; i < t->n; i++)
		if (sc_ent_nr(t, i) == nr)
			return sc_ent_name(t, i);
	return NULL;
}
