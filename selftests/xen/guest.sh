#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# guest.sh - the PV guest of the real-Xen test (selftests/xen/run.sh).
# selftests/vm/init.sh runs it (ndvmfw.test=/xen/guest.sh on the guest's
# command line); its console is hvc0, which xenconsoled in dom0 logs.
#
# Brings eth0 (xen-netfront, MAC 00:16:3e:00:00:05 from the vif line) up
# as 10.137.0.5/24 and fd00:1::5/64, then sends one round of marked packets
# (build/xen/fwpkt) to up0's MAC every 2 s for ROUNDS rounds: whether the
# vif is connected yet or not, dom0 sees a whole round once it is. The
# ids (dom0.sh checks them):
#    2  udp 10.137.0.5 -> 10.137.0.1 port 9      denied by the rules
#    3  tcp 10.137.0.66 -> 10.137.0.1 port 80    spoofed source IP
#    4  tcp 10.137.0.5 -> 10.137.0.1 port 80     spoofed source MAC 00:16:3e:00:00:66
#   12  udp fd00:1::5 -> fd00:1::1 port 9        denied, IPv6
#   13  tcp fd00:1::66 -> fd00:1::1 port 80      spoofed source IPv6
#   11  tcp fd00:1::5 -> fd00:1::1 port 80       allowed, IPv6
#    5  icmp echo request 10.137.0.5 -> 10.137.0.1   allowed
#    1  tcp 10.137.0.5 -> 10.137.0.1 port 80     allowed, last of a round
IP=/sbin/ip
UPMAC=02:00:0a:89:00:01 # up0's peer in namespace "up" (dom0.sh)
ROUNDS=60

log() { echo "# guest: $*"; }
up() { cut -d' ' -f1 /proc/uptime; }

# round: one round; the eth0 packets in one fwpkt batch (a process
# start costs much under TCG), id 1 last
round() {
	fwpkt batch eth0 "$UPMAC" /tmp/round.pkts || log "fwpkt batch eth0 failed"
}

cat >/tmp/round.pkts <<'EOF'
-p udp -s 10.137.0.5 -d 10.137.0.1 --dport 9 -i 2
-p tcp -s 10.137.0.66 -d 10.137.0.1 --dport 80 -i 3
-p tcp -s 10.137.0.5 -d 10.137.0.1 --dport 80 -i 4 --smac 00:16:3e:00:00:66
-p udp -s fd00:1::5 -d fd00:1::1 --dport 9 -i 12
-p tcp -s fd00:1::66 -d fd00:1::1 --dport 80 -i 13
-p tcp -s fd00:1::5 -d fd00:1::1 --dport 80 -i 11
-p icmp -s 10.137.0.5 -d 10.137.0.1 -i 5
-p tcp -s 10.137.0.5 -d 10.137.0.1 --dport 80 -i 1
EOF

log "up at $(up) s, kernel $(uname -r)"
modprobe xen-netfront || log "modprobe xen-netfront failed"
for _i in $(seq 100); do
	[ -e /sys/class/net/eth0 ] && break
	sleep 0.1
done
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
$IP link set eth0 up
$IP addr add 10.137.0.5/24 dev eth0
$IP addr add fd00:1::5/64 dev eth0 nodad
log "eth0 $(cat /sys/class/net/eth0/address) up at $(up) s"
for _r in $(seq "$ROUNDS"); do
	round
	[ "$_r" = 1 ] && log "first round sent at $(up) s"
	sleep 2
done
log "$ROUNDS rounds sent, carrier $(cat /sys/class/net/eth0/carrier), stopping at $(up) s"
