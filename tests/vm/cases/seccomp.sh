# shellcheck shell=sh
# Seccomp on a kernel that runs i386 code (the development kernel may not,
# so the host suite skips its copy of this case): a filter whose
# architectures leave out x86 kills every i386 call, and one that lists it
# applies its rules to the i386 numbers.

test_i386_killed_unless_listed() {
	[ -x /vm/rootfs/bin/i386 ] || skip "no i386 helper (not an x86_64 host)"
	cfg_sh '/bin/i386; echo "i386=$?"'
	LINUX=',"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"]}'
	cfg
	ctr_run s1
	assert_rc 0
	assert_eq "i386=159" "$OUT" "killed by SIGSYS (128+31)"
	# Listed, the i386 rules apply: its mkdir (39) is denied.
	LINUX=',"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}'
	cfg
	ctr_run s2
	assert_rc 0
	assert_eq "i386=13" "$OUT" "i386 mkdir denied with errnoRet"
	LINUX=""
	cfg
	ctr_run s3
	assert_rc 0
	assert_eq "i386=0" "$OUT" "no filter: the i386 mkdir works"
}
