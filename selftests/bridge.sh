#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bridged NDVM: guest and uplink are ports of br0, and ndvmfw judges
# port-to-port traffic by the ports' names, with the kernel's bridge
# conntrack (nf_conntrack_bridge) for "state": replies pass, unsolicited
# traffic does not; reject answers on the bridge; bridged packets with
# lying headers, which no IP layer checked, are dropped and counted;
# fragments are reassembled before they are judged; ports are found behind
# IPv6 extension headers; VLAN tags follow the same policy as when routed.
# Last, nftables loaded with "fwctl translate" of the rules decides the
# bridged flows alike, in its bridge table (where it can only drop what
# ndvmfw rejects).
. /tests/lib.sh

bridge_setup
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
accept in vif1.0 out uplink0 proto udp to any port 7
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
exit $ret
