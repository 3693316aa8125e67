#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Packets whose headers lie are dropped, never judged with wrong offsets,
# and those that reach ndvmfw are counted in malformed-packets. The rule
# set would accept them all if they were well formed.
. /tests/lib.sh

ndvm_setup
R=$(rules malformed <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept in vif1.0 out uplink0
EOR
)
check "load" $FWCTL load "$R"

for fam in 4 6; do
	if [ $fam = 4 ]; then
		S=10.137.0.5 D=192.0.2.2 B=0 ICMP=icmp
	else
		S=fd00:1::5 D=2001:db8:99::2 B=100 ICMP=icmpv6
	fi
	bad=$(status_field malformed-packets)
	recv_begin up
	pkt g1 vif1.0 -s $S -d $D -i $((B + 1)) -p tcp --dport 80
	pkt g1 vif1.0 -s $S -d $D -i $((B + 2)) -p tcp --dport 80 --bad doff
	pkt g1 vif1.0 -s $S -d $D -i $((B + 3)) -p tcp --bad trunc
	pkt g1 vif1.0 -s $S -d $D -i $((B + 4)) -p udp --bad trunc
	pkt g1 vif1.0 -s $S -d $D -i $((B + 5)) -p $ICMP --bad trunc
	pkt g1 vif1.0 -s $S -d $D -i $((B + 6)) -p udp --bad totlen
	[ $fam = 4 ] && pkt g1 vif1.0 -s $S -d $D -i 7 -p udp --bad ihl
	recv_end
	check "v$fam: well-formed tcp arrives" got $((B + 1))
	check_not "v$fam: tcp data offset 4: dropped" got $((B + 2))
	check "v$fam: doff, truncated tcp, udp and icmp counted as malformed ($bad -> $(status_field malformed-packets))" \
		counter_moved malformed-packets "$bad" 4
	check_not "v$fam: a length beyond the packet: dropped" got $((B + 6))
	[ $fam = 4 ] && check_not "v4: ihl 4: dropped" got 7
done
log "(the IP layer drops ihl < 5 and impossible lengths before any hook)"
exit $ret
