#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The lifecycle, soaked: rule sets replaced over and over while traffic
# flows, then insmod / load / rmmod cycles. Every packet of the allowed
# flow arrives (replacement is atomic: there is no moment without rules,
# nor with half of them), unreclaimable slab returns near its baseline,
# and the kernel log stays clean (run.sh checks it). Size:
# ndvmfw.soak=LOADSxCYCLES on the kernel command line (default 500x50).
. /tests/lib.sh

LOADS=500 CYCLES=50
for a in $(cat /proc/cmdline); do
	case $a in
	ndvmfw.soak=*x*)
		a=${a#ndvmfw.soak=}
		LOADS=${a%x*} CYCLES=${a#*x}
		;;
	esac
done

ndvm_setup
sunreclaim() { sed -n 's/^SUnreclaim: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
A=$(rules soak_a <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept in vif1.0 out uplink0 proto udp to any port 7
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
# the same flows, and a bigger rest: sets, state (conntrack references
# taken and dropped), log buckets, an identity
awk 'BEGIN {
	print "policy drop"
	printf "set many {"
	for (i = 0; i < 2000; i++)
		printf "%s 10.%d.%d.0/24", i ? "," : "", 100 + i / 256, i % 256
	print " }"
	print "accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }"
	print "drop in vif2.0 from @many log"
	print "accept state established,related"
	print "accept in vif1.0 out uplink0 proto udp to any port 7"
	print "accept in vif1.0 out uplink0 proto icmp icmp-type echo-request"
	for (i = 0; i < 500; i++)
		printf "drop in vif2.0 proto tcp to 192.0.2.%d port %d\n", i % 250 + 1, 1000 + i
	print "bind vif2.0 mac 02:00:00:00:02:05 ip 10.137.1.5"
	print "antispoof vif2.0"
}' >/tmp/soak_b.rules
B=/tmp/soak_b.rules
check "rule set A loads" $FWCTL load "$A"
check "rule set B loads" $FWCTL load "$B"
check "ping passes under B" ping_from g1 192.0.2.2

# the loads in the background; meanwhile the allowed flow, 20 packets at
# a time, each with its own id, until the loads are done
loader() {
	_n=0 _failed=0
	while [ $_n -lt "$LOADS" ]; do
		if [ $((_n % 2)) = 0 ]; then _f=$A; else _f=$B; fi
		$FWCTL load "$_f" >/dev/null 2>&1 || _failed=$((_failed + 1))
		_n=$((_n + 1))
	done
	echo "$_failed" >/tmp/loader.failed
}
base=$(sunreclaim)
# a window past the loads (about 0.2 s each under TCG); recv_end stops it
recv_begin up $((LOADS * 1000 + 600000))
rm -f /tmp/loader.failed
t0=$(cut -d' ' -f1 /proc/uptime)
loader &
lpid=$!
M1=$(cat /sys/class/net/vif1.0/address)
id=0 rounds=0
while kill -0 $lpid 2>/dev/null; do
	_k=0
	while [ $_k -lt 20 ]; do
		id=$((id + 1))
		echo "-s 10.137.0.5 -d 192.0.2.2 -i $id"
		_k=$((_k + 1))
	done >/tmp/flow.pkts
	guest g1 fwpkt batch eth0 "$M1" /tmp/flow.pkts
	rounds=$((rounds + 1))
done
wait $lpid
recv_end
log "$LOADS loads in $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s, while $id packets of the flow were sent in $rounds rounds"
check "$LOADS loads, none failed" [ "$(cat /tmp/loader.failed)" = 0 ]
check "the flow ran through the loads ($rounds rounds)" [ "$rounds" -ge 10 ]
got=$(sed -n 's/^id //p' /tmp/recv.out | sort -un | grep -c .)
check "all $id packets of the allowed flow arrived ($got)" [ "$got" = "$id" ]
check "generation counts every load" \
	[ "$(status_field generation)" -ge $((LOADS + 2)) ]
sleep 2
now=$(sunreclaim)
log "SUnreclaim after the loads: $base kB before, $now kB after"
check "unreclaimable slab within 8 MiB of its baseline" [ $((now - base)) -lt 8192 ]

# insmod, load, rmmod
base=$(sunreclaim) failed=0
t0=$(cut -d' ' -f1 /proc/uptime)
c=0
while [ $c -lt "$CYCLES" ]; do
	{ rmmod ndvmfw && insmod "$MODULE" && $FWCTL load "$B"; } ||
		failed=$((failed + 1))
	c=$((c + 1))
done
log "$CYCLES rmmod/insmod/load cycles in $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s"
check "$CYCLES rmmod/insmod/load cycles, none failed" [ "$failed" = 0 ]
sleep 2
now=$(sunreclaim)
log "SUnreclaim after the cycles: $base kB before, $now kB after"
check "unreclaimable slab within 8 MiB of its baseline" [ $((now - base)) -lt 8192 ]
check "and the last rule set filters: ping passes" ping_from g1 192.0.2.2
check_not "and guest 2's ping does not" ping_from g2 192.0.2.2
exit $ret
