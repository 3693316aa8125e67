#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo-vm.sh - the in-VM half of `make demo`. scripts/demo.sh puts it in
# the initramfs as /demo-vm.sh and boots with ndvmfw.test=/demo-vm.sh;
# /init runs it as root under busybox sh. Not meant to run on a host.
#
#   1. the topology of /tests/lib.sh: guests g1 (vif1.0) and g2 (vif2.0),
#      the uplink host "up" (uplink0) with echo servers on tcp 80, 443, 22
#      and udp 53; "up" also holds 172.16.0.1, a private LAN the NDVM
#      routes to, and g2 serves tcp 80 (targets for the private rule);
#   2. fail-closed: a ping passes before insmod, and is dropped after it
#      while no rule set is loaded;
#   3. fwctl check, load and status with /rules/example.rules;
#   4. scripted flows, one table row each:
#      flow | expected | observed | OK/MISMATCH;
#   5. fwctl stats, and the ndvmfw lines of the kernel log.
# Exit status 1 if an observed verdict differs from the expected one or
# the kernel log shows a WARN/BUG, else 0.
set -eu
. /tests/lib.sh

RULES_FILE=$RULES/example.rules
ROWS=0
BAD=0		# rows whose verdict differs from the expected one
KBAD=0		# 1 if the kernel log has a WARN, BUG or oops

section() {
	printf '\n== %s\n' "$*"
}

# show CMD...: print "$ CMD" and its indented output; stop if it fails
show() {
	echo "\$ $*"
	if timeout 30 "$@" >/tmp/show.out 2>&1; then
		sed 's/^/    /' /tmp/show.out
	else
		sed 's/^/    /' /tmp/show.out
		echo "demo: '$*' failed"
		exit 1
	fi
}

table_header() {
	printf '%-3s %-50s %-8s %-8s %s\n' '#' flow expected observed result
}

# flow EXPECT DESC CMD...: run the probe CMD; a row with the verdict seen
flow() {
	want=$1 desc=$2
	shift 2
	if "$@" >/dev/null 2>&1; then got=pass; else got=drop; fi
	ROWS=$((ROWS + 1))
	res=OK
	if [ "$got" != "$want" ]; then
		res=MISMATCH
		BAD=$((BAD + 1))
	fi
	printf '%-3s %-50s %-8s %-8s %s\n' "$ROWS" "$desc" "$want" "$got" "$res"
}

setup() {
	topology_up
	# a private network behind the uplink, which the NDVM can route to
	$IP -n up addr add 172.16.0.1/32 dev lo
	$IP route add 172.16.0.0/12 via 192.0.2.2
	for p in 80 443 22; do
		serve up tcp $p
	done
	serve up udp 53
	serve g2 tcp 80
	wait_servers
}

fail_closed() {
	section "fail-closed: from insmod to the first rule set, nothing passes"
	table_header
	flow pass "g1 ping 192.0.2.2, no module yet" ping_from g1 192.0.2.2
	echo "\$ insmod ndvmfw.ko"
	mod_load
	flow drop "g1 ping 192.0.2.2, module loaded, no rules" \
		ping_from g1 192.0.2.2
	flow drop "g1 tcp/80 192.0.2.2, module loaded, no rules" \
		probe g1 tcp 192.0.2.2 80
	echo "fwctl status: loaded: $(status_field loaded)," \
		"unloaded-packets: $(status_field unloaded-packets)"
}

load_rules() {
	section "rules/example.rules: check offline, load, status"
	show $FWCTL check "$RULES_FILE"
	show $FWCTL load "$RULES_FILE"
	show $FWCTL status
}

flows() {
	section "flows from the guests (rules/example.rules)"
	table_header
	flow pass "g1 dns udp/53  -> 192.0.2.2" probe g1 udp 192.0.2.2 53
	flow pass "g2 dns udp/53  -> 192.0.2.2" probe g2 udp 192.0.2.2 53
	flow pass "g1 dns udp/53  -> 2001:db8:99::2" probe g1 udp 2001:db8:99::2 53
	flow pass "g2 dns udp/53  -> 2001:db8:99::2" probe g2 udp 2001:db8:99::2 53
	flow pass "g1 web tcp/80  -> 192.0.2.2" probe g1 tcp 192.0.2.2 80
	flow pass "g1 web tcp/443 -> 192.0.2.2" probe g1 tcp 192.0.2.2 443
	flow pass "g1 web tcp/80  -> 2001:db8:99::2" probe g1 tcp 2001:db8:99::2 80
	flow pass "g1 web tcp/443 -> 2001:db8:99::2" probe g1 tcp 2001:db8:99::2 443
	flow drop "g2 web tcp/80  -> 192.0.2.2 (web: g1 only)" \
		probe g2 tcp 192.0.2.2 80
	flow drop "g2 web tcp/443 -> 2001:db8:99::2 (web: g1 only)" \
		probe g2 tcp 2001:db8:99::2 443
	flow drop "g1 ssh tcp/22  -> 192.0.2.2 (policy)" \
		probe g1 tcp 192.0.2.2 22
	flow pass "g1 ping -> 192.0.2.2" ping_from g1 192.0.2.2
	flow pass "g2 ping -> 192.0.2.2" ping_from g2 192.0.2.2
	flow pass "g1 ping -> 2001:db8:99::2" ping_from g1 2001:db8:99::2
	flow drop "g1 ping -> g2 10.137.1.5 (private, log)" \
		ping_from g1 10.137.1.5
	flow drop "g1 tcp/80 -> g2 fd00:2::5 (private, log)" \
		probe g1 tcp fd00:2::5 80
	flow drop "g1 ping -> 172.16.0.1 via uplink (private, log)" \
		ping_from g1 172.16.0.1
	flow drop "g1 ping -> NDVM 10.137.0.1 (private, log)" \
		ping_from g1 10.137.0.1
	flow drop "g1 ping -> NDVM fd00:1::1 (private, log)" \
		ping_from g1 fd00:1::1
}

counters() {
	section "counters"
	show $FWCTL stats
	section "kernel log: dmesg | grep 'ndvmfw: rule'"
	# indented: the host filters lines that start like kernel messages
	if dmesg | grep 'ndvmfw: rule' >/tmp/log.out; then
		sed 's/^/    /' /tmp/log.out
	else
		echo "    (none)"
	fi
}

kernel_clean() {
	if dmesg | grep -E -q 'WARNING:|BUG:|Call Trace'; then
		dmesg | grep -E -A20 'WARNING:|BUG:|Call Trace' | sed 's/^/    /'
		echo "demo: the kernel log has a WARN, BUG or oops"
		KBAD=1
	fi
}

summary() {
	echo
	if [ "$BAD" = 0 ]; then
		echo "demo: $ROWS flows, every verdict as expected"
	else
		echo "demo: $ROWS flows, $BAD MISMATCH"
	fi
}

main() {
	echo "== ndvmfw demo on $(uname -r)"
	setup
	fail_closed
	load_rules
	flows
	counters
	kernel_clean
	summary
	[ "$BAD" = 0 ] && [ "$KBAD" = 0 ]
}

main
