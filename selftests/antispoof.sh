#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Interface identities and antispoof, on veths as a non-Xen NDVM has them:
# "bind vif1.0 mac MAC ip ..." gives guest 1's interface its identity, and
# "antispoof vif*" drops, at netdev ingress, every frame from it with
# another Ethernet source, another IPv4/IPv6 source (the link-local address
# derived from the MAC excepted), an ARP sender other than the bound MAC
# and address, a VLAN tag, or from an interface without an identity; each
# drop counted per interface in "fwctl status". The same packets pass
# without antispoof. The counters survive the interface being re-created
# (a guest rebooting), and so does the filtering. nftables, loaded with
# "fwctl translate" of the rules, drops the same frames. "hotplug" adds a new
# matching interface to its bridge and brings it up, also when the bridge
# appears only later.
. /tests/lib.sh

ndvm_setup
G1MAC=$(guest g1 cat /sys/class/net/eth0/address)
FAKE=02:00:00:00:01:66

# wait_for CMD...: up to 5 s for CMD to succeed (hotplug works in the
# background)
wait_for() {
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" && return 0
		sleep 0.5
	done
	return 1
}

antispoof_rules() {
	cat <<EOR
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept state established,related
accept in vif1.0 proto icmp icmp-type echo-request
accept in vif1.0 proto icmpv6 icmp-type echo-request
accept in vif2.0 proto icmp icmp-type echo-request
accept in vif1.0 out uplink0 proto udp to any port 7
bind vif1.0 mac $G1MAC ip 10.137.0.5,fd00:1::5
EOR
	echo "$@"
}

R=$(antispoof_rules "antispoof vif*" | rules antispoof)
NOSPOOF=$(antispoof_rules | rules nospoof)
check "load bind + antispoof" $FWCTL load "$R"
$FWCTL status | grep '^link ' | sed 's/^/#   /'
check "status: vif1.0 bound by the rules, antispoof on" \
	sh -c "$FWCTL status | grep -q '^link vif1.0: identity=bind mac=$G1MAC ip=10.137.0.5,fd00:1::5 antispoof=yes'"
check "status: vif2.0 has no identity, antispoof on" \
	sh -c "$FWCTL status | grep -q '^link vif2.0: identity=none .*antispoof=yes'"
check_not "status: uplink0 is not listed" \
	sh -c "$FWCTL status | grep -q '^link uplink0:'"

# link_drop IFACE REASON: a per-interface antispoof counter
link_drop() {
	$FWCTL status | sed -n "s/^link $1: .* dropped-$2=\([0-9]*\).*/\1/p"
}

# the frames: ids 1-2 genuine, 3-6 spoofed, 99 (genuine) ends the window
send_all() {
	recv_begin up 20000 99
	pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 1
	pkt g1 vif1.0 -s fd00:1::5 -d 2001:db8:99::2 -i 2
	pkt g1 vif1.0 -s 10.137.0.6 -d 192.0.2.2 -i 3
	pkt g1 vif1.0 -s fd00:1::6 -d 2001:db8:99::2 -i 4
	pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 5 --smac $FAKE
	pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 6 --vlan 0
	pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 99
	recv_end
}

mac0=$(link_drop vif1.0 mac) ip0=$(link_drop vif1.0 ip)
other0=$(link_drop vif1.0 other)
send_all
check "v4 from the bound address passes" got 1
check "v6 from the bound address passes" got 2
check_not "v4 from another address: dropped" got 3
check_not "v6 from another address: dropped" got 4
check_not "another source MAC: dropped" got 5
check_not "a VLAN-tagged frame: dropped" got 6
check "dropped-ip counted 2 ($ip0 -> $(link_drop vif1.0 ip))" \
	[ "$(link_drop vif1.0 ip)" -eq $((ip0 + 2)) ]
check "dropped-mac counted 1 ($mac0 -> $(link_drop vif1.0 mac))" \
	[ "$(link_drop vif1.0 mac)" -eq $((mac0 + 1)) ]
check "dropped-other counted the tagged frame" \
	[ "$(link_drop vif1.0 other)" -gt "$other0" ]

arp0=$(link_drop vif1.0 arp)
pkt g1 vif1.0 --arp -s 10.137.0.6 -d 10.137.0.1
pkt g1 vif1.0 --arp -s 10.137.0.5 -d 10.137.0.1 --arp-sha $FAKE
sleep 0.2
check "ARP with another sender address or MAC: dropped-arp counted 2" \
	[ "$(link_drop vif1.0 arp)" -eq $((arp0 + 2)) ]
check_not "the NDVM learnt no neighbour from them" \
	sh -c "$IP neigh show dev vif1.0 | grep -q '10.137.0.6\|$FAKE'"
# Neighbour Discovery binds IPv6 addresses to MACs, as ARP does: guest 1,
# a proxy for fd00:1::6, an address not bound to it, answers the NDVM's
# solicitation for it with an advertisement from its own address.
# Antispoof drops that: the NDVM learns no neighbour fd00:1::6.
proxy_nd() {
	guest g1 sh -c 'echo 1 >/proc/sys/net/ipv6/conf/eth0/forwarding
		echo 1 >/proc/sys/net/ipv6/conf/eth0/proxy_ndp'
	$IP -n g1 -6 neigh add proxy fd00:1::6 dev eth0
	$IP -6 neigh del fd00:1::6 dev vif1.0 2>/dev/null
	# resolve it: the NDVM solicits fd00:1::6 (NTF_USE)
	$IP -6 neigh replace fd00:1::6 dev vif1.0 use
}
learnt() {
	$IP -6 neigh show fd00:1::6 dev vif1.0 | grep -q lladdr
}
ip0=$(link_drop vif1.0 ip)
proxy_nd
sleep 3
check_not "an advertisement for an address not bound: no neighbour learnt" \
	learnt
check "... dropped-ip counted it ($ip0 -> $(link_drop vif1.0 ip))" \
	[ "$(link_drop vif1.0 ip)" -gt "$ip0" ]
$IP -n g1 -6 neigh del proxy fd00:1::6 dev eth0

ip0=$(link_drop vif1.0 ip)
check "genuine ARP and ping to the NDVM pass" ping_from g1 10.137.0.1
check "ping6 from the MAC's link-local address passes" \
	guest g1 ping6 -c 1 -W 2 -I eth0 "$($IP -6 addr show dev vif1.0 scope link | sed -n 's/.*inet6 \([^/]*\).*/\1/p')"
check "ping6 from the bound address passes" ping_from g1 fd00:1::1
check "no IP source was counted as spoofed meanwhile" \
	[ "$(link_drop vif1.0 ip)" -eq "$ip0" ]
check_not "vif2.0 without an identity: everything dropped" \
	ping_from g2 10.137.1.1
check "and counted as dropped-other" [ "$(link_drop vif2.0 other)" -gt 0 ]

# The guest reboots: its interface goes and comes back.
before=$(link_drop vif1.0 ip)
rule_before=$(rule_packets 6)
$IP link del vif1.0
$IP netns del g1
sleep 0.5
veth_ns vif1.0 g1 10.137.0.5 10.137.0.1 fd00:1::5 fd00:1::1 $G1MAC
check "re-created vif1.0: counters kept ($before)" \
	[ "$(link_drop vif1.0 ip)" -eq "$before" ]
send_all
check "re-created vif1.0: genuine v4 passes" got 1
check_not "re-created vif1.0: spoofed v4 dropped" got 3
check "re-created vif1.0: dropped-ip counted on" \
	[ "$(link_drop vif1.0 ip)" -gt "$before" ]
check "rule 6 counted on across the re-creation" \
	[ "$(rule_packets 6)" -gt "$rule_before" ]

check "load the same rules without antispoof" $FWCTL load "$NOSPOOF"
send_all
check "without antispoof: v4 from another address passes" got 3
check "without antispoof: another source MAC passes" got 5
check "status: vif1.0 bound, antispoof off" \
	sh -c "$FWCTL status | grep -q '^link vif1.0: identity=bind .*antispoof=no'"
proxy_nd
check "without antispoof: the advertisement teaches the NDVM fd00:1::6" \
	wait_for learnt
$IP -n g1 -6 neigh del proxy fd00:1::6 dev eth0
$IP -6 neigh del fd00:1::6 dev vif1.0 2>/dev/null

# the oracle: nftables with "fwctl translate" of the antispoof rules
$FWCTL translate "$R" >/tmp/antispoof.nft
check "nft loads the translation (netdev ingress chain for vif1.0)" \
	nft -f /tmp/antispoof.nft
send_all
check "nft: v4 from the bound address passes" got 1
check "nft: v6 from the bound address passes" got 2
check_not "nft: v4 from another address: dropped" got 3
check_not "nft: v6 from another address: dropped" got 4
check_not "nft: another source MAC: dropped" got 5
check_not "nft: a VLAN-tagged frame: dropped" got 6
$IP -6 neigh flush dev vif1.0
check "nft: ping6 from the bound address passes, neighbours learnt anew" \
	wait_for ping_from g1 fd00:1::1
proxy_nd
sleep 3
check_not "nft: an advertisement for an address not bound: no neighbour learnt" \
	learnt
$IP -n g1 -6 neigh del proxy fd00:1::6 dev eth0
nft_clean

# A commit turns antispoof on before its rules take effect, and off only
# after them. A rule set that accepts everything, with antispoof,
# replaces one that drops everything, 100 times, while guest 1 floods
# spoofed frames: none may reach the uplink. (Until 2026-12-07 a commit
# published the rules first and turned antispoof on after them, and did
# not wait for the frames that had passed ingress without it.)
DROPALL=$(printf 'policy drop\n' | rules dropall)
OPEN=$(printf 'policy accept\nbind vif1.0 mac %s ip 10.137.0.5\nantispoof vif1.0\n' \
	"$G1MAC" | rules open)
check "load a rule set that accepts everything, with antispoof" \
	$FWCTL load "$OPEN"
ip0=$(link_drop vif1.0 ip)
check "load one that drops everything" $FWCTL load "$DROPALL"
recv_begin up 600000 99
guest g1 fwpkt send eth0 "$(cat /sys/class/net/vif1.0/address)" \
	-s 10.137.0.66 -d 192.0.2.2 -i 50 -n 1000000000 &
flood=$!
loads=0 i=0
while [ $i -lt 100 ]; do
	$FWCTL load "$OPEN" && loads=$((loads + 1))
	$FWCTL load "$DROPALL" && loads=$((loads + 1))
	i=$((i + 1))
done
kill $flood
wait $flood
# what the flood queued drains before the last frame
sleep 1
$FWCTL load "$OPEN"
pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 60
pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 -i 99
recv_end
check "200 loads under a flood of spoofed frames ($loads)" [ $loads = 200 ]
check "the flood met antispoof ($ip0 -> $(link_drop vif1.0 ip) dropped-ip)" \
	[ "$(link_drop vif1.0 ip)" -gt $((ip0 + 100)) ]
check_not "no spoofed frame reached the uplink" got 50
check "a genuine frame after them did" got 60

# The NDVM's own multicast comes back to it on the interface it went out
# of, looped back, without an Ethernet header: not a guest's frame.
other0=$(link_drop vif1.0 other)
ping6 -c 2 -W 2 -I vif1.0 ff02::1 >/dev/null 2>&1
check "the NDVM's own looped-back multicast is no antispoof drop ($other0 -> $(link_drop vif1.0 other))" \
	[ "$(link_drop vif1.0 other)" = "$other0" ]

# hotplug: an interface that appears joins its bridge and comes up
H=$(printf 'policy accept\nhotplug hp* bridge br9\n' | rules hotplug)
check "load hotplug" $FWCTL load "$H"
$IP link add br9 type bridge
$IP link add hp0 type veth peer name xp0
check "hotplug: hp0 is a port of br9" wait_for \
	sh -c "$IP -o link show dev hp0 | grep -q 'master br9'"
check "hotplug: hp0 is up" \
	sh -c "$IP -o link show dev hp0 | grep -q '<[^>]*,UP'"
check "status: hp0 hotplug=connected bridge=br9" \
	sh -c "$FWCTL status | grep -q '^link hp0: .*hotplug=connected bridge=br9'"
check_not "hotplug: xp0 (no match) stays out" \
	sh -c "$IP -o link show dev xp0 | grep -q master"
$IP link del br9
$IP link add hp1 type veth peer name xp1
check "status: hp1 waits for its bridge (failed)" wait_for \
	sh -c "$FWCTL status | grep -q '^link hp1: .*hotplug=failed'"
$IP link add br9 type bridge
check "hotplug: hp1 joined br9 once it appeared" wait_for \
	sh -c "$IP -o link show dev hp1 | grep -q 'master br9'"
$IP link del hp0 2>/dev/null
$IP link del hp1 2>/dev/null
$IP link del br9 2>/dev/null
exit $ret
