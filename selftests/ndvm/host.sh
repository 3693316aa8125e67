# SPDX-License-Identifier: GPL-2.0
# host.sh - the host side of an NDVM under QEMU, sourced by
# selftests/ndvm/boot.sh and scripts/demo.sh.
#
# Topology (the KVM/QEMU "firewall VM with bridged TAP devices" case):
#
#   netns $NS_G                 NDVM (QEMU TCG)              netns $NS_U
#   tap $TAP_G  ------ eth0 (virtio-net)  eth1 (virtio-net) ------ tap $TAP_U
#   10.137.0.5/24               10.137.0.1  192.0.2.1             192.0.2.99/24
#   fd00:1::5/64                fd00:1::1   2001:db8:99::1   2001:db8:99::99/64
#
# The guest routes via the NDVM; the uplink has a route back to fd00:1::/64
# only (IPv4 needs the NDVM's masquerade). A read-only virtio disk holds
# the rules medium (squashfs). Every name carries the shell's PID, and
# ndvm_cleanup (run it on EXIT) removes all of it.

NDVM_ID=$$
NS_G=ndvm-g-$NDVM_ID
NS_U=ndvm-u-$NDVM_ID
TAP_G=ndg$NDVM_ID
TAP_U=ndu$NDVM_ID
NDVM_QEMU_PID=""

# ndvm_medium DIR OUT: a squashfs of DIR (ndvm.rules, ndvm.digest, ndvm.net)
ndvm_medium() {
	rm -f "$2"
	mksquashfs "$1" "$2" -noappend -all-root -quiet >/dev/null
}

# ndvm_digest RULES: the digest "fwctl check" computes
ndvm_digest() {
	"$NDVM_ROOT/ctl/fwctl" check "$1" | sed -n 's/^digest: //p'
}

ndvm_cleanup() {
	if [ -n "$NDVM_QEMU_PID" ]; then
		kill "$NDVM_QEMU_PID" 2>/dev/null
		wait "$NDVM_QEMU_PID" 2>/dev/null
		NDVM_QEMU_PID=""
	fi
	ip netns pids "$NS_G" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NS_U" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	ip netns del "$NS_U" 2>/dev/null
	ip link del "$TAP_G" 2>/dev/null
	ip link del "$TAP_U" 2>/dev/null
	return 0
}

# ndvm_boot DIR MEDIUM LOG MEM APPEND: start QEMU in the background with
# the image in DIR (vmlinuz, initrd.cpio.gz), MEDIUM ("" for none) as a
# read-only virtio disk, the console in LOG; then wire the taps.
ndvm_boot() {
	local dir=$1 medium=$2 log=$3 mem=$4 append=$5 disk=() i
	modprobe tun 2>/dev/null
	ip tuntap add dev "$TAP_G" mode tap || return 1
	ip tuntap add dev "$TAP_U" mode tap || return 1
	[ -n "$medium" ] &&
		disk=(-drive "file=$medium,format=raw,if=virtio,readonly=on")
	: >"$log"
	NDVM_BOOT_START=$(date +%s.%N)
	qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 \
		-display none -monitor none -serial "file:$log" -no-reboot \
		-kernel "$dir/vmlinuz" -initrd "$dir/initrd.cpio.gz" \
		-append "console=ttyS0 $append" "${disk[@]}" \
		-netdev "tap,id=g,ifname=$TAP_G,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=g,mac=52:54:00:12:00:01,addr=0x5" \
		-netdev "tap,id=u,ifname=$TAP_U,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=u,mac=52:54:00:12:00:02,addr=0x6" \
		</dev/null >"$log.qemu" 2>&1 &
	NDVM_QEMU_PID=$!
	# move the taps only once QEMU holds them (tun's fdinfo names them)
	for i in $(seq 100); do
		[ "$(cat /proc/"$NDVM_QEMU_PID"/fdinfo/* 2>/dev/null |
			grep -c -E "^iff:[[:space:]]+($TAP_G|$TAP_U)\$")" = 2 ] && break
		sleep 0.1
	done
	ndvm_wire
}

ndvm_wire() {
	ip netns add "$NS_G" && ip netns add "$NS_U" || return 1
	ip link set "$TAP_G" netns "$NS_G" && ip link set "$TAP_U" netns "$NS_U" ||
		return 1
	ip -n "$NS_G" link set lo up
	ip -n "$NS_U" link set lo up
	ip -n "$NS_G" link set "$TAP_G" address 52:54:00:12:01:01 up
	ip -n "$NS_U" link set "$TAP_U" address 52:54:00:12:02:01 up
	ip -n "$NS_G" addr add 10.137.0.5/24 dev "$TAP_G"
	ip -n "$NS_G" addr add fd00:1::5/64 dev "$TAP_G" nodad
	ip -n "$NS_G" route add default via 10.137.0.1
	ip -n "$NS_G" route add default via fd00:1::1
	ip -n "$NS_U" addr add 192.0.2.99/24 dev "$TAP_U"
	ip -n "$NS_U" addr add 2001:db8:99::99/64 dev "$TAP_U" nodad
	ip -n "$NS_U" route add fd00:1::/64 via 2001:db8:99::1
}

# ndvm_since_boot: seconds since ndvm_boot started QEMU
ndvm_since_boot() {
	awk -v a="$(date +%s.%N)" -v b="$NDVM_BOOT_START" 'BEGIN { printf "%.1f", a - b }'
}

# ndvm_wait LOG REGEX SECONDS: wait for a console line; print it. Only
# whole lines count: QEMU writes the console as the guest prints it, and
# a line read half-written ("ndvm: FAILED: no") would be taken for all of
# it. So a snapshot, without its last line unless that has ended.
ndvm_wait() {
	local i snap=$1.snap
	for i in $(seq $(($3 * 10))); do
		cat "$1" >"$snap" 2>/dev/null
		[ "$(tail -c1 "$snap" | wc -l)" = 1 ] || sed -i '$d' "$snap"
		if grep -a -m1 -E "$2" "$snap"; then
			return 0
		fi
		kill -0 "$NDVM_QEMU_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# ndvm_servers: echo servers in the uplink (tcp 22 25 80 443, udp 53) and
# in the guest (tcp 80)
ndvm_servers() {
	local p
	for p in 22 25 80 443; do
		ip netns exec "$NS_U" "$NDVM_FWNET" serve tcp "$p" &
	done
	ip netns exec "$NS_U" "$NDVM_FWNET" serve udp 53 &
	ip netns exec "$NS_G" "$NDVM_FWNET" serve tcp 80 &
	sleep 0.5
}

# ndvm_probe FROM(g|u) PROTO ADDR PORT: pass, reject or drop
ndvm_probe() {
	local ns=$NS_G rc
	[ "$1" = u ] && ns=$NS_U
	if [ "$2" = icmp ]; then
		ip netns exec "$ns" busybox ping -c 1 -W 3 "$3" >/dev/null 2>&1
		rc=$?
	else
		ip netns exec "$ns" "$NDVM_FWNET" probe "$2" "$3" "$4" -t 3000
		rc=$?
	fi
	case $rc in
	0) echo pass ;;
	3) echo reject ;;
	*) echo drop ;;
	esac
}
