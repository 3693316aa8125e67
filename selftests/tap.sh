# SPDX-License-Identifier: GPL-2.0
# ok RC DESC: one TAP line, numbered in N, failures counted in FAILS.
# Sourced by the host-side NDVM boot tests (selftests/ndvm/boot.sh) and by
# dom0 of the real-Xen test (selftests/xen/dom0.sh, copied to /xen/).
N=0
FAILS=0

ok() {
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		FAILS=$((FAILS + 1))
		echo "not ok $N - $2"
	fi
}
