#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Allowed flows pass and denied flows do not, TCP, UDP and ICMP over IPv4
# and IPv6, forwarded and to the NDVM itself; the counters of the rule
# that decided move, and a logged rule logs.
. /tests/lib.sh

ndvm_setup
for p in 80 81; do
	serve up tcp $p
done
serve up udp 53
serve up udp 54
wait_servers

R=$(rules traffic <<'EOR'
policy drop
set uplink { 192.0.2.2, 2001:db8:99::2 }
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept in vif1.0 out uplink0 proto tcp to @uplink port 80
accept in uplink0 out vif1.0 proto tcp from @uplink port 80
accept in vif1.0 out uplink0 proto udp to 192.0.2.2 port { 50-53, 8000 }
accept in uplink0 out vif1.0 proto udp from 192.0.2.2 port 53
accept in vif* out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif* proto icmp icmp-type echo-reply
accept in vif* out uplink0 family ip6 proto icmpv6 icmp-type echo-request
accept in uplink0 out vif* family ip6 proto icmpv6 icmp-type echo-reply
drop in vif2.0 proto tcp log
EOR
)
check "load" $FWCTL load "$R"
check "status: loaded, 10 rules" \
	sh -c "$FWCTL status | grep -qx 'rules: 10' && $FWCTL status | grep -qx 'loaded: yes'"

check "v4 tcp :80 guest -> uplink passes" probe g1 tcp 192.0.2.2 80
check "v4 tcp :80 counted on the way out (rule 2)" [ "$(rule_packets 2)" -gt 0 ]
check "v4 tcp :80 counted on the way back (rule 3)" [ "$(rule_packets 3)" -gt 0 ]
pol=$(policy_packets)
check_not "v4 tcp :81 dropped" probe g1 tcp 192.0.2.2 81
check "policy counter moved ($pol -> $(policy_packets))" [ "$(policy_packets)" -gt "$pol" ]
check "v4 udp :53 passes" probe g1 udp 192.0.2.2 53
check_not "v4 udp :54 dropped" probe g1 udp 192.0.2.2 54
check "v4 ping guest1 -> uplink passes" ping_from g1 192.0.2.2
check "v4 ping guest2 -> uplink passes (vif*)" ping_from g2 192.0.2.2
check_not "v4 ping guest1 -> NDVM dropped" ping_from g1 10.137.0.1
check_not "v4 ping guest1 -> guest2 dropped (out is not uplink0)" \
	ping_from g1 10.137.1.5
check "icmp counted (rule 6)" [ "$(rule_packets 6)" -gt 0 ]

check "v6 tcp :80 guest -> uplink passes" probe g1 tcp 2001:db8:99::2 80
check_not "v6 tcp :81 dropped" probe g1 tcp 2001:db8:99::2 81
check "v6 ping guest1 -> uplink passes" ping_from g1 2001:db8:99::2
check "v6 ping guest2 -> uplink passes" ping_from g2 2001:db8:99::2
check "v6 nd counted (rule 1)" [ "$(rule_packets 1)" -gt 0 ]

dmesg -c >/dev/null
before=$(rule_packets 10)
check_not "guest2 tcp dropped by the logged rule" probe g2 tcp 192.0.2.2 80
check "logged rule counted" [ "$(rule_packets 10)" -gt "$before" ]
check "logged rule logged" sh -c "dmesg | grep -q 'ndvmfw: rule 10 drop in=vif2.0 out=uplink0 src=10.137.1.5 dst=192.0.2.2 proto=6'"
bytes=$($FWCTL stats -j | grep -o '"bytes":[0-9]*' | head -1)
check "stats -j reports bytes ($bytes)" [ -n "$bytes" ]
exit $ret
