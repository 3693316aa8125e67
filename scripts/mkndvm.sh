#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkndvm.sh - build the userspace-less NDVM image ("make ndvm").
#
# Usage: scripts/mkndvm.sh [--kver VER] [--ko FILE] [--debug] [-o DIR]
#
#   --kver VER   the kernel, a prefix of `scripts/kernels.sh list` (6.1)
#   --ko FILE    ndvmfw.ko built for it (default: built W=1 in DIR/kmod)
#   --debug      also add /debug (busybox and selftests/ndvm/debug.sh),
#                which "fwctl boot" runs after sealing when the command
#                line says ndvm.debug=/debug/debug.sh; for the tests only
#   -o DIR       where to write (default build/ndvm/VER)
#
# The image is a Debian kernel (DIR/vmlinuz) and an initramfs
# (DIR/initrd.cpio.gz) holding only:
#   /init                 fwctl, stripped, and the libraries ldd names;
#   /lib/modules/VER/...  ndvmfw.ko and the modules an NDVM needs: NIC
#                         drivers (virtio_net, xen-netfront, xen-netback),
#                         virtio/xen block and squashfs/isofs for the rules
#                         medium, bridge, 8021q, conntrack, nat, reject;
#   /lib/ndvmfw/modules   the order "fwctl boot" loads them in: ndvmfw.ko
#                         right after its own dependencies, before any NIC;
#   /proc /sys /dev /media, /dev/console.
# No shell, no busybox, no init system. Prints the sizes.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# What an NDVM loads after ndvmfw.ko. Drivers for absent hardware (xen-*
# outside Xen) fail with ENODEV, which "fwctl boot" passes over.
NDVM_MODS="nf_conntrack_bridge 8021q virtio_pci virtio_blk xen-blkfront
squashfs isofs virtio_net xen-netfront xen-netback"

die() { echo "mkndvm.sh: error: $*" >&2; exit 1; }
usage() { sed -n '/^# [a-z-]*\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

KVER=6.1 KO="" DEBUG=0 OUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--kver) KVER=${2?}; shift ;;
	--ko) KO=${2?}; shift ;;
	--debug) DEBUG=1 ;;
	-o) OUT=${2?}; shift ;;
	-h | --help) usage 0 ;;
	*) echo "mkndvm.sh: unknown option '$1'" >&2; usage 2 >&2 ;;
	esac
	shift
done

# VER VMLINUZ MODROOT KDIR of the one kernel KVER names
read -r VER VMLINUZ MODROOT KDIR < <(scripts/kernels.sh list |
	awk -v k="$KVER" '$1 == k || index($1, k ".") == 1 || index($1, k "-") == 1')
[ -n "${KDIR:-}" ] || die "no kernel '$KVER' in scripts/kernels.sh list (run make deps)"
OUT=${OUT:-build/ndvm/$VER}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -z "$KO" ]; then
	rm -rf "$OUT/kmod"
	mkdir -p "$OUT/kmod/kmod/uapi"
	cp Kbuild "$OUT/kmod/"
	cp kmod/Kbuild kmod/*.[ch] "$OUT/kmod/kmod/"
	cp kmod/uapi/*.h "$OUT/kmod/kmod/uapi/"
	make -C "$KDIR" M="$OUT/kmod" W=1 modules >"$OUT/build.log" 2>&1 ||
		{ tail -n 20 "$OUT/build.log" >&2; die "module build failed"; }
	KO=$OUT/kmod/kmod/ndvmfw.ko
fi
[ -f "$KO" ] || die "no module $KO"
# as Debian ships its own modules: without debug information
strip --strip-debug -o "$OUT/ndvmfw.ko" "$KO"
KO=$OUT/ndvmfw.ko

make -s fwctl
strip -o "$OUT/fwctl" ctl/fwctl

# The load order: paths inside the image, each once.
image_path() {
	local rel=${1#"$MODROOT/lib/modules/$VER/"}
	rel=${rel%.xz}
	rel=${rel%.gz}
	echo "/lib/modules/$VER/${rel%.zst}"
}

show_depends() {
	modprobe -d "$MODROOT" -S "$VER" --show-depends "$1" |
		awk '$1 == "insmod" { print $2 }' ||
		die "module $1 not found for $VER"
}

{
	for m in $(modinfo -F depends "$KO" | tr ',' ' '); do
		for p in $(show_depends "$m"); do image_path "$p"; done
	done
	echo "/lib/modules/$VER/extra/ndvmfw.ko"
	for m in $NDVM_MODS; do
		for p in $(show_depends "$m"); do image_path "$p"; done
	done
} | awk '!seen[$0]++' >"$OUT/modules"

args=(--bare --no-default-mods --kver "$VER" -o "$OUT/initrd.cpio.gz"
	--ko "$KO" --bin "$OUT/fwctl:/init"
	--file "$OUT/modules:/lib/ndvmfw/modules")
for m in $NDVM_MODS; do args+=(--mod "$m"); done
if [ "$DEBUG" = 1 ]; then
	args+=(--mod dummy --bin "$(command -v busybox):/debug/busybox"
		--file selftests/ndvm/debug.sh:/debug/debug.sh
		--file rules/basic.rules:/debug/other.rules)
fi
selftests/vm/mkinitramfs.sh "${args[@]}"
cp "$VMLINUZ" "$OUT/vmlinuz"

kib() { echo $((($(stat -c %s "$1") + 1023) / 1024)); }
echo "ndvm image for $VER$([ "$DEBUG" = 1 ] && echo ' (debug)'): $OUT"
echo "  vmlinuz         $(kib "$OUT/vmlinuz") KiB"
echo "  initrd.cpio.gz  $(kib "$OUT/initrd.cpio.gz") KiB ($(wc -l <"$OUT/modules") modules, fwctl $(kib "$OUT/fwctl") KiB)"
