#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - `make demo`: the NDVM image at work, as a QEMU firewall VM.
#
# Usage: scripts/demo.sh   (after scripts/deps.sh; `make demo` runs both)
#
# Builds the userspace-less NDVM image for the 6.1 kernel (scripts/mkndvm.sh)
# and a read-only squashfs medium holding rules/demo.rules, rules/demo.net
# and the rules' digest, and boots it under QEMU TCG with two virtio-net
# NICs on TAP devices in host network namespaces: a guest and an uplink
# (selftests/ndvm/host.sh). PID 1 of the NDVM is "fwctl boot": it loads
# and seals the rules and goes to sleep. The demo then drives flows from
# both sides and prints flow | expected | observed, and last the counters
# line the module prints on the NDVM's console (ndvmfw.stats_interval=1).
#
# Files: build/demo/ (image, medium, console log build/demo/console.log).
# Exit status: 0 if every flow got the expected verdict, else non-zero.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
D=$ROOT/build/demo
NDVM_ROOT=$ROOT
NDVM_FWNET=$ROOT/build/fwnet
. selftests/ndvm/host.sh

say() { echo "demo: $*" >&2; }
die() { echo "demo: error: $*" >&2; exit 1; }

# expected | from | proto | address | port | what
FLOWS="pass   g tcp  192.0.2.99      80  guest -> uplink web (IPv4, masqueraded)
pass   g tcp  2001:db8:99::99 443 guest -> uplink https (IPv6)
pass   g udp  192.0.2.99      53  guest -> uplink DNS
pass   g icmp 192.0.2.99      -   guest -> uplink ping
pass   g icmp 2001:db8:99::99 -   guest -> uplink ping6
drop   g tcp  192.0.2.99      22  guest -> uplink ssh
reject g tcp  192.0.2.99      25  guest -> uplink smtp (reset)
drop   g tcp  10.137.0.1      22  guest -> the NDVM's ssh
drop   u tcp  fd00:1::5       80  uplink -> guest web (unsolicited)
drop   u icmp fd00:1::5       -   uplink -> guest ping6"

build() {
	say "building the NDVM image (6.1 kernel), fwnet and the rules medium"
	mkdir -p "$D/medium"
	scripts/mkndvm.sh --kver 6.1 -o "$D" >"$D/build.txt" 2>&1 ||
		{ tail -n 20 "$D/build.txt" >&2; die "scripts/mkndvm.sh failed"; }
	cc -O2 -static -o "$NDVM_FWNET" selftests/tools/fwnet.c ||
		die "cannot build fwnet"
	cp rules/demo.rules "$D/medium/ndvm.rules"
	cp rules/demo.net "$D/medium/ndvm.net"
	DIGEST=$(ndvm_digest rules/demo.rules)
	[ -n "$DIGEST" ] || die "fwctl check rules/demo.rules failed"
	echo "$DIGEST" >"$D/medium/ndvm.digest"
	ndvm_medium "$D/medium" "$D/medium.sqfs" || die "mksquashfs failed"
	sed -n 's/^  /demo:   /p' "$D/build.txt" >&2
}

flows() {
	local want from proto addr port what got bad=0
	printf '%-44s %-9s %-9s\n' flow expected observed
	while read -r want from proto addr port what; do
		got=$(ndvm_probe "$from" "$proto" "$addr" "$port")
		printf '%-44s %-9s %-9s %s\n' "$what" "$want" "$got" \
			"$([ "$got" = "$want" ] && echo OK || echo MISMATCH)"
		[ "$got" = "$want" ] || bad=1
	done <<<"$FLOWS"
	return $bad
}

main() {
	local start=$SECONDS line rc n
	trap ndvm_cleanup EXIT
	build
	say "booting the NDVM: console=ttyS0 loglevel=6 ndvmfw.digest=$DIGEST"
	ndvm_boot "$D" "$D/medium.sqfs" "$D/console.log" 256 \
		"loglevel=6 ndvmfw.digest=$DIGEST ndvmfw.stats_interval=1" ||
		die "cannot start QEMU or wire the TAP devices"
	line=$(ndvm_wait "$D/console.log" "^sealed digest=|^ndvm: FAILED" 180) ||
		die "no 'sealed' line in 180 s (console: $D/console.log)"
	echo "NDVM console: $line"
	echo "$line" | grep -q '^sealed' || exit 1
	echo "sealed $(ndvm_since_boot) s after QEMU started"
	echo
	ndvm_servers
	flows
	rc=$?
	echo
	# the next summary after the flows holds all of them
	n=$(grep -a -c "ndvmfw: counters:" "$D/console.log")
	sleep 2.5
	line=$(grep -a "ndvmfw: counters:" "$D/console.log" | sed -n "$((n + 1)),\$p" | tail -n 1)
	[ -n "$line" ] || line=$(grep -a "ndvmfw: counters:" "$D/console.log" | tail -n 1)
	echo "NDVM console: ${line#*\] }"
	say "done in $((SECONDS - start)) s; console log: $D/console.log"
	return $rc
}

main "$@"
