# AppArmor policy for tests/vm/cases/lsm.sh: compiled on the host by
# vm.sh (apparmor_parser -Q -o), loaded in the VM through securityfs.
# Both allow everything but one file, so a denial shows the profile works.
# attach_disconnected: paths of a pivoted root are outside the namespace's
# original root (as in docker-default).

profile cell-test flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  signal,
  unix,
  network,
  ptrace,
  deny /etc/aa-denied r,
}

profile cell-test2 flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  signal,
  unix,
  network,
  ptrace,
  deny /etc/aa-allowed r,
}
