/* Test helper: a 32-bit x86 program (gcc -m32 -static -nostdlib) whose
 * only calls go through int 0x80: mkdir("/tmp/i386") then exit with the
 * errno it got (0 on success). A filter that kills i386 calls ends it by
 * SIGSYS before that. */
static long sys1(long nr, long a)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a) : "memory");
	return r;
}

static long sys2(long nr, long a, long b)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory");
	return r;
}

void _start(void)
{
	long r = sys2(39 /* i386 mkdir */, (long)"/tmp/i386", 0755);

	sys1(1 /* i386 exit */, r < 0 ? -r : 0);
	for (;;)
		;
}
