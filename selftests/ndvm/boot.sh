#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh - boot tests of the userspace-less NDVM image, run on the host:
# each boots scripts/mkndvm.sh's image under QEMU TCG with a rules medium
# and the guest/uplink TAP topology of selftests/ndvm/host.sh.
#
# Usage: selftests/ndvm/boot.sh --kver VER [--ko FILE]
#
#   good medium     sealed with the medium's digest; flows follow
#                   rules/demo.rules (pass, drop, reject, unsolicited);
#                   a command line word for init ("single") is ignored
#   bad digest      ndvm.digest on the medium does not match: fail-closed;
#                   with ndvmfw.fail_open=1 the console says it is open
#   cmdline digest  ndvmfw.digest= does not match: fail-closed; given
#                   twice (fwctl would check the first, the module pin
#                   the last): fail-closed
#   no medium       no disk at all: fail-closed
#   syntax error    the error on the console, fail-closed
#   FIFO            ndvm.rules a FIFO: refused, not waited on; fail-closed
#   network failure a bad sysctl at the end of ndvm.net: the console says
#                   the sealed rules are in force, and they are
#   debug image     after the seal a second fwctl cannot load, insmod
#                   fails (modules_disabled), and /proc shows PID 1 asleep
#                   and no userspace process but the debug script
#
# TAP on stdout; exit 0 if all passed, 1 if not, 4 to skip (no /dev/net/tun,
# mksquashfs or QEMU). Files in build/ndvm/VER/boot/.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
KVER="" KO=""
while [ $# -gt 0 ]; do
	case $1 in
	--kver) KVER=${2?}; shift ;;
	--ko) KO=${2?}; shift ;;
	*) echo "usage: $0 --kver VER [--ko FILE]" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$KVER" ] || { echo "usage: $0 --kver VER [--ko FILE]" >&2; exit 2; }

NDVM_ROOT=$ROOT
NDVM_FWNET=$ROOT/build/fwnet
. selftests/ndvm/host.sh

. selftests/tap.sh
skip() { echo "1..0 # SKIP $*"; exit 4; }

[ -c /dev/net/tun ] || modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v mksquashfs >/dev/null || skip "no mksquashfs (make deps)"
command -v qemu-system-x86_64 >/dev/null || skip "no QEMU (make deps)"

VER=$(scripts/kernels.sh list | awk -v k="$KVER" '$1 == k || index($1, k ".") == 1 || index($1, k "-") == 1 { print $1 }')
[ -n "$VER" ] || skip "no kernel $KVER"
IMG=$ROOT/build/ndvm/$VER
DBG=$ROOT/build/ndvm/$VER-debug
W=$IMG/boot
rm -rf "$W"
mkdir -p "$W"
trap ndvm_cleanup EXIT

ko=()
[ -n "$KO" ] && ko=(--ko "$KO")
scripts/mkndvm.sh --kver "$VER" "${ko[@]}" -o "$IMG" >"$W/mkndvm.log" 2>&1 &&
	scripts/mkndvm.sh --kver "$VER" "${ko[@]}" --debug -o "$DBG" \
		>>"$W/mkndvm.log" 2>&1
ok $? "build the NDVM image and its debug twin ($(grep -h 'initrd' "$W/mkndvm.log" | head -n 1 | tr -s ' '))"
[ -x "$NDVM_FWNET" ] || cc -O2 -static -o "$NDVM_FWNET" selftests/tools/fwnet.c

DIGEST=$(ndvm_digest rules/demo.rules)
ZERO=$(printf '0%.0s' $(seq 64))

# medium NAME RULES DIGEST [NET]: a squashfs with the demo's network
# section or NET; RULES "fifo" puts a FIFO there
medium() {
	mkdir -p "$W/$1"
	if [ "$2" = fifo ]; then
		mkfifo "$W/$1/ndvm.rules"
	else
		cp "$2" "$W/$1/ndvm.rules"
	fi
	cp "${4:-rules/demo.net}" "$W/$1/ndvm.net"
	echo "$3" >"$W/$1/ndvm.digest"
	ndvm_medium "$W/$1" "$W/$1.sqfs"
}

# boot NAME IMAGEDIR MEDIUM APPEND: boot, leave the console line in LINE
boot() {
	ndvm_cleanup
	LOG=$W/$1.console
	LINE=""
	if ndvm_boot "$2" "$3" "$LOG" 256 "loglevel=4 $4"; then
		LINE=$(ndvm_wait "$LOG" "^sealed digest=|^ndvm: FAILED" 240)
	fi
	echo "# $1: ${LINE:-no sealed or FAILED line} ($(ndvm_since_boot) s)"
}

# probe FROM PROTO ADDR PORT WANT
probe() {
	local got
	got=$(ndvm_probe "$1" "$2" "$3" "$4")
	[ "$got" = "$5" ] || echo "# $1 $2 $3 $4: want $5, got $got"
	[ "$got" = "$5" ]
}

failed_closed() {
	local what=$1 why=$2
	echo "$LINE" | grep -q -E "^ndvm: FAILED: .*$why"
	ok $? "$what: FAILED on the console ($why)"
	probe g tcp 192.0.2.99 80 drop
	ok $? "$what: the guest's allowed flow is dropped (fail-closed)"
}

medium good rules/demo.rules "$DIGEST"
boot good "$IMG" "$W/good.sqfs" "ndvmfw.digest=$DIGEST single"
case $LINE in "sealed digest=$DIGEST rules=8 "*) r=0 ;; *) r=1 ;; esac
ok $r "good medium: sealed with the rules' digest"
ndvm_servers
probe g tcp 192.0.2.99 80 pass && probe g tcp 2001:db8:99::99 443 pass &&
	probe g icmp 192.0.2.99 - pass
ok $? "good medium: allowed flows pass (IPv4 masqueraded, IPv6, ping)"
probe g tcp 192.0.2.99 22 drop && probe g tcp 192.0.2.99 25 reject &&
	probe u tcp fd00:1::5 80 drop
ok $? "good medium: denied flow dropped, smtp rejected, unsolicited dropped"

medium bad rules/demo.rules "$ZERO"
boot bad-digest "$IMG" "$W/bad.sqfs" ""
failed_closed "bad digest on the medium" "digest mismatch"

boot fail-open "$IMG" "$W/bad.sqfs" "ndvmfw.fail_open=1"
echo "$LINE" | grep -q -E "^ndvm: FAILED: digest mismatch.*; ndvmfw.fail_open=1: accepting everything"
ok $? "bad digest, ndvmfw.fail_open=1: the console says the module accepts everything"

boot cmdline-digest "$IMG" "$W/good.sqfs" "ndvmfw.digest=$ZERO"
failed_closed "ndvmfw.digest= mismatch" "digest mismatch"

boot digest-twice "$IMG" "$W/good.sqfs" "ndvmfw.digest=$DIGEST ndvmfw.digest="
failed_closed "ndvmfw.digest= twice" "ndvmfw.digest= more than once"

boot no-medium "$IMG" "" "ndvm.wait=2"
failed_closed "no medium" "no rules medium"

printf 'policy drop\naccept in eth0 proto tcp to any port 80\naccept bogus\n' >"$W/syntax.rules"
medium syntax "$W/syntax.rules" "$DIGEST"
boot syntax "$IMG" "$W/syntax.sqfs" ""
failed_closed "syntax error" "ndvm.rules:3:"

medium fifo fifo "$DIGEST"
boot fifo "$IMG" "$W/fifo.sqfs" ""
failed_closed "a FIFO as ndvm.rules" "ndvm.rules: not a regular file"

{ cat rules/demo.net; echo "sysctl net.ipv4.no_such_key 1"; } >"$W/badnet.net"
medium badnet rules/demo.rules "$DIGEST" "$W/badnet.net"
boot badnet "$IMG" "$W/badnet.sqfs" ""
echo "$LINE" | grep -q -E "^ndvm: FAILED: ndvm.net:11: sysctl: .*; rules sealed, network section stopped there"
ok $? "network section failing after the seal: FAILED, and the rules sealed"
ndvm_servers
probe g tcp 192.0.2.99 80 pass && probe g tcp 192.0.2.99 22 drop
ok $? "network section failing after the seal: the sealed rules filter"

boot debug "$DBG" "$W/good.sqfs" "ndvm.debug=/debug/debug.sh"
ndvm_wait "$LOG" "^ndvm-debug: done" 120 >/dev/null
grep -a "^ndvm-debug:" "$LOG" | grep -v status: | sed 's/^/# /'
grep -a -q "^ndvm-debug: load=refused (.*rule set is sealed)" "$LOG"
ok $? "debug image: a second fwctl cannot load a rule set (sealed)"
grep -a -q "^ndvm-debug: insmod=refused (.*Operation not permitted)" "$LOG" &&
	grep -a -q "^ndvm-debug: modules_disabled=1" "$LOG"
ok $? "debug image: insmod fails, kernel.modules_disabled=1"
self=$(sed -n 's/^ndvm-debug: self=\([0-9]*\).*/\1/p' "$LOG")
grep -a -q "^ndvm-debug: ps pid=1 ppid=0 state=S comm=init" "$LOG" &&
	[ -n "$self" ] &&
	! grep -a "^ndvm-debug: ps " "$LOG" |
		grep -v -E "^ndvm-debug: ps pid=(1|$self) |ppid=$self " | grep -q .
ok $? "debug image: PID 1 asleep, no other userspace process but the debug script"
ndvm_cleanup

echo "1..$N"
[ "$FAILS" = 0 ]
