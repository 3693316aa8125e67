#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# masquerade through the kernel's nf_nat: the uplink has no route back to
# the guests, so a guest's connection can only be answered when the NDVM
# rewrote its source to the uplink address. Guest 1 is in the masquerade
# rule's set, guest 2 is not.
. /tests/lib.sh

ndvm_setup
$IP -n up route del 10.137.0.0/16
$IP -n up -6 route del fd00::/16
serve up tcp 80
serve up udp 53
wait_servers

BASE=$(base_rules)
NONAT=$(rules nonat <<EOR
$BASE
accept in vif* out uplink0
accept in uplink0 out vif* state established,related
EOR
)
NAT=$(rules nat <<EOR
$BASE
accept in vif* out uplink0
accept in uplink0 out vif* state established,related
set g1 { 10.137.0.0/24, fd00:1::/64 }
masquerade out uplink0 from @g1
EOR
)
check "load without masquerade" $FWCTL load "$NONAT"
check_not "v4: no masquerade, no answer" probe g1 tcp 192.0.2.2 80
check_not "v6: no masquerade, no answer" probe g1 tcp 2001:db8:99::2 80

check "load with masquerade" $FWCTL load "$NAT"
check "v4 tcp: guest 1 masqueraded, answered" probe g1 tcp 192.0.2.2 80
check "v4 udp: guest 1 masqueraded, answered" probe g1 udp 192.0.2.2 53
check "v4 icmp: guest 1 masqueraded, answered" ping_from g1 192.0.2.2
check "v6 tcp: guest 1 masqueraded, answered" probe g1 tcp 2001:db8:99::2 80
check_not "v4: guest 2 is not in the set, no answer" probe g2 tcp 192.0.2.2 80
check_not "v6: guest 2 is not in the set, no answer" probe g2 tcp 2001:db8:99::2 80
n=$(rule_packets 4)
check "the masquerade rule counted 4 connections ($n)" [ "$n" -eq 4 ]
check "fwctl dump prints it back" sh -c "$FWCTL dump | grep -qx 'masquerade out uplink0 from @g1'"
exit $ret
