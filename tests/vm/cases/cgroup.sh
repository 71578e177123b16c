# shellcheck shell=sh disable=SC2016 # sh -c scripts are single-quoted on purpose
# cgroups inside the VM, on the layout /init mounted (v2, hybrid, v1): the
# v2 code path that the development host (hybrid) cannot exercise.

test_memory_hog_oom_killed_at_limit() {
	# swap = limit: no swap for the hog, so it meets the OOM killer at 32 MiB.
	RES='{"memory":{"limit":33554432,"swap":33554432}}'
	cfg_sh 'x=0123456789abcdef; while :; do x=$x$x; done'
	cfg
	ctr_run c1
	assert_rc 137 "the memory hog is SIGKILLed by the OOM killer"
}
