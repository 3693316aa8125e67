#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "reject" answers TCP with a reset and everything else with an ICMP or
# ICMPv6 port unreachable, for forwarded packets and packets to the NDVM;
# "drop" stays silent. The answer is a packet the NDVM sends, so it passes
# the LOCAL_OUT hook, as conntrack "related".
. /tests/lib.sh

ndvm_setup
serve up tcp 80
serve up tcp 81
serve up udp 54
wait_servers

R=$(rules reject <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept in uplink0 out vif* state established,related
accept out vif* state related
reject in vif1.0 proto tcp to { 192.0.2.2, 2001:db8:99::2 } port 81
reject in vif1.0 proto udp to { 192.0.2.2, 2001:db8:99::2 } port 54
reject in vif1.0 proto tcp to 10.137.0.1 port 22
drop in vif2.0 proto tcp
accept in vif* out uplink0
EOR
)
check "load" $FWCTL load "$R"

# rc CMD...: the exit status of CMD
rc() {
	"$@" >/dev/null 2>&1
	echo $?
}

check "v4 tcp :81 refused by a reset" [ "$(rc probe g1 tcp 192.0.2.2 81)" = 3 ]
check "v4 udp :54 refused by port unreachable" \
	[ "$(rc probe g1 udp 192.0.2.2 54)" = 3 ]
check "v6 tcp :81 refused by a reset" \
	[ "$(rc probe g1 tcp 2001:db8:99::2 81)" = 3 ]
check "v6 udp :54 refused by port unreachable" \
	[ "$(rc probe g1 udp 2001:db8:99::2 54)" = 3 ]
check "tcp to the NDVM itself refused by a reset" \
	[ "$(rc probe g1 tcp 10.137.0.1 22)" = 3 ]
check "reject rule counted (rule 4)" [ "$(rule_packets 4)" -ge 2 ]
check "the answers passed LOCAL_OUT as related (rule 3)" \
	[ "$(rule_packets 3)" -gt 0 ]
check "drop is silent: v4 tcp :81 from guest 2 times out" \
	[ "$(rc probe g2 tcp 192.0.2.2 81)" = 1 ]
check "accepted flows still pass" probe g1 tcp 192.0.2.2 80
exit $ret
