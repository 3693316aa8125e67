#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The load path under fault injection (make check-debug; needs a kernel
# with CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC, kmemleak: the
# debug kernel of scripts/debug-kernel.sh; skipped elsewhere).
#
# Installed twice in the VM: as /tests/failnth.sh, run before seal.sh, and
# as /tests/failnth_sealed.sh, run after it; the module's state decides.
#   unsealed: selftests/tools/failnth insmods the module with the 1st, 2nd,
#     ... fault point of loading and initialising it failing (failslab and
#     fail_page_alloc with ignore-gfp-wait=N, through
#     /proc/thread-self/fail-nth): a failed insmod leaves no module and no
#     netlink family. Then a known rule set is loaded; failnth loads a
#     big one (sets, ports, state, log, masquerade, reject, bind,
#     antispoof) with the 1st, 2nd, ... fault point of the path failing,
#     the known one again after each success.
#     Every failed load leaves status, digest and dump as they were; the
#     known rule set still filters afterwards.
#   sealed: every fault point of a refused load fails once; nothing
#     changes, the last refusal is EPERM.
# Then, both: kmemleak scans and finds no unreferenced object (before the
# run: none attributable to the module; the run: none at all), and the
# kernel log has no KASAN, lockdep, RCU, WARN or BUG report. Allocation
# failure warnings (warn_alloc: "page allocation failure", "vmalloc
# error", with their stack) are expected under fault injection and left
# out; after the check the log is cleared, so that tests.sh's final check
# does not count them either.
. /tests/lib.sh

DBG=/sys/kernel/debug
LEAKS=$DBG/kmemleak

if [ ! -e /proc/self/fail-nth ] || [ ! -d $DBG/failslab ] ||
	[ ! -d $DBG/fail_page_alloc ] || [ ! -e $LEAKS ]; then
	log "SKIP: needs fail-nth, failslab, fail_page_alloc and kmemleak (the make check-debug kernel)"
	exit $KSFT_SKIP
fi

# faults: every slab allocation and every page allocation of order >= 1
# (kmalloc_large, kvmalloc's first try) may fail, sleeping ones too
faults_on() {
	for _f in failslab fail_page_alloc; do
		echo N >$DBG/$_f/ignore-gfp-wait
		echo 0 >$DBG/$_f/verbose
		echo 0 >$DBG/$_f/probability
		echo -1 >$DBG/$_f/times
	done
	echo N >$DBG/fail_page_alloc/ignore-gfp-highmem
	echo 1 >$DBG/fail_page_alloc/min-order
}

faults_off() {
	for _f in failslab fail_page_alloc; do
		echo Y >$DBG/$_f/ignore-gfp-wait
	done
}

# leak_scan: two scans (kmemleak reports an object once it was seen
# unreferenced, and is at least 5 s old), the report in /tmp/leaks
# (fails when kmemleak turned itself off, e.g. out of memory for its
# metadata: then it would report nothing)
leak_scan() {
	echo scan >$LEAKS && sleep 6 && echo scan >$LEAKS && cat $LEAKS >/tmp/leaks
}

# attributable: a leak whose allocation backtrace is in the module, or in
# code that is gone (an unloaded module instance: no symbol)
leaks_ours() {
	awk '/^unreferenced object/ { obj = $0 } /ndvmfw|\] 0x[0-9a-f]+$/ && obj != "" { print obj; obj = "" }' /tmp/leaks
}

# the kernel log without the allocation failure warnings and their stack
# (from the warning to the end of its </TASK> block)
kernel_reports() {
	dmesg | awk '
		/page allocation failure:|vmalloc error:|vmalloc: allocation failure/ { skip = 1 }
		skip && /<\/TASK>/ { skip = 0; next }
		!skip' |
		grep -E -B2 -A20 'WARNING:|BUG:|Call Trace|KFENCE|general protection|kmemleak:.*(suspected|disabled)|Memory pool empty|possible circular locking|suspicious RCU usage|INFO: '
}

sealed=no
if mod_loaded && [ "$(status_field sealed)" = yes ]; then
	sealed=yes
fi

check "kmemleak scans (before the run)" leak_scan
log "kmemleak before the run: $(grep -c '^unreferenced object' /tmp/leaks) unreferenced objects"
leaks_ours >/tmp/leaks.ours
check "kmemleak before the run: none from ndvmfw" [ ! -s /tmp/leaks.ours ]
if [ -s /tmp/leaks ]; then
	sed 's/^/#   /' /tmp/leaks | head -n 200
fi
echo clear >$LEAKS

BIG=/tmp/failnth_big.rules
awk 'BEGIN {
	print "policy drop"
	printf "set many {"
	for (i = 0; i < 300; i++)
		printf "%s 10.%d.%d.0/24", i ? "," : "", 100 + i / 256, i % 256
	for (i = 0; i < 100; i++)
		printf ", fd00:%x::/32", 100 + i
	print " }"
	# a bind names at most 64 addresses (NDVMFW_MAX_BIND_ADDRS)
	printf "set fzids {"
	for (i = 0; i < 60; i++)
		printf "%s 10.%d.%d.0/24", i ? "," : "", 200 + i / 256, i % 256
	for (i = 0; i < 4; i++)
		printf ", fd00:%x::/32", 300 + i
	print " }"
	print "set uplinks { 192.0.2.0/24, 2001:db8:99::/64 }"
	print "accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }"
	print "drop in vif2.0 from @many log"
	print "accept state established,related"
	print "masquerade out uplink0 from @many family ip"
	print "reject in vif* proto tcp to any port 25 log"
	print "accept in vif1.0 out uplink0 proto icmp icmp-type { echo-request, 3/4 }"
	for (i = 0; i < 100; i++)
		printf "drop in vif2.0 proto tcp from @many port { %d, %d-%d } to 192.0.2.%d port %d\n",
			i + 1, 2000 + 10 * i, 2005 + 10 * i, i % 250 + 1, 1000 + i
	for (i = 0; i < 50; i++)
		printf "accept in vif%d.0 out uplink0 proto udp to @uplinks port %d\n", i % 2 + 1, 3000 + i
	print "bind vif2.0 mac 02:00:00:00:02:05 ip 10.137.1.5,fd00:2::5"
	print "antispoof vif2.0"
	print "bind fz1.0 mac 02:00:00:00:00:01 ip @fzids"
	print "hotplug fz* bridge fzbr"
}' >$BIG

if [ $sealed = no ]; then
	ndvm_setup
	R=$(rules known <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
	mod_unload
	faults_on
	check "failnth -i: every fault point of insmod fails once; nothing left behind" \
		failnth -i "$MODULE"
	sed 's/^/#   /' /tmp/check.out
	faults_off
	check "the module is loaded" mod_loaded
	check "the big rule set is valid" $FWCTL check $BIG
	check "load the known rule set" $FWCTL load "$R"
	check "known rules: guest 1 pings the uplink" ping_from g1 192.0.2.2
	faults_on
	t0=$(cut -d' ' -f1 /proc/uptime)
	check "failnth: every fault point of loading the big rule set fails once; no partial state" \
		failnth -b "$R" $BIG
	sed 's/^/#   /' /tmp/check.out
	faults_off
	log "failnth took $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s (TCG, KASAN)"
	check "the big rule set loads without faults" $FWCTL load $BIG
	check "the known rule set loads again" $FWCTL load "$R"
	check "and filters: guest 1 pings the uplink" ping_from g1 192.0.2.2
	check_not "and guest 2 does not" ping_from g2 192.0.2.2
	check "status and dump agree" \
		sh -c "$FWCTL dump >/tmp/after.rules && $FWCTL check /tmp/after.rules"
else
	want=$(status_field digest)
	faults_on
	check "failnth -S: every fault point of a refused load fails once; nothing changes" \
		failnth -S $BIG
	sed 's/^/#   /' /tmp/check.out
	faults_off
	check "the sealed digest is unchanged" [ "$(status_field digest)" = "$want" ]
	check "still sealed" [ "$(status_field sealed)" = yes ]
fi

# with the module loaded, so that its frames have names
check "kmemleak scans (after the run: it is still on)" leak_scan
n=$(grep -c '^unreferenced object' /tmp/leaks)
log "kmemleak after the run: $n unreferenced objects"
check "kmemleak after the run: no unreferenced object" [ "$n" = 0 ]
[ "$n" = 0 ] || sed 's/^/#   /' /tmp/leaks | head -n 200

kernel_reports >/tmp/reports
check "kernel log: no KASAN, lockdep, RCU, WARN or BUG report (allocation failure warnings aside)" \
	[ ! -s /tmp/reports ]
sed 's/^/#   /' /tmp/reports | head -n 200
log "kernel log: $(dmesg | grep -c -E 'page allocation failure:|vmalloc error:') allocation failure warnings; log cleared"
dmesg -c >/dev/null
exit $ret
