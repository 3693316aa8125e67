#!/bin/sh
# smoke.sh - proves the VM harness works: veth pair between two network
# namespaces and a ping across it; prints TAP. Runs INSIDE the test VM:
#   selftests/vm/mkinitramfs.sh --kver 6.12 -o /tmp/smoke.cpio.gz \
#       --test selftests/vm/smoke.sh
#   selftests/vm/run-vm.sh --kernel VMLINUZ --initrd /tmp/smoke.cpio.gz
# Note: busybox sh runs its own `ip` applet first, so call /sbin/ip.
# The addresses are from TEST-NET-1 and only live inside the VM.
IP=/sbin/ip
fails=0

ok() {
	if [ "$1" = 0 ]; then echo "ok $2"; else echo "not ok $2"; fails=$((fails + 1)); fi
}

echo "TAP version 13"
echo "1..2"

$IP netns add a && $IP netns add b &&
	$IP link add va netns a type veth peer name vb netns b &&
	$IP -n a addr add 192.0.2.1/24 dev va &&
	$IP -n b addr add 192.0.2.2/24 dev vb &&
	$IP -n a link set va up && $IP -n b link set vb up &&
	$IP -n a link set lo up && $IP -n b link set lo up
ok $? "1 - veth pair can be created"

$IP netns exec a ping -c 1 -W 5 192.0.2.2 >/tmp/ping.out 2>&1
r=$?
[ "$r" = 0 ] || sed 's/^/# /' /tmp/ping.out
ok $r "2 - ping across namespaces"

$IP netns del a
$IP netns del b
[ "$fails" = 0 ]
