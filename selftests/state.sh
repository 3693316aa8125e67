#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "state" uses the kernel's connection tracking: replies to connections the
# guests opened pass without rules of their own, connections from the
# uplink do not; conntrack runs only while a rule set uses "state".
. /tests/lib.sh

ndvm_setup
serve up tcp 80
serve up tcp 81
serve up udp 53
serve g1 tcp 8080
wait_servers

conntrack_count() {
	cat /proc/sys/net/netfilter/nf_conntrack_count
}

STATELESS=$(rules stateless <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto udp to 192.0.2.2 port 53
accept in uplink0 out vif1.0 proto udp from 192.0.2.2 port 53
EOR
)
check "load a rule set without state" $FWCTL load "$STATELESS"
before=$(conntrack_count)
check "udp :53 passes" probe g1 udp 192.0.2.2 53
check "without state rules nothing is tracked ($before -> $(conntrack_count))" \
	[ "$(conntrack_count)" = "$before" ]

R=$(rules state <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept state established,related
accept in vif* out uplink0 proto tcp to any port 80 state new
accept in vif* out uplink0 proto udp to any port 53
accept in vif* out uplink0 proto icmp icmp-type echo-request
accept in vif* out uplink0 proto icmpv6 icmp-type echo-request
drop state invalid log
EOR
)
check "load a rule set with state" $FWCTL load "$R"
check "status: 7 rules" [ "$(status_field rules)" = 7 ]
check "v4 tcp :80 out, reply back by state" probe g1 tcp 192.0.2.2 80
check "v6 tcp :80 out, reply back by state" probe g1 tcp 2001:db8:99::2 80
check "v4 udp :53 out, reply back by state" probe g2 udp 192.0.2.2 53
check "v4 ping out, reply back by state" ping_from g1 192.0.2.2
check "v6 ping out, reply back by state" ping_from g2 2001:db8:99::2
check "established counted (rule 2)" [ "$(rule_packets 2)" -gt 0 ]
check "new tcp counted (rule 3)" [ "$(rule_packets 3)" -gt 0 ]
check "connections are tracked now ($(conntrack_count))" \
	[ "$(conntrack_count)" -gt "$before" ]
check_not "v4 tcp :81 out dropped" probe g1 tcp 192.0.2.2 81
check_not "new tcp from the uplink to a guest dropped" \
	probe up tcp 10.137.0.5 8080
check "dump shows the states" \
	sh -c "$FWCTL dump | grep -qx 'accept state established,related'"
want=$($FWCTL check "$R" | sed -n 's/^digest: //p')
check "digest as fwctl check says" [ "$(status_field digest)" = "$want" ]
exit $ret
