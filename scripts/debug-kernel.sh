#!/bin/bash
# debug-kernel.sh - build (once, then cached) the debug kernel of
# `make check-debug`: Debian's linux-source-6.1, `make allnoconfig` for
# x86_64, merged with selftests/debug/config (KASAN, kmemleak, lockdep and
# PROVE_RCU, failslab / fail_page_alloc, and what the VM tests need).
#
# Usage:
#   scripts/debug-kernel.sh [build]  build unless the cache is current, then
#                                    print one line: VER VMLINUZ MODULES_ROOT
#                                    KDIR (as `scripts/kernels.sh list` does)
#   scripts/debug-kernel.sh config   only (re)make and check the .config
#
# Cache: $NDVMFW_CACHE/debug-kernel (default /var/cache/ndvmfw/debug-kernel):
#   src/                the unpacked source, built in place (the module's KDIR)
#   boot/vmlinuz-VER    bzImage (no vmlinux beside it: this kernel does not
#                       come up through QEMU's PVH entry, so run-vm.sh boots
#                       the bzImage)
#   modroot/lib/modules/VER   modules_install + depmod (modules.builtin too)
#   stamp               sha256 of the fragment, this script's RECIPE and the
#                       linux-source-6.1 package version; when it matches,
#                       nothing is built. Otherwise the tree is re-configured
#                       and rebuilt (incrementally when the source is the
#                       same version), and unpacked again when it is not.
#   build.log, build-seconds   the last build's log and wall time
# The build runs under `nice -n 19`, with JOBS jobs (default: nproc).
# After olddefconfig every CONFIG_X=y/m line of the fragment must be in
# .config as it is written, and every "# CONFIG_X is not set" line must not
# be enabled; otherwise the script stops and names the options.
# Progress goes to stderr; stdout carries only the `build` line.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NDVMFW_CACHE:-/var/cache/ndvmfw}
DIR=$CACHE/debug-kernel
FRAG=$ROOT/selftests/debug/config
JOBS=${JOBS:-$(nproc)}
# Bump when the build steps below change in a way the stamp must see.
RECIPE=2

die() { echo "debug-kernel.sh: error: $*" >&2; exit 1; }
say() { echo "debug-kernel.sh: $*" >&2; }

source_tarball() {
	local t
	t=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
	[ -n "$t" ] || die "no /usr/src/linux-source-6.1.tar.* (apt-get install linux-source-6.1, or make deps)"
	echo "$t"
}

source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null ||
		stat -c %Y "$(source_tarball)"
}

# the kernel build's own tools (scripts/deps.sh installs them)
check_tools() {
	local t missing=""
	for t in make gcc flex bison bc perl; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	[ -f /usr/include/libelf.h ] || missing="$missing libelf-dev"
	[ -z "$missing" ] || die "missing:$missing (run scripts/deps.sh, or make deps)"
}

stamp_of() {
	{ sha256sum <"$FRAG"; echo "recipe $RECIPE"; echo "source $(source_version)"; } |
		sha256sum | cut -d' ' -f1
}

kmake() {
	nice -n 19 make -C "$DIR/src" ARCH=x86_64 "$@"
}

unpack() {
	local ver
	ver=$(source_version)
	if [ -f "$DIR/src/.ndvmfw-source" ] && [ "$(cat "$DIR/src/.ndvmfw-source")" = "$ver" ]; then
		return 0
	fi
	say "unpacking $(source_tarball) ($ver)"
	rm -rf "$DIR/src" "$DIR/src.tmp"
	mkdir -p "$DIR/src.tmp"
	tar -xf "$(source_tarball)" -C "$DIR/src.tmp" --strip-components=1 ||
		die "cannot unpack the kernel source"
	echo "$ver" >"$DIR/src.tmp/.ndvmfw-source"
	mv "$DIR/src.tmp" "$DIR/src"
}

# check_config: the fragment's wishes must have survived olddefconfig
check_config() {
	local line sym bad=""
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$DIR/src/.config" ||
				bad="$bad
  wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$DIR/src/.config" || echo "(absent: unmet dependency)")"
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			! grep -qE "^$sym=[ym]" "$DIR/src/.config" ||
				bad="$bad
  wanted $sym off, got: $(grep -E "^$sym=" "$DIR/src/.config")"
			;;
		esac
	done <"$FRAG"
	[ -z "$bad" ] || die "options of $FRAG not as wanted after olddefconfig:$bad"
}

configure() {
	say "make allnoconfig + $FRAG"
	kmake -s allnoconfig >"$DIR/config.log" 2>&1 || { cat "$DIR/config.log" >&2; die "allnoconfig failed"; }
	(cd "$DIR/src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$FRAG") \
		>>"$DIR/config.log" 2>&1 || { cat "$DIR/config.log" >&2; die "merge_config.sh failed"; }
	kmake -s olddefconfig >>"$DIR/config.log" 2>&1 || { cat "$DIR/config.log" >&2; die "olddefconfig failed"; }
	check_config
}

build() {
	local start kver tmp=$DIR/modroot.tmp
	start=$(date +%s)
	say "building the debug kernel with $JOBS jobs under nice -n 19 (log: $DIR/build.log; the first build takes long)"
	kmake -j"$JOBS" bzImage modules >"$DIR/build.log" 2>&1 ||
		{ tail -n 40 "$DIR/build.log" >&2; die "kernel build failed (see $DIR/build.log)"; }
	kver=$(kmake -s kernelrelease)
	rm -rf "$tmp"
	kmake INSTALL_MOD_PATH="$tmp" DEPMOD=/sbin/depmod modules_install >>"$DIR/build.log" 2>&1 ||
		die "modules_install failed (see $DIR/build.log)"
	rm -f "$tmp/lib/modules/$kver/build" "$tmp/lib/modules/$kver/source"
	depmod -b "$tmp" "$kver" || die "depmod failed"
	rm -rf "${DIR:?}/modroot" "${DIR:?}/boot"
	mv "$tmp" "$DIR/modroot"
	mkdir -p "$DIR/boot"
	cp "$DIR/src/arch/x86/boot/bzImage" "$DIR/boot/vmlinuz-$kver"
	echo "$kver" >"$DIR/kver"
	echo $(($(date +%s) - start)) >"$DIR/build-seconds"
	say "built $kver in $(cat "$DIR/build-seconds") s"
}

main() {
	local cmd=${1:-build} want kver
	case $cmd in
	build | config) ;;
	-h | --help) sed -n '/^# [a-z-]*\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown command '$cmd' (build, config)" ;;
	esac
	[ -f "$FRAG" ] || die "$FRAG missing"
	mkdir -p "$DIR" 2>/dev/null && [ -w "$DIR" ] ||
		die "cache dir $DIR is not writable (run as root or set NDVMFW_CACHE)"
	exec 9>"$DIR/.lock"
	flock 9 # parallel runs wait for the one building
	want=$(stamp_of)
	if [ "$cmd" = build ] && [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$want" ] &&
		[ -f "$DIR/kver" ]; then
		say "cached: $(cat "$DIR/kver") (stamp $want)"
	else
		rm -f "$DIR/stamp"
		check_tools
		unpack
		configure
		[ "$cmd" = config ] && { say "config OK: $DIR/src/.config"; exit 0; }
		build
		echo "$want" >"$DIR/stamp"
	fi
	kver=$(cat "$DIR/kver")
	echo "$kver $DIR/boot/vmlinuz-$kver $DIR/modroot $DIR/src"
}

main "$@"
