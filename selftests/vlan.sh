#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VLAN-tagged frames at ingress, 0 to 3 tags. A priority tag (VID 0) is
# the untagged frame; a tag with a VLAN device on the NDVM is judged as
# that device's traffic ("in vif1.0.5"); any other tag, and anything
# behind it, is dropped and counted in vlan-packets.
. /tests/lib.sh

ndvm_setup
$IP link add link vif1.0 name vif1.0.5 type vlan id 5
$IP addr add 10.137.5.1/24 dev vif1.0.5
$IP link set vif1.0.5 up
R=$(rules vlan <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto udp to any port 7
accept in vif1.0.5 out uplink0 proto udp to any port 8
EOR
)
check "load" $FWCTL load "$R"

S=10.137.0.5 S5=10.137.5.5 D=192.0.2.2
send() {
	_id=$1
	shift
	pkt g1 vif1.0 -d $D -i "$_id" "$@"
}
vlan=$(status_field vlan-packets)
recv_begin up
send 1 -s $S --dport 7
send 2 -s $S --dport 7 --vlan 0
send 3 -s $S --dport 8 --vlan 0
send 4 -s $S5 --dport 8 --vlan 5
send 5 -s $S5 --dport 7 --vlan 5
send 6 -s $S5 --dport 8 --vlan 6
send 7 -s $S5 --dport 8 --vlan 5 --vlan 6
send 8 -s $S5 --dport 8 --vlan 5 --vlan 5 --vlan 5
send 9 -s $S5 --dport 8 --vlan 0 --vlan 5
recv_end
check "0 tags, allowed: arrives" got 1
check "priority tag (VID 0), allowed as vif1.0: arrives" got 2
check_not "priority tag, port only allowed on vif1.0.5: dropped" got 3
check "VID 5 with a VLAN device, allowed as vif1.0.5: arrives" got 4
check_not "VID 5, port only allowed on vif1.0: dropped" got 5
check_not "VID 6, no VLAN device: dropped" got 6
check_not "2 tags, 5 then 6: dropped" got 7
check_not "3 tags: dropped" got 8
check_not "2 tags, 0 then 5: dropped" got 9
check "the 4 unwanted tags counted ($vlan -> $(status_field vlan-packets))" \
	counter_moved vlan-packets "$vlan" 4
exit $ret
