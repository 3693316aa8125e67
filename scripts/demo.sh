#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - `make demo`: show ndvmfw at work in a QEMU test VM.
#
# Usage: scripts/demo.sh   (after scripts/deps.sh; `make demo` runs both)
#
# Builds fwctl, the module for the 6.1 test kernel (W=1, in build/demo/),
# the static traffic tool build/fwnet and an initramfs holding them, the
# selftests and rules/, then boots the 6.1 kernel under QEMU TCG. Inside,
# scripts/demo-vm.sh builds the guests/NDVM/uplink topology of
# selftests/lib.sh, shows the module failing closed, loads
# rules/example.rules and drives a scripted set of flows, printing
# flow | expected | observed | OK/MISMATCH, then the counters and the log.
#
# Only the demo's own output reaches stdout; the full console log is
# build/demo/vm.log, the build logs are build/demo/*.log.
# Exit status: 0 if every flow got the expected verdict, else non-zero.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=$ROOT/build
D=$B/demo
VM_SCRIPT=/demo-vm.sh

say() { echo "demo: $*" >&2; }
die() { echo "demo: error: $*" >&2; exit 1; }

# run_logged LOG CMD...: run CMD with its output in LOG; show the tail on failure
run_logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "'$*' failed (log: $log)"; }
}

# First line of `scripts/kernels.sh list`: the 6.1 kernel.
pick_kernel() {
	read -r VER VMLINUZ _ KDIR < <(scripts/kernels.sh list | head -n 1)
	[ -n "${KDIR:-}" ] || die "scripts/kernels.sh list gave nothing (run make deps)"
	[ -d "$KDIR" ] || die "$KDIR missing (run make deps)"
}

# Copy only the sources: an in-tree `make` leaves objects in kmod/.
build_module() {
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.order' \
		--exclude='*.symvers' Kbuild kmod | tar -xf - -C "$D"
	run_logged "$D/build.log" make -j"$(nproc)" -C "$KDIR" M="$D" W=1 modules
	[ -f "$D/kmod/ndvmfw.ko" ] || die "no $D/kmod/ndvmfw.ko (see $D/build.log)"
	if grep -q -i warning "$D/build.log"; then
		say "warning: the module build warns (see $D/build.log)"
	fi
}

build() {
	say "building fwctl, the module for $VER, fwnet, the initramfs"
	rm -rf "$D"
	mkdir -p "$D"
	run_logged "$D/fwctl.log" make -s fwctl
	build_module
	run_logged "$D/fwnet.log" cc -O2 -static -o "$B/fwnet" selftests/tools/fwnet.c
	run_logged "$D/initrd.log" selftests/vm/mkinitramfs.sh --kver "$VER" \
		-o "$D/initrd.cpio.gz" \
		--file "$D/kmod/ndvmfw.ko:/lib/ndvmfw/ndvmfw.ko" \
		--file "scripts/demo-vm.sh:$VM_SCRIPT" \
		--bin ctl/fwctl --bin "$B/fwnet" \
		--dir selftests:/tests --dir rules:/rules
}

# Console noise: firmware, kernel messages, /init's own lines and marker.
console_filter() {
	awk '/^SeaBIOS|^Booting from|^\[ *[0-9]+\.[0-9]+\]|^# init:|^#   \[|^NDVMFW-VM-EXIT/ { next }
	     !started && /^$/ { next }
	     { started = 1; print; fflush() }'
}

boot() {
	local rc
	say "booting $(basename "$VMLINUZ") under QEMU TCG"
	set +e
	selftests/vm/run-vm.sh --kernel "$VMLINUZ" --initrd "$D/initrd.cpio.gz" \
		--mem 768 --timeout 240 --append "ndvmfw.test=$VM_SCRIPT" \
		--log "$D/vm.log" 2>"$D/run-vm.log" | console_filter
	rc=${PIPESTATUS[0]}
	set -e
	case $rc in
	0) ;;
	1) say "a verdict differs from the expected one, or a step failed" ;;
	*) # VM timeout (124), crash (125), usage (2) or a command failing
		cat "$D/run-vm.log" >&2
		tail -n 20 "$D/vm.log" >&2 ;;
	esac
	say "VM: $(sed -n 's/^run-vm.sh: //p' "$D/run-vm.log" | head -n 1); console log: $D/vm.log"
	return "$rc"
}

main() {
	local start=$SECONDS
	pick_kernel
	build
	boot || exit $?
	say "done in $((SECONDS - start)) s"
}

main "$@"
