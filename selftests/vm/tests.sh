#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (as /tests/run.sh): every test in order, TAP
# output. seal.sh pins the module, so it runs last.
TESTS=${TESTS:-"fail_closed traffic state reject translate bridge masquerade frag malformed ipv6 vlan log antispoof diff diffbr atomic digest netlink fuzz pktfuzz soak limits seal"}
TIMEOUT=600
for a in $(cat /proc/cmdline); do
	case $a in
	ndvmfw.tests=*) TESTS=$(echo "${a#ndvmfw.tests=}" | tr , ' ') ;;
	ndvmfw.timeout=*) TIMEOUT=${a#ndvmfw.timeout=} ;;
	esac
done
export PATH=/usr/bin:/sbin:/bin:/usr/sbin

set -- $TESTS
echo "TAP version 13"
echo "1..$(($# + 1))"
i=0
failed=0
for t in $TESTS; do
	i=$((i + 1))
	start=$(cut -d' ' -f1 /proc/uptime)
	timeout "$TIMEOUT" sh "/tests/$t.sh" >"/tmp/$t.log" 2>&1
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	sed 's/^/# /' "/tmp/$t.log"
	case $rc in
	0) echo "ok $i - $t # ${start}s-${end}s" ;;
	4) echo "ok $i - $t # SKIP" ;;
	*) echo "not ok $i - $t (rc=$rc)"; failed=$((failed + 1)) ;;
	esac
done
i=$((i + 1))
# also the debug kernel's reports (make check-debug): KASAN ("BUG: KASAN"),
# lockdep and RCU ("WARNING: possible circular locking", "WARNING:
# suspicious RCU usage"), kmemleak (its scans' "new suspected memory leaks")
REPORTS='WARNING:|BUG:|Call Trace|KFENCE|general protection|kmemleak:.*suspected|unreferenced object'
if dmesg | grep -E -q "$REPORTS"; then
	dmesg | grep -E -B2 -A20 "$REPORTS" | sed 's/^/# /'
	echo "not ok $i - kernel log has no WARN, BUG or oops"
	failed=$((failed + 1))
else
	echo "ok $i - kernel log has no WARN, BUG or oops"
fi
[ $failed = 0 ]
