#!/bin/bash
# run-vm.sh - boot a test kernel + initramfs under QEMU TCG and return the
# exit status of the test script run by the VM's /init.
#
# Usage:
#   selftests/vm/run-vm.sh --kernel VMLINUZ --initrd INITRD [options] [-- QEMU_ARGS...]
#
#   --kernel FILE     kernel image (VMLINUZ column of scripts/kernels.sh list)
#   --initrd FILE     initramfs from selftests/vm/mkinitramfs.sh
#   --mem MB          guest memory (default 512)
#   --smp N           guest CPUs (default 2)
#   --append "ARGS"   extra kernel command line, e.g. "ndvmfw.test=/tests/x.sh"
#   --timeout SEC     wall-clock limit, then qemu is killed (default 600)
#   --log FILE        also write the console (CRs, escapes stripped) to FILE
#   --quiet           do not copy the console to stdout (only to --log)
#   --no-vmlinux      boot the given bzImage even if a vmlinux is beside it
#   -- QEMU_ARGS      passed to qemu-system-x86_64 as they are
#
# Exit status: N from the `NDVMFW-VM-EXIT rc=N` marker printed by /init,
# 124 on timeout, 125 when the VM stopped without printing the marker
# (e.g. kernel panic or oops: /init sets panic_on_oops), 2 on usage errors.
# Fast path: for --kernel DIR/vmlinuz-VER, DIR/vmlinux-VER (the uncompressed
# ELF that scripts/kernels.sh extracts) is booted instead through its PVH
# entry, which skips the slow in-guest decompression under TCG.
# Always TCG (-accel tcg -cpu max): nested KVM hangs on our machines.
set -eu

KERNEL="" INITRD="" MEM=512 SMP=2 APPEND="" TIMEOUT=600 LOG="" QUIET=0 PVH=1
QEMU_EXTRA=()

die() { echo "run-vm.sh: error: $*" >&2; exit 2; }
usage() { sed -n '/^# [a-z-]*\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) KERNEL=${2?}; shift ;;
		--initrd) INITRD=${2?}; shift ;;
		--mem) MEM=${2?}; shift ;;
		--smp) SMP=${2?}; shift ;;
		--append) APPEND=${2?}; shift ;;
		--timeout) TIMEOUT=${2?}; shift ;;
		--log) LOG=${2?}; shift ;;
		--quiet) QUIET=1 ;;
		--no-vmlinux) PVH=0 ;;
		--) shift; QEMU_EXTRA=("$@"); break ;;
		-h | --help) usage 0 ;;
		*) echo "run-vm.sh: unknown option '$1'" >&2; usage 2 >&2 ;;
		esac
		shift
	done
	[ -f "$KERNEL" ] || die "--kernel: '$KERNEL' not found"
	[ -f "$INITRD" ] || die "--initrd: '$INITRD' not found"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run scripts/deps.sh)"
}

console() {
	if [ "$QUIET" = 1 ]; then tee "$LOG" >/dev/null; else tee "$LOG"; fi
}

pick_kernel() {
	local vmlinux
	vmlinux="$(dirname "$KERNEL")/$(basename "$KERNEL" | sed 's/^vmlinuz/vmlinux/')"
	[ "$PVH" = 1 ] && [ "$vmlinux" != "$KERNEL" ] && [ -f "$vmlinux" ] &&
		[ "$vmlinux" -nt "$KERNEL" ] && KERNEL=$vmlinux
	return 0
}

# Console goes through awk (drops the serial CRs and SeaBIOS's terminal
# escapes, ends the last line, flushes per line) to the log and stdout.
# mawk (Debian's awk) reads its input in blocks unless told it is
# interactive, which would hold the log back until the VM ends.
run_qemu() {
	local awk_i=()

	awk -W version 2>/dev/null | grep -q mawk && awk_i=(-W interactive)
	set +e
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg -cpu max -m "$MEM" -smp "$SMP" \
		-nographic -no-reboot -nic none \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 quiet $APPEND" \
		${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"} </dev/null 2>&1 |
		awk ${awk_i[@]+"${awk_i[@]}"} '{ gsub(/\r|\033\[[0-9;?]*[A-Za-z]|\033c/, ""); print; fflush() }' |
		console
	QEMU_RC=${PIPESTATUS[0]}
	set -e
}

main() {
	local tmplog="" rc start
	parse_args "$@"
	pick_kernel
	if [ -z "$LOG" ]; then
		tmplog=$(mktemp "${TMPDIR:-/tmp}/ndvmfw-vm.XXXXXX")
		LOG=$tmplog
		trap 'rm -f "$tmplog"' EXIT
	fi
	start=$(date +%s)
	run_qemu
	rc=$(sed -n 's/.*NDVMFW-VM-EXIT rc=\([0-9]\{1,\}\).*/\1/p' "$LOG" | tail -n 1)
	echo "run-vm.sh: $(basename "$KERNEL"): $(($(date +%s) - start))s, qemu rc=$QEMU_RC, test rc=${rc:-none}" >&2
	if [ -n "$rc" ]; then
		[ "$QEMU_RC" = 124 ] && echo "run-vm.sh: warning: marker seen but qemu had to be killed" >&2
		exit "$rc"
	fi
	if [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
		echo "run-vm.sh: timeout after ${TIMEOUT}s" >&2
		exit 124
	fi
	grep -q 'Kernel panic' "$LOG" && echo "run-vm.sh: the kernel panicked" >&2
	echo "run-vm.sh: VM stopped without the NDVMFW-VM-EXIT marker" >&2
	exit 125
}

main "$@"
