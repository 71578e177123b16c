/* getlabel PATH: the security.selinux attribute of PATH (busybox has no
 * getfattr and no ls -Z). */
#include <stdio.h>
#include <sys/xattr.h>

int main(int argc, char **argv)
{
	char buf[512];
	ssize_t n;

	if (argc != 2)
		return 2;
	n = lgetxattr(argv[1], "security.selinux", buf, sizeof buf - 1);
	if (n < 0) {
		perror(argv[1]);
		return 1;
	}
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}
