#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bridged NDVM: guest and uplink are ports of br0, and ndvmfw judges
# port-to-port traffic by the ports' names, with the kernel's bridge
# conntrack (nf_conntrack_bridge) for "state": replies pass, unsolicited
# traffic does not; reject answers on the bridge; bridged packets with
# lying headers, which no IP layer checked, are dropped and counted;
# fragments are reassembled before they are judged (and dropped and
# counted while no filter rule uses "state"); ports are found behind
# IPv6 extension headers; VLAN tags follow the same policy as when routed.
# A flood of logged bridged packets stays within the global log cap. Then
# nftables loaded with "fwctl translate" of the rules decides the bridged
# flows alike, in its bridge table (where it can only drop what ndvmfw
# rejects). Last, the NDVM also routes its bridge to a second uplink,
# masqueraded, with bridge conntrack active.
. /tests/lib.sh

# a generous bucket per rule, so that the global cap is what binds
bridge_setup log_rate=50 log_burst=50 log_cap=4
serve up tcp 80
serve up tcp 81
serve up udp 54
serve g1 tcp 80
wait_servers

R=$(rules bridge <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept state established,related
accept in vif1.0 out uplink0 proto tcp to any port 80 state new
reject in vif1.0 out uplink0 proto tcp to any port 81
reject in vif1.0 out uplink0 proto udp to any port 54
accept log in vif1.0 out uplink0 proto udp to any port 7
accept in br0
accept out br0
EOR
)
check "load" $FWCTL load "$R"

check "v4: guest -> uplink tcp :80 across the bridge" probe g1 tcp 10.0.0.2 80
check "v6: guest -> uplink tcp :80 across the bridge" probe g1 tcp fd00:b::2 80
check "rule 'in vif1.0 out uplink0' counted it (port names)" \
	[ "$(rule_packets 3)" -ge 2 ]
check "rule 'state established' counted the replies" \
	[ "$(rule_packets 2)" -gt 0 ]
check_not "v4: uplink -> guest tcp :80 unsolicited: dropped" \
	probe up tcp 10.0.0.5 80
check_not "v6: uplink -> guest tcp :80 unsolicited: dropped" \
	probe up tcp fd00:b::5 80
probe g1 tcp 10.0.0.2 81
check "v4: reject on the bridge: tcp reset (fwnet rc 3, got $?)" [ $? -eq 3 ]
probe g1 tcp fd00:b::2 81
check "v6: reject on the bridge: tcp reset (fwnet rc 3, got $?)" [ $? -eq 3 ]
probe g1 udp 10.0.0.2 54
check "v4: reject on the bridge: port unreachable (rc 3, got $?)" [ $? -eq 3 ]
probe g1 udp fd00:b::2 54
check "v6: reject on the bridge: port unreachable (rc 3, got $?)" [ $? -eq 3 ]
check "the NDVM itself, as br0: ping" ping_from g1 10.0.0.1
# A broadcast or multicast frame gets no answer from reject (as from
# nft's): the rule sees it once per port it is flooded to, and the answer
# would come from the group address.
n5=$(rule_packets 5)
recv_begin g1 20000
guest g1 fwpkt send eth0 ff:ff:ff:ff:ff:ff -s 10.0.0.5 -d 10.0.0.255 -i 61 --dport 54
guest g1 fwpkt send eth0 33:33:00:00:00:01 -s fd00:b::5 -d ff02::1 -i 62 --dport 54
recv_end
check "reject: broadcast v4 and multicast v6 frames matched ($n5 -> $(rule_packets 5))" \
	[ "$(rule_packets 5)" -ge $((n5 + 2)) ]
check_not "... and not answered" grep -q '^id 6[12]$' /tmp/recv.out

dmesg -c >/dev/null
sup=$(status_field log-suppressed)
n6=$(rule_packets 6)
t0=$(cut -d' ' -f1 /proc/uptime)
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 --dport 7 -n 300
t1=$(cut -d' ' -f1 /proc/uptime)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; print int(s) + 1 }')
r6=$(dmesg | grep -c 'ndvmfw: rule 6 accept in=vif1.0 out=uplink0 ')
log "bridged flood of 300 logged packets took < $secs s: $r6 lines"
check "bridged log flood: rule 6 counted all 300" \
	[ $(($(rule_packets 6) - n6)) -eq 300 ]
check "... logged with the ports' names, within the global cap: 1 <= $r6 <= 4 + 4 * $secs" \
	[ "$r6" -ge 1 -a "$r6" -le $((4 + 4 * secs)) ]
check "... the rest counted in log-suppressed ($sup -> $(status_field log-suppressed))" \
	[ "$(status_field log-suppressed)" -ge $((sup + 300 - r6)) ]

bad=$(status_field malformed-packets)
ext=$(status_field exthdr-packets)
vlan=$(status_field vlan-packets)
recv_begin up 20000 99
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 1 --dport 7
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 2 --dport 7 --bad ihl
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 3 --dport 7 --bad totlen
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 4 --dport 7 --bad totlen
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 5 --dport 7 --frag 8
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 6 --dport 9 --frag 8
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 7 --dport 7 --frag 1280 --len 1400
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 8 --dport 9 --frag 1280 --len 1400
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 9 --dport 7 --frag 16 --len 64 --overlap 9
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 10 --dport 7 --ext hop --ext dst --ext rt
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 11 --dport 9 --ext hop --ext dst
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 12 --dport 7 --ext dst --ext dst \
	--ext dst --ext dst --ext dst --ext dst --ext dst --ext dst --ext dst
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 13 --sport 40013 --dport 7 --vlan 0
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 14 --dport 7 --vlan 6
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 15 --dport 7 --vlan 0 --vlan 6
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 99 --sport 40099 --dport 7
recv_end
check "well-formed udp :7 bridged" got 1
check_not "ihl 4: dropped" got 2
check_not "v4 total length beyond the packet: dropped" got 3
check_not "v6 payload length beyond the packet: dropped" got 4
check "... all three counted as malformed ($bad -> $(status_field malformed-packets))" \
	counter_moved malformed-packets "$bad" 3
check "v4 fragments, allowed port: reassembled, arrive" got 5
check_not "v4 fragments, denied port: dropped" got 6
check "v6 fragments, allowed port: reassembled, arrive" got 7
check_not "v6 fragments, denied port: dropped" got 8
check_not "v4 overlapping fragments: nothing" got 9
check "v6 udp :7 behind hop, dst, routing headers: bridged" got 10
check_not "v6 udp :9 behind hop, dst headers: dropped" got 11
check_not "v6 with 9 extension headers: dropped" got 12
check "... and counted ($ext -> $(status_field exthdr-packets))" \
	counter_moved exthdr-packets "$ext" 1
check "VID 0 (priority tag), with bridge conntrack active: bridged" got 13
check_not "VID 6, no VLAN device: dropped" got 14
check_not "VID 0 then 6: dropped" got 15
check "... both counted ($vlan -> $(status_field vlan-packets))" \
	counter_moved vlan-packets "$vlan" 2

# A VLAN device on the bridge (br0.6) does not take VID 6 frames at a
# port: the bridge would forward them, tagged, onto the uplink's VLAN 6.
# It shows on ports without VLAN state of their own (vlan_default_pvid 0:
# no PVID), where the kernel's lookup goes on to the port's master.
$IP link set br0 type bridge vlan_default_pvid 0
$IP link add link br0 name br0.6 type vlan id 6
$IP link set br0.6 up
vlan=$(status_field vlan-packets)
rm -f /tmp/vlan6.out
$IP netns exec up fwpkt recv -l eth0 -t 20000 -u 99 >/tmp/vlan6.out \
	2>/tmp/vlan6.err &
rpid=$!
recv_wait /tmp/vlan6.out
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 16 --dport 7 --vlan 6
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 99 --sport 40099 --dport 7
wait $rpid
check_not "the untagged frame after it reached the uplink's eth0" \
	grep -q timeout /tmp/vlan6.err
check_not "VID 6, br0.6 on the bridge, no PVID on the port: not bridged" \
	grep -qx 'id 16' /tmp/vlan6.out
check "... dropped at the port, counted ($vlan -> $(status_field vlan-packets))" \
	counter_moved vlan-packets "$vlan" 1
$IP link del br0.6
$IP link set br0 type bridge vlan_default_pvid 1

# Without a filter rule that uses "state" nothing reassembles bridged
# fragments: they are dropped and counted. A masquerade rule (conntrack
# for the IP layer only) does not change that.
NOSTATE=$(rules nostate <<'EOR'
policy drop
masquerade out uplink0
accept in vif1.0 out uplink0 proto udp to any port 7
EOR
)
check "load a rule set without state, with masquerade" $FWCTL load "$NOSTATE"
frag=$(status_field fragment-packets)
recv_begin up 20000 99
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 20 --dport 7 --frag 8
pkt g1 up:eth0 -s fd00:b::5 -d fd00:b::2 -i 21 --dport 7 --frag 1280 --len 1400
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 22 --dport 7
pkt g1 up:eth0 -s 10.0.0.5 -d 10.0.0.2 -i 99 --sport 40099 --dport 7
recv_end
check "no bridge conntrack: the same packet unfragmented passes" got 22
check_not "no bridge conntrack: v4 fragments, allowed port: dropped" got 20
check_not "no bridge conntrack: v6 fragments, allowed port: dropped" got 21
check "... and counted ($frag -> $(status_field fragment-packets))" \
	counter_moved fragment-packets "$frag"
check "nf_conntrack_bridge is not in use" \
	sh -c '! grep -q "^nf_conntrack_bridge [0-9]* [1-9]" /proc/modules'

mod_unload
check "nft loads the translation" \
	sh -c "$FWCTL translate '$R' >/tmp/bridge.nft && nft -f /tmp/bridge.nft"
check "nft: v4 guest -> uplink tcp :80 across the bridge" probe g1 tcp 10.0.0.2 80
check "nft: v6 guest -> uplink tcp :80 across the bridge" probe g1 tcp fd00:b::2 80
check_not "nft: v4 uplink -> guest tcp :80 unsolicited: dropped" \
	probe up tcp 10.0.0.5 80
probe g1 tcp 10.0.0.2 81
check "nft: the reject rule drops on the bridge (fwnet rc 1, got $?)" [ $? -eq 1 ]
check "nft: bridge table counters, rule 3 like ndvmfw's" \
	sh -c "nft list table bridge ndvmfw | grep 'comment \"rule 3\"' | grep -q -v 'packets 0 '"
nft_clean

# A bridged NDVM that also routes: from its guests' segment, br0, to a
# second uplink, wan0, which has no route back, so only masqueraded
# connections are answered. At the IP layer the guests come in by br0, the
# bridge device. Bridge conntrack ("state") creates the connection in the
# bridge's PREROUTING; the IP layer and nf_nat go on with that entry.
# Port-to-port traffic is bridged, not routed: no masquerade rule sees it.
$IP netns add wan
$IP link add wan0 type veth peer name eth0 netns wan
$IP addr add 198.51.100.1/24 dev wan0
$IP addr add 2001:db8:5::1/64 dev wan0 nodad
$IP link set wan0 up
$IP -n wan link set lo up
$IP -n wan addr add 198.51.100.2/24 dev eth0
$IP -n wan addr add 2001:db8:5::2/64 dev eth0 nodad
$IP -n wan link set eth0 up
$IP -n g1 route add default via 10.0.0.1
$IP -n g1 -6 route add default via fd00:b::1
echo 1 >/proc/sys/net/ipv4/ip_forward
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
serve wan tcp 80
serve wan udp 53
wait_servers
ROUTED="policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept state established,related
accept in br0 out wan0
accept in vif1.0 out uplink0 proto tcp to any port 80"
NOMASQ=$(rules bridge_nomasq <<EOR
$ROUTED
EOR
)
MASQ=$(rules bridge_masq <<EOR
$ROUTED
masquerade out wan0 from { 10.0.0.0/24, fd00:b::/64 }
EOR
)
mod_load
check "routed from the bridge: load without masquerade" $FWCTL load "$NOMASQ"
check_not "v4: br0 -> wan0 without masquerade: no answer" \
	probe g1 tcp 198.51.100.2 80
check_not "v6: br0 -> wan0 without masquerade: no answer" \
	probe g1 tcp 2001:db8:5::2 80
check "routed from the bridge: load with masquerade" $FWCTL load "$MASQ"
check "v4 tcp: br0 -> wan0 masqueraded, answered" probe g1 tcp 198.51.100.2 80
check "v4 udp: br0 -> wan0 masqueraded, answered" probe g1 udp 198.51.100.2 53
check "v6 tcp: br0 -> wan0 masqueraded, answered" probe g1 tcp 2001:db8:5::2 80
check "port to port across the bridge still passes" probe g1 tcp 10.0.0.2 80
n=$(rule_packets 5)
check "the masquerade rule counted the 3 routed connections, not the bridged one ($n)" \
	[ "$n" -eq 3 ]
check "rule 'in br0 out wan0' counted the routed packets" \
	[ "$(rule_packets 3)" -ge 3 ]
exit $ret
