/* Syscall numbers per architecture, generated at build time from the
 * kernel headers by scripts/gen-syscalls.py (syscalls_gen.c). */
#ifndef CELL_SECCOMP_SYSCALLS_H
#define CELL_SECCOMP_SYSCALLS_H

#include <stdint.h>

/* Same values as enum oci_scmp_arch. */
enum { SC_ARCH_X86_64, SC_ARCH_X86, SC_ARCH_X32, SC_ARCH_AARCH64, SC_ARCH_ARM };

/* 4 bytes an entry, not a pointer and a number (16 with padding): the
 * three x86 tables hold some 1150 calls, 13 KB less in the binary. */
struct sc_sysent {
	uint16_t name; /* offset of the name in sc_names */
	uint16_t nr;   /* the number minus the table's nr_base */
};

struct sc_systab {
	int arch;
	const struct sc_sysent *ents; /* sorted by name (strcmp) */
	unsigned n;
	uint32_t nr_base; /* x32: __X32_SYSCALL_BIT, else 0 */
	uint32_t max_nr; /* the highest number this build knows */
	const uint16_t *hash; /* FNV-1a of the name, linear probing: 1 + index, 0 empty */
	uint32_t hash_mask;
};

/* Every name of every table once, each followed by a NUL. */
extern const char sc_names[];

static inline const char *sc_ent_name(const struct sc_systab *t, unsigned i)
{
	return sc_names + t->ents[i].name;
}

static inline uint32_t sc_ent_nr(const struct sc_systab *t, unsigned i)
{
	return t->nr_base + t->ents[i].nr;
}

/* The architectures this build has tables for: the host's own and the
 * ones its kernel also runs (x86 and x32 on x86_64, arm on arm64). */
extern const struct sc_systab sc_systabs[];
extern const unsigned sc_n_systabs;

/* The table for an arch, or NULL when this build has none. */
const struct sc_systab *sc_systab_for(int arch);

/* Number of a syscall name, or -1 when the architecture has no such call. */
int64_t sc_syscall_nr(const struct sc_systab *t, const char *name);

/* Name of a number, or NULL (linear: for seccomp-dump only). */
const char *sc_syscall_name(const struct sc_systab *t, uint32_t nr);

#endif
