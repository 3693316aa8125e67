#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test suite, as "make check" and .ci/run call it:
#   - W=1 builds of the module against every test kernel, no warnings;
#   - checkpatch --strict on kmod/ and ctl/;
#   - userspace unit tests (parser, classifier against a reference matcher);
#   - libFuzzer smoke of the parser and the rule compiler (selftests/fuzz);
#   - make bench-native at its smallest (it builds against rte_acl);
#   - for each test kernel (6.1, 6.12): one QEMU TCG boot that runs the
#     VM tests (selftests/*.sh) and reports TAP;
#   - for each test kernel: the NDVM image's boot tests on the host
#     (selftests/ndvm/boot.sh: QEMU with TAP devices in network namespaces);
#   - once: the real-Xen test (selftests/xen/run.sh, make check-xen): Xen
#     4.17 in QEMU TCG, dom0 with the module on the 6.1 kernel, a PV guest;
#     then the NDVM image as a PV driver domain, the guest's vif in it.
# Ends with "N passed, N failed"; exits non-zero if anything failed.
#
# Environment: KERNELS="6.1 6.12" (prefixes of scripts/kernels.sh list),
# TESTS="traffic seal" (VM tests to run; "boot" names the NDVM boot
# tests, "xen" the real-Xen test; unset: all of them), DIFF=SETSxPACKETS (size of the
# differential test, default 50x200; SETSxPACKETS@SEED starts at SEED),
# DIFF_BULK=RULES (diff.sh also runs one rule set of that many rules),
# DIFF_BR=SETSxPACKETS (size of diffbr.sh, the bridged one, default 20x200),
# NLFUZZ=MESSAGES, PKTFUZZ=FRAMES, SOAK=LOADSxCYCLES (sizes of fuzz.sh,
# pktfuzz.sh and soak.sh; defaults 10000, 100000, 500x50), PARALLEL=0
# (the kernels one after the other, not side by side), VM_TIMEOUT (seconds
# a VM may run, default 2400; each test gets it too), VM_MEM (MB per VM,
# default 768), NDVMFW_CACHE (downloads).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=$ROOT/build
mkdir -p "$B"
PASS=0
FAIL=0
FAILED=""

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

# Count the TAP lines of a log: "ok N - x" / "not ok N - x".
tap_results() {
	prefix=$1 log=$2
	while read -r line; do
		case $line in
		"ok "*) result "$prefix: ${line#ok * - }" 0 ;;
		"not ok "*) result "$prefix: ${line#not ok * - }" 1 ;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ - ' "$log")
}

build_tools() {
	make -s fwctl &&
	cc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -Ikmod -Ictl \
		-o "$B/nlprobe" selftests/tools/nlprobe.c ctl/nl.c -lmnl &&
	cc -O2 -Wall -Wextra -Wno-unused-parameter -Werror -Ikmod -Ictl \
		$(pkg-config --cflags libmnl nettle) -o "$B/nlfuzz" \
		selftests/tools/nlfuzz.c ctl/nl.c ctl/msg.c ctl/parse.c \
		ctl/print.c kmod/ruleset.c -lmnl -lnettle &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwnet" \
		selftests/tools/fwnet.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwpkt" \
		selftests/tools/fwpkt.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/fwgen" \
		selftests/tools/fwgen.c &&
	cc -O2 -Wall -Wextra -Werror -static -o "$B/pktfuzz" \
		selftests/tools/pktfuzz.c
}

# build_module VER KDIR: W=1 build in build/VER; warnings fail the test
build_module() {
	ver=$1 kdir=$2 dir=$B/$ver
	rm -rf "$dir"
	mkdir -p "$dir/kmod/uapi"
	cp Kbuild "$dir/"
	cp kmod/Kbuild kmod/*.[ch] "$dir/kmod/"
	cp kmod/uapi/*.h "$dir/kmod/uapi/"
	make -C "$kdir" M="$dir" W=1 modules >"$dir/build.log" 2>&1
	rc=$?
	if grep -q -i 'warning' "$dir/build.log"; then
		grep -i -A3 warning "$dir/build.log" | head -40
		rc=1
	fi
	[ -f "$dir/kmod/ndvmfw.ko" ] || rc=1
	return $rc
}

checkpatch() {
	cp=$B/checkpatch/scripts/checkpatch.pl
	if [ ! -x "$cp" ]; then
		src=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1)
		[ -n "$src" ] || { echo "linux-source-6.1 missing: make deps"; return 1; }
		mkdir -p "$B/checkpatch"
		tar -xf "$src" -C "$B/checkpatch" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	fi
	"$cp" --no-tree --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(git ls-files 'kmod/*.[ch]' 'ctl/*.[ch]')
}

vm_tests() {
	ver=$1 vmlinuz=$2 dir=$B/$ver
	initrd=$dir/initrd.cpio.gz
	selftests/vm/mkinitramfs.sh --kver "$ver" -o "$initrd" \
		--file "$dir/kmod/ndvmfw.ko:/lib/ndvmfw/ndvmfw.ko" \
		--bin ctl/fwctl --bin "$B/nlprobe" --bin "$B/nlfuzz" --bin "$B/pktfuzz" --bin "$B/fwnet" --bin "$B/fwpkt" --bin "$B/fwgen" \
		--bin "$(command -v conntrack)" \
		--dir selftests:/tests --dir rules:/rules \
		>"$dir/initrd.log" 2>&1 ||
		{ cat "$dir/initrd.log"; return 1; }
	append="ndvmfw.test=/tests/vm/tests.sh"
	[ -n "${TESTS:-}" ] && append="$append ndvmfw.tests=$(echo $VM_TESTS | tr ' ' ,)"
	[ -n "${DIFF:-}" ] && append="$append ndvmfw.diff=$DIFF"
	[ -n "${DIFF_BULK:-}" ] && append="$append ndvmfw.diffbulk=$DIFF_BULK"
	[ -n "${DIFF_BR:-}" ] && append="$append ndvmfw.diffbr=$DIFF_BR"
	[ -n "${NLFUZZ:-}" ] && append="$append ndvmfw.fuzz=$NLFUZZ"
	[ -n "${PKTFUZZ:-}" ] && append="$append ndvmfw.pktfuzz=$PKTFUZZ"
	[ -n "${SOAK:-}" ] && append="$append ndvmfw.soak=$SOAK"
	append="$append ndvmfw.timeout=${VM_TIMEOUT:-2400}"
	selftests/vm/run-vm.sh --kernel "$vmlinuz" --initrd "$initrd" \
		--mem "${VM_MEM:-768}" --timeout "${VM_TIMEOUT:-2400}" --append "$append" \
		--log "$dir/vm.log" --quiet
}

# TESTS split: "boot" is the host-side NDVM boot tests, the rest VM tests.
VM_TESTS=$(echo " ${TESTS:-} " | sed 's/ boot / /g; s/ xen / /g; s/^ *//; s/ *$//')
RUN_VM=1 RUN_BOOT=1 RUN_XEN=1
if [ -n "${TESTS:-}" ]; then
	[ -n "$VM_TESTS" ] || RUN_VM=0
	case " $TESTS " in *" boot "*) ;; *) RUN_BOOT=0 ;; esac
	case " $TESTS " in *" xen "*) ;; *) RUN_XEN=0 ;; esac
fi

boot_tests() {
	ver=$1 log=$B/$1/boot.log
	selftests/ndvm/boot.sh --kver "$ver" --ko "$B/$ver/kmod/ndvmfw.ko" >"$log" 2>&1
	rc=$?
	grep -E '^# ' "$log" | grep -v '^# ndvm-debug' | sed "s/^# /# $ver: ndvm: /"
	tap_results "$ver: ndvm" "$log"
	if [ $rc = 4 ]; then
		echo "# $ver: NDVM boot tests skipped: $(grep SKIP "$log")"
		return 0
	fi
	return $rc
}

build_tools
result "build fwctl and test tools" $?

make -s -C selftests/unit run >"$B/unit.log" 2>&1
rc=$?
cat "$B/unit.log"
tap_results unit "$B/unit.log"
result "unit tests exit status" $rc

make -s -C selftests/fuzz smoke >"$B/fuzz.log" 2>&1
rc=$?
grep -a '^# ' "$B/fuzz.log"
[ $rc = 0 ] || tail -n 40 "$B/fuzz.log"
result "libFuzzer smoke: the parser and the rule compiler, regress/ replayed" $rc

# bench-native at its smallest, so that it does not rot: it compiles the
# classifier against DPDK's rte_acl, outside the unit tests' flags
make -s bench-native BENCH_SIZES=100 BENCH_PACKETS=1000 >"$B/bench.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 40 "$B/bench.log"
result "bench-native smoke: builds, 100 rules x 1000 packets per profile" $rc

checkpatch
result "checkpatch --strict kmod/ ctl/" $?

# kernel_tests VER VMLINUZ KDIR: the module's build, the VM run and the
# NDVM boot tests of one kernel; prints its results as result() does
kernel_tests() {
	ver=$1 vmlinuz=$2 kdir=$3
	build_module "$ver" "$kdir"
	rc=$?
	result "$ver: W=1 build without warnings" $rc
	[ $rc = 0 ] || return
	if [ "$RUN_VM" = 1 ]; then
		start=$(date +%s)
		vm_tests "$ver" "$vmlinuz"
		rc=$?
		echo "# $ver: VM run took $(($(date +%s) - start)) s (rc=$rc)"
		grep -E '^(not )?ok |^# (FAIL|ok:)' "$B/$ver/vm.log" | sed "s/^/# $ver: /" | grep -E 'not ok|FAIL' || true
		tap_results "$ver" "$B/$ver/vm.log"
		result "$ver: VM run completed" $rc
	fi
	if [ "$RUN_BOOT" = 1 ]; then
		start=$(date +%s)
		boot_tests "$ver"
		rc=$?
		echo "# $ver: NDVM boot tests took $(($(date +%s) - start)) s"
		result "$ver: NDVM boot tests completed" $rc
	fi
}

# The kernels run side by side, one QEMU each (TCG keeps a VM on about one
# CPU); their output is printed, and counted, in order once all are done.
# PARALLEL=0 runs them one after the other.
[ -n "${PARALLEL:-}" ] || PARALLEL=$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)
vers=""
while read -r ver vmlinuz modroot kdir; do
	case " ${KERNELS:-6.1 6.12} " in
	*" ${ver%%.*}.$(echo "$ver" | cut -d. -f2)"[\ -]*|*" ${ver%%-*} "*) ;;
	*) continue ;;
	esac
	vers="$vers $ver"
	mkdir -p "$B/$ver"
	echo "# $ver: build, VM tests, NDVM boot tests started"
	# a subshell each: only the replay below counts
	if [ "$PARALLEL" = 1 ]; then
		(kernel_tests "$ver" "$vmlinuz" "$kdir") >"$B/$ver.out" 2>&1 &
	else
		(kernel_tests "$ver" "$vmlinuz" "$kdir") >"$B/$ver.out" 2>&1
	fi
done < <(scripts/kernels.sh list)
wait
for ver in $vers; do
	while IFS= read -r line; do
		case $line in
		"ok - "*) result "${line#ok - }" 0 ;;
		"not ok - "*) result "${line#not ok - }" 1 ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$B/$ver.out"
done

# the Xen test: dom0 is the NDVM, then the NDVM is a driver domain (6.1)
if [ "$RUN_XEN" = 1 ]; then
	start=$(date +%s)
	selftests/xen/run.sh >"$B/xen.log" 2>&1
	rc=$?
	grep -E '^(not ok|# .*(FAIL|SKIP|error|took|xl create))' "$B/xen.log" | head -n 40
	tap_results xen "$B/xen.log"
	echo "# real-Xen test took $(($(date +%s) - start)) s (rc=$rc)"
	if [ $rc = 4 ]; then
		echo "# real-Xen test skipped: $(grep SKIP "$B/xen.log")"
	else
		result "real-Xen test completed" $rc
	fi
fi

[ -z "$FAILED" ] || echo "# failed:$FAILED"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
