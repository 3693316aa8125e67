#!/bin/bash
# check-debug.sh - `make check-debug`: the VM suite on a debug kernel.
#
# Builds (once; then from the cache) Debian's linux-source-6.1 with KASAN,
# kmemleak, lockdep / PROVE_RCU and failslab / fail_page_alloc
# (scripts/debug-kernel.sh, fragment selftests/debug/config), the module
# against it (W=1, a warning fails) and the test tools, then boots it
# under QEMU TCG and runs the VM tests (selftests/vm/tests.sh: all of
# selftests/*.sh, fuzz.sh and pktfuzz.sh included) plus the fault
# injection test selftests/debug/failnth.sh, before seal.sh (unsealed) and
# after it (sealed). The VM's kernel log check fails the run on any KASAN,
# kmemleak, lockdep, RCU, WARN or BUG report. Prints TAP-ish lines and
# "N passed, N failed"; exits non-zero if anything failed.
#
# Output: build/debug/, or DEBUG_OUT (vm.log is the console, mod/ the
# module build).
# Environment, as selftests/run.sh: TESTS (the VM tests, in order; default
# all, with failnth before seal and failnth_sealed after it), DIFF, NLFUZZ,
# PKTFUZZ, SOAK (sizes), VM_TIMEOUT (seconds for the whole VM, default
# 14400, each test gets it too), VM_MEM (MB, default 2048), JOBS (kernel
# build jobs), NDVMFW_CACHE (the kernel build lives in
# $NDVMFW_CACHE/debug-kernel).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
B=${DEBUG_OUT:-$ROOT/build/debug}
mkdir -p "$B"
PASS=0
FAIL=0
FAILED=""
ALL_TESTS="fail_closed traffic state reject translate bridge masquerade frag
malformed ipv6 vlan log antispoof diff atomic digest netlink fuzz pktfuzz soak
limits failnth seal failnth_sealed"

result() {
	if [ "$2" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok - $1"
	else
		FAIL=$((FAIL + 1))
		FAILED="$FAILED $1"
		echo "not ok - $1"
	fi
}

finish() {
	[ -z "$FAILED" ] || echo "# failed:$FAILED"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit
}

tap_results() {
	local prefix=$1 log=$2 line
	while read -r line; do
		case $line in
		"ok "*) result "$prefix: ${line#ok * - }" 0 ;;
		"not ok "*) result "$prefix: ${line#not ok * - }" 1 ;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ - ' "$log")
}

build_tools() {
	local cflags="-O2 -Wall -Wextra -Wno-unused-parameter -Werror -Ikmod -Ictl"
	# shellcheck disable=SC2046,SC2086 # flags split on purpose
	make -s fwctl &&
	cc $cflags -o "$B/nlprobe" selftests/tools/nlprobe.c ctl/nl.c -lmnl &&
	cc $cflags $(pkg-config --cflags libmnl nettle) -o "$B/nlfuzz" \
		selftests/tools/nlfuzz.c ctl/nl.c ctl/msg.c ctl/parse.c \
		ctl/print.c kmod/ruleset.c -lmnl -lnettle &&
	cc $cflags $(pkg-config --cflags libmnl nettle) -o "$B/failnth" \
		selftests/tools/failnth.c ctl/nl.c ctl/msg.c ctl/parse.c \
		ctl/print.c kmod/ruleset.c -lmnl -lnettle &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwnet" selftests/tools/fwnet.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwpkt" selftests/tools/fwpkt.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwgen" selftests/tools/fwgen.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/pktfuzz" selftests/tools/pktfuzz.c
}

# build_module KDIR: W=1 build in build/debug/mod; warnings fail
build_module() {
	local kdir=$1 dir=$B/mod rc
	rm -rf "$dir"
	mkdir -p "$dir/kmod/uapi"
	cp Kbuild "$dir/"
	cp kmod/Kbuild kmod/*.[ch] "$dir/kmod/"
	cp kmod/uapi/*.h "$dir/kmod/uapi/"
	nice -n 19 make -C "$kdir" M="$dir" W=1 modules >"$dir/build.log" 2>&1
	rc=$?
	if grep -q -i 'warning' "$dir/build.log"; then
		grep -i -A3 warning "$dir/build.log" | head -40
		rc=1
	fi
	[ -f "$dir/kmod/ndvmfw.ko" ] || { tail -n 20 "$dir/build.log"; rc=1; }
	return $rc
}

# vm_tests KVER VMLINUZ MODROOT
vm_tests() {
	local kver=$1 vmlinuz=$2 modroot=$3 initrd=$B/initrd.cpio.gz append tests
	selftests/vm/mkinitramfs.sh --kver "$kver" --modroot "$modroot" -o "$initrd" \
		--file "$B/mod/kmod/ndvmfw.ko:/lib/ndvmfw/ndvmfw.ko" \
		--bin ctl/fwctl --bin "$B/nlprobe" --bin "$B/nlfuzz" --bin "$B/pktfuzz" \
		--bin "$B/fwnet" --bin "$B/fwpkt" --bin "$B/fwgen" --bin "$B/failnth" \
		--bin "$(command -v conntrack)" \
		--dir selftests:/tests --dir rules:/rules \
		--file selftests/debug/failnth.sh:/tests/failnth.sh \
		--file selftests/debug/failnth.sh:/tests/failnth_sealed.sh \
		>"$B/initrd.log" 2>&1 ||
		{ cat "$B/initrd.log"; return 1; }
	# shellcheck disable=SC2086 # one line, the names split
	tests=$(echo ${TESTS:-$ALL_TESTS} | tr ' ' ,)
	append="ndvmfw.test=/tests/vm/tests.sh ndvmfw.tests=$tests"
	[ -n "${DIFF:-}" ] && append="$append ndvmfw.diff=$DIFF"
	[ -n "${NLFUZZ:-}" ] && append="$append ndvmfw.fuzz=$NLFUZZ"
	[ -n "${PKTFUZZ:-}" ] && append="$append ndvmfw.pktfuzz=$PKTFUZZ"
	[ -n "${SOAK:-}" ] && append="$append ndvmfw.soak=$SOAK"
	append="$append ndvmfw.timeout=${VM_TIMEOUT:-14400}"
	selftests/vm/run-vm.sh --kernel "$vmlinuz" --initrd "$initrd" \
		--mem "${VM_MEM:-2048}" --timeout "${VM_TIMEOUT:-14400}" \
		--append "$append" --log "$B/vm.log" --quiet
}

start=$(date +%s)
kline=$(scripts/debug-kernel.sh build)
rc=$?
echo "# debug kernel: $kline ($(($(date +%s) - start)) s; last build took $(cat "${NDVMFW_CACHE:-/var/cache/ndvmfw}/debug-kernel/build-seconds" 2>/dev/null || echo '?') s)"
result "debug kernel (KASAN, kmemleak, lockdep, failslab) built or cached" $rc
[ $rc = 0 ] || finish
read -r kver vmlinuz modroot kdir <<<"$kline"

build_tools
result "build fwctl and test tools" $? || true
[ "$FAIL" = 0 ] || finish

build_module "$kdir"
result "$kver: W=1 build without warnings" $?
[ "$FAIL" = 0 ] || finish

start=$(date +%s)
vm_tests "$kver" "$vmlinuz" "$modroot"
rc=$?
echo "# $kver: VM run took $(($(date +%s) - start)) s (rc=$rc)"
grep -E '^# # (FAIL|kmemleak|kernel log|failnth)|^# #   failnth:' "$B/vm.log" | sed "s/^# /# $kver: /"
tap_results "$kver" "$B/vm.log"
result "$kver: VM run completed" $rc
# the console too (KERN_ERR and up reach it: KASAN, oopses)
if grep -E -q 'BUG: KASAN|Kernel panic|general protection|kernel BUG' "$B/vm.log"; then
	grep -E -A20 'BUG: KASAN|Kernel panic|general protection|kernel BUG' "$B/vm.log" | head -60 | sed 's/^/# /'
	result "$kver: console has no KASAN report, BUG or panic" 1
else
	result "$kver: console has no KASAN report, BUG or panic" 0
fi
finish
