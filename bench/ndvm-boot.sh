#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ndvm-boot.sh - boot time and smallest memory of the NDVM image.
#
# Usage: bench/ndvm-boot.sh [--kver VER] [--boots N] [--append "ARGS"] [--no-mem]
#
# With the image of scripts/mkndvm.sh (built here if missing) and the
# topology of selftests/ndvm/host.sh:
#   - N boots (default 3) with rules/demo.rules at -m 256: seconds from
#     QEMU's start to the "sealed" line (host clock), the guest's uptime
#     at that line, and the uptime of the kernel's first line (0.0);
#   - the smallest -m, to 2 MiB, at which the NDVM boots, seals and
#     filters (an allowed flow passes, a denied one is dropped), with
#     rules/demo.rules and with 10,000 more rules in front of them
#     (panic=-1 on these boots: a kernel out of memory ends QEMU at once);
#     --no-mem leaves this part out.
# The kernel command line is "console=ttyS0 quiet" plus ARGS.
# Prints a Markdown table; docs/NDVM.md quotes one run.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KVER=6.1 BOOTS=3 APPEND="" MEM=1
while [ $# -gt 0 ]; do
	case $1 in
	--kver) KVER=${2?}; shift ;;
	--boots) BOOTS=${2?}; shift ;;
	--append) APPEND=${2?}; shift ;;
	--no-mem) MEM=0 ;;
	*) echo "usage: $0 [--kver VER] [--boots N] [--append ARGS]" >&2; exit 2 ;;
	esac
	shift
done

NDVM_ROOT=$ROOT
NDVM_FWNET=$ROOT/build/fwnet
. selftests/ndvm/host.sh
trap ndvm_cleanup EXIT

VER=$(scripts/kernels.sh list | awk -v k="$KVER" '$1 == k || index($1, k ".") == 1 || index($1, k "-") == 1 { print $1 }')
[ -n "$VER" ] || { echo "no kernel $KVER (make deps)" >&2; exit 1; }
IMG=build/ndvm/$VER
W=build/bench/ndvm-boot
mkdir -p "$W"
[ -f "$IMG/initrd.cpio.gz" ] || scripts/mkndvm.sh --kver "$VER" >/dev/null ||
	exit 1
[ -x "$NDVM_FWNET" ] || cc -O2 -static -o "$NDVM_FWNET" selftests/tools/fwnet.c

# medium NAME RULES
medium() {
	mkdir -p "$W/$1"
	cp "$2" "$W/$1/ndvm.rules"
	cp rules/demo.net "$W/$1/ndvm.net"
	ndvm_digest "$2" >"$W/$1/ndvm.digest"
	ndvm_medium "$W/$1" "$W/$1.sqfs"
}

medium demo rules/demo.rules
awk 'BEGIN { for (i = 0; i < 10000; i++)
		printf "drop in eth0 proto tcp from 10.%d.%d.%d to any port %d\n",
			100 + i % 100, int(i / 100) % 256, 1 + i % 250, 1024 + i }' \
	>"$W/10k.rules"
grep -v '^policy' rules/demo.rules >>"$W/10k.rules"
sed -i '1i policy drop' "$W/10k.rules"
medium 10k "$W/10k.rules"

# try MEM MEDIUM: 0 if the NDVM seals and filters with -m MEM
try() {
	local line
	ndvm_cleanup
	ndvm_boot "$IMG" "$W/$2.sqfs" "$W/mem.console" "$1" "quiet panic=-1 $APPEND" ||
		return 1
	line=$(ndvm_wait "$W/mem.console" "^sealed digest=|^ndvm: FAILED" 120) ||
		return 1
	case $line in sealed*) ;; *) return 1 ;; esac
	ndvm_servers >/dev/null 2>&1
	[ "$(ndvm_probe g tcp 192.0.2.99 80)" = pass ] &&
		[ "$(ndvm_probe g tcp 192.0.2.99 22)" = drop ]
}

# smallest MEDIUM: binary search in 16..256 MiB
smallest() {
	local lo=16 hi=256 mid
	try "$hi" "$1" || { echo "fails at ${hi}M"; return; }
	while [ $((hi - lo)) -gt 2 ]; do
		mid=$(((lo + hi) / 2))
		if try "$mid" "$1"; then hi=$mid; else lo=$mid; fi
	done
	ndvm_cleanup
	echo "${hi} MiB"
}

echo "| boot | QEMU start -> sealed (host) | kernel first line -> sealed (guest uptime) |"
echo "|---|---|---|"
for i in $(seq "$BOOTS"); do
	ndvm_cleanup
	ndvm_boot "$IMG" "$W/demo.sqfs" "$W/boot.console" 256 "quiet $APPEND" || exit 1
	line=$(ndvm_wait "$W/boot.console" "^sealed digest=|^ndvm: FAILED" 180)
	echo "| $i | $(ndvm_since_boot) s | ${line##*uptime=} s |"
done
echo
if [ "$MEM" = 1 ]; then
	echo "| rules | smallest -m |"
	echo "|---|---|"
	echo "| rules/demo.rules (8) | $(smallest demo) |"
	echo "| 10,000 + demo | $(smallest 10k) |"
	echo
fi
echo "kernel $VER, command line 'console=ttyS0 quiet $APPEND', $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
