#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# IPv6 beyond the base header: rules with ports find them behind hop-by-
# hop, routing and destination options headers; more than 8 extension
# headers are dropped and counted; neighbour discovery passes only when a
# rule lets it.
. /tests/lib.sh

ndvm_setup
R=$(port7_rules | rules ipv6)
check "load" $FWCTL load "$R"

S=fd00:1::5 D=2001:db8:99::2
send() {
	_id=$1
	shift
	pkt g1 vif1.0 -s $S -d $D -i "$_id" "$@"
}
ext=$(status_field exthdr-packets)
recv_begin up
send 1 --dport 7 --ext hop
send 2 --dport 7 -p tcp --ext hop --ext dst --ext rt --ext dst
send 3 --dport 9 --ext hop --ext dst --ext rt
send 4 --dport 7 --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst
send 5 --dport 7 --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst
recv_end
check "udp :7 behind hop-by-hop arrives" got 1
check "tcp :7 behind hop, dst, routing, dst arrives" got 2
check_not "udp :9 behind hop, dst, routing: dropped" got 3
check "8 extension headers: judged, arrives" got 4
check_not "9 extension headers: dropped" got 5
check "... and counted ($ext -> $(status_field exthdr-packets))" \
	counter_moved exthdr-packets "$ext" 1

ND=$(rules ipv6-nd <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { echo-request, echo-reply, nd-neighbor-solicit, nd-neighbor-advert }
EOR
)
NOND=$(rules ipv6-nond <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { echo-request, echo-reply }
EOR
)
flush() {
	$IP -6 neigh flush dev vif1.0
	$IP -n g1 -6 neigh flush dev eth0
}
check "load echo and ND by name" $FWCTL load "$ND"
flush
check "ping6 to the NDVM" ping_from g1 fd00:1::1
check "load echo without ND" $FWCTL load "$NOND"
flush
check_not "ping6 fails without ND" ping_from g1 fd00:1::1
check "load echo and ND again" $FWCTL load "$ND"
check "ping6 works again" ping_from g1 fd00:1::1
exit $ret
