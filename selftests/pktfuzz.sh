#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The packet path under fuzzing (selftests/tools/pktfuzz.c): malformed and
# odd frames from guest 1 into the bridged NDVM, with virtio_net_hdr
# metadata (bogus GSO and checksum offsets among it), VLAN tags, IPv6
# extension header chains beyond the bound, fragments, lying length
# fields. Every frame the NDVM received is accounted for: it was counted
# by exactly one rule, the policy, or a drop counter (malformed, fragment,
# exthdr, vlan). A second run does the same with antispoof on guest 1's
# port (pktfuzz -a: Neighbour Discovery among the frames), whose drop
# counters then count too. The frames received are the bridge ports' rx_packets: a
# frame the guest's kernel took can reach the NDVM as several (one with
# GSO metadata is segmented in software in the guest before veth hands it
# over: 10 frames more than sent in 1.5 million, once) or as none (veth's
# drops, a full backlog's among them: 7 in that run); both are logged,
# and checked against the frames sent. Afterwards the rules still work.
# Size: ndvmfw.pktfuzz=N on the kernel command line (default 100000).
. /tests/lib.sh

N=100000
for a in $(cat /proc/cmdline); do
	case $a in ndvmfw.pktfuzz=*) N=${a#ndvmfw.pktfuzz=} ;; esac
done

bridge_setup
# Nothing else may cross the hooks meanwhile: no IPv6 autoconfiguration,
# neighbour discovery or MLD, and no br_netfilter (its IP checks would
# drop frames before ndvmfw sees them).
for f in /proc/sys/net/bridge/bridge-nf-call-iptables \
	 /proc/sys/net/bridge/bridge-nf-call-ip6tables; do
	[ -e $f ] && echo 0 >$f
done
for ns in g1 up; do
	guest $ns sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6'
done
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
# veth hands frames to the per-CPU backlog, which drops beyond
# netdev_max_backlog when the sender outruns the softirq: make room, and
# count what it dropped anyway (/proc/net/softnet_stat, second column)
echo 1000000 >/proc/sys/net/core/netdev_max_backlog

R=$(rules pktfuzz <<'EOR'
policy drop
accept proto udp to any port 7
drop proto tcp to any port 7
accept proto icmp
accept family ip6 proto icmpv6
accept proto gre
accept family ip6 proto tcp from fd00:1::/64
EOR
)
check "load" $FWCTL load "$R"
UPMAC=$(guest up cat /sys/class/net/eth0/address)
# every packet the hooks counted: rules, policy and drop counters
counted() {
	$FWCTL stats | awk '
		$2 == "packets" { n += $3 }
		$1 ~ /^(unloaded|malformed|fragment|exthdr|vlan)-packets$/ { n += $2 }
		END { print n + 0 }'
}
# frames into the NDVM: the ports' rx_packets (veth counts a frame there
# once it is in the receive backlog); frames lost on the way: the guest's
# tx_dropped (veth's drops, a full backlog's included)
received() {
	echo $(($(cat /sys/class/net/vif1.0/statistics/rx_packets) +
		$(cat /sys/class/net/uplink0/statistics/rx_packets)))
}
lost() {
	guest g1 cat /sys/class/net/eth0/statistics/tx_dropped
}
# no neighbour discovery meanwhile either: ARP is neither judged nor
# counted, but it is received
$IP -n g1 neigh replace 10.0.0.2 lladdr "$UPMAC" dev eth0 nud permanent
$IP -n up neigh replace 10.0.0.5 \
	lladdr "$(guest g1 cat /sys/class/net/eth0/address)" dev eth0 nud permanent
check "guest 1 pings the uplink across the bridge" ping_from g1 10.0.0.2
sleep 1
before=$(counted) rx0=$(received) lost0=$(lost) bdrop0=$(backlog_drops)
t0=$(cut -d' ' -f1 /proc/uptime)
guest g1 pktfuzz eth0 "$UPMAC" "$N" 1 >/tmp/pktfuzz.out
log "pktfuzz: $(cat /tmp/pktfuzz.out), $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s (TCG)"
sleep 1
after=$(counted) rx=$(($(received) - rx0)) lost=$(($(lost) - lost0))
bdrop=$(($(backlog_drops) - bdrop0))
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' /tmp/pktfuzz.out)
log "frames: ${sent:-?} sent, $rx received by the NDVM, $lost lost on the way ($bdrop by the backlog), $((rx + lost - ${sent:-0})) more received than sent (segments)"
$FWCTL stats | sed 's/^/#   /'
check "pktfuzz sent frames" [ "${sent:-0}" -gt $((N / 2)) ]
check "every frame received is accounted for: $((after - before)) counted = $rx received" \
	[ $((after - before)) -eq "$rx" ]
check "no frame vanished: $rx received + $lost lost >= ${sent:-?} sent" \
	[ $((rx + lost)) -ge "${sent:--1}" ]
check "the malformed counter moved" [ "$(status_field malformed-packets)" -gt 0 ]
check "the vlan counter moved" [ "$(status_field vlan-packets)" -gt 0 ]
check "afterwards guest 1 still pings the uplink" ping_from g1 10.0.0.2

# Antispoof's checks under the same fuzzing, guest 1's port bound to
# pktfuzz's sources (and to the guest's own address), with pktfuzz -a:
# IPv6 Neighbour Discovery with odd targets and options among the frames.
# Every frame received is now counted by a rule, the policy, a drop
# counter, or one of the port's antispoof drop counters.
G1MAC=$(guest g1 cat /sys/class/net/eth0/address)
A=$( { cat "$R"
	echo "bind vif1.0 mac $G1MAC ip 10.0.0.5,10.137.0.5,fd00:1::5"
	echo "antispoof vif1.0"; } | rules pktfuzz-antispoof)
check "load the rules with antispoof on guest 1's port" $FWCTL load "$A"
spoofed() {
	$FWCTL status | sed -n 's/^link vif1.0: .* dropped-mac=\([0-9]*\) dropped-ip=\([0-9]*\) dropped-arp=\([0-9]*\) dropped-other=\([0-9]*\).*/\1 \2 \3 \4/p' |
		awk '{ print $1 + $2 + $3 + $4 }'
}
sleep 1
before=$(($(counted) + $(spoofed))) rx0=$(received) lost0=$(lost)
ip0=$($FWCTL status | sed -n 's/^link vif1.0: .* dropped-ip=\([0-9]*\).*/\1/p')
guest g1 pktfuzz -a eth0 "$UPMAC" "$N" 2 >/tmp/pktfuzz.out
sleep 1
after=$(($(counted) + $(spoofed))) rx=$(($(received) - rx0))
lost=$(($(lost) - lost0))
sent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' /tmp/pktfuzz.out)
log "pktfuzz -a: $(cat /tmp/pktfuzz.out); $rx received, $lost lost on the way"
$FWCTL status | grep '^link vif1.0' | sed 's/^/#   /'
check "pktfuzz -a sent frames" [ "${sent:-0}" -gt $((N / 2)) ]
check "with antispoof every frame received is accounted for: $((after - before)) counted = $rx received" \
	[ $((after - before)) -eq "$rx" ]
check "no frame vanished: $rx received + $lost lost >= ${sent:-?} sent" \
	[ $((rx + lost)) -ge "${sent:--1}" ]
check "antispoof dropped some as spoofed IP or Neighbour Discovery" \
	[ "$($FWCTL status | sed -n 's/^link vif1.0: .* dropped-ip=\([0-9]*\).*/\1/p')" -gt "$ip0" ]
check "afterwards guest 1 still pings the uplink, antispoof on" \
	ping_from g1 10.0.0.2
exit $ret
