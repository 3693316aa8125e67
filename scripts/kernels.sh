#!/bin/bash
# shellcheck disable=SC2086,SC2046 # lists of packages/versions split on purpose
# kernels.sh - fetch and unpack the Debian test kernels (6.1 and 6.12).
#
# Usage:
#   scripts/kernels.sh [fetch]   download (if not cached), unpack, depmod
#   scripts/kernels.sh list      fetch if needed, then print one line per
#                                kernel: VER VMLINUZ MODULES_ROOT KDIR
#   scripts/kernels.sh versions  only print the resolved ABI versions
#   scripts/kernels.sh kdir      print the 6.1 headers dir (the Makefile's
#                                fallback KDIR); no download
#
# The ABI versions are resolved from the Debian metapackages at run time
# (linux-image-amd64 -> 6.1, linux-image-6.12-amd64 -> 6.12); nothing is
# hard-coded. MODULES_ROOT is the base directory for `modprobe -d` /
# `depmod -b` (it holds lib/modules/VER). KDIR is the headers tree
# /usr/src/linux-headers-VER (installed by scripts/deps.sh).
#
# Cache: $NDVMFW_CACHE, default /var/cache/ndvmfw. Layout:
#   debs/*.deb             downloaded image packages
#   kernels/VER/           dpkg -x tree (boot/vmlinuz-VER, lib/modules/VER)
#                          plus boot/vmlinux-VER, the uncompressed kernel
#                          that run-vm.sh prefers (faster boot under TCG)
# Progress goes to stderr; stdout carries only `list`/`versions` output.
set -eu

CACHE=${NDVMFW_CACHE:-/var/cache/ndvmfw}
IMAGE_METAS="linux-image-amd64 linux-image-6.12-amd64"

die() { echo "kernels.sh: error: $*" >&2; exit 1; }
say() { echo "kernels.sh: $*" >&2; }

# apt-cache is slow here (no pkgcache.bin), so query all metapackages in
# one call and keep the output in DEPS.
load_deps() {
	local meta metas=""
	for meta in $IMAGE_METAS; do
		metas="$metas $meta ${meta/linux-image-/linux-headers-}"
	done
	DEPS=$(apt-cache depends $metas 2>/dev/null) || DEPS=""
}

# dep_of META PREFIX: the first dependency of META named PREFIX<digit>...
dep_of() {
	printf '%s\n' "$DEPS" | awk -v m="$1" -v p="$2" '
		/^[^ ]/ { cur = $1; next }
		cur == m && $1 ~ /Depends:$/ && index($2, p) == 1 &&
			substr($2, length(p) + 1, 1) ~ /[0-9]/ { print $2; exit }'
}

# abi_of META: ABI version string, e.g. 6.1.0-56-amd64
abi_of() {
	local pkg
	pkg=$(dep_of "$1" linux-image-)
	[ -n "$pkg" ] && echo "${pkg#linux-image-}"
}

apt_update_once() {
	[ "${NDVMFW_APT_UPDATED:-0}" = 1 ] && return 1
	[ "$(id -u)" = 0 ] || return 1
	say "apt lists do not resolve the kernel metapackages; running apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed"
	export NDVMFW_APT_UPDATED=1
}

resolve_versions() {
	local meta ver out=""
	load_deps
	for meta in $IMAGE_METAS; do
		ver=$(abi_of "$meta") || ver=""
		if [ -z "$ver" ] && apt_update_once; then
			load_deps
			ver=$(abi_of "$meta") || ver=""
		fi
		[ -n "$ver" ] || die "cannot resolve the kernel behind $meta (apt-cache depends $meta)"
		check_headers "$meta" "$ver"
		out="$out $ver"
	done
	VERSIONS=$out
}

# The headers metapackage must point at the same ABI as the image one.
check_headers() {
	local hmeta=${1/linux-image-/linux-headers-} hpkg
	hpkg=$(dep_of "$hmeta" linux-headers-)
	[ "$hpkg" = "linux-headers-$2" ] ||
		die "$hmeta resolves to '${hpkg:-nothing}', expected linux-headers-$2"
}

cached_deb() {
	ls "$CACHE/debs/linux-image-$1"_*.deb 2>/dev/null | tail -n 1
}

download() {
	local ver=$1 deb
	deb=$(cached_deb "$ver")
	[ -n "$deb" ] && return 0
	say "downloading linux-image-$ver"
	mkdir -p "$CACHE/debs/.tmp"
	# let apt's sandbox user write there (avoids the "unsandboxed" warning)
	if [ "$(id -u)" = 0 ]; then chown _apt "$CACHE/debs/.tmp" 2>/dev/null || true; fi
	(cd "$CACHE/debs/.tmp" && apt-get download -q "linux-image-$ver" >&2) ||
		die "apt-get download linux-image-$ver failed (stale apt lists? run apt-get update, then scripts/deps.sh)"
	mv "$CACHE/debs/.tmp/"*.deb "$CACHE/debs/"
	rmdir "$CACHE/debs/.tmp"
	[ -n "$(cached_deb "$ver")" ] || die "no .deb for linux-image-$ver after download"
}

# Unpack into kernels/VER.tmp, depmod, then rename: an interrupted run
# never leaves a half-built tree behind that looks complete.
unpack() {
	local ver=$1 dir="$CACHE/kernels/$1"
	[ -f "$dir/.ok" ] && return 0
	say "unpacking linux-image-$ver"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg -x "$(cached_deb "$ver")" "$dir.tmp" || die "dpkg -x failed for $ver"
	[ -f "$dir.tmp/boot/vmlinuz-$ver" ] || die "no boot/vmlinuz-$ver in package"
	[ -d "$dir.tmp/lib/modules/$ver" ] || die "no lib/modules/$ver in package"
	depmod -b "$dir.tmp" "$ver" || die "depmod failed for $ver"
	extract_vmlinux "$dir.tmp/boot/vmlinuz-$ver" "$dir.tmp/boot/vmlinux-$ver"
	touch "$dir.tmp/.ok"
	mv "$dir.tmp" "$dir"
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel. run-vm.sh boots
# it (PVH entry) instead of the bzImage when present: TCG is slow at the
# in-guest decompression (about 5 s for the xz'd 6.1). Optional: on
# failure only a warning, and run-vm.sh falls back to the bzImage.
extract_vmlinux() {
	local off magic
	for off in $(LC_ALL=C grep -aboP '\xfd7zXZ\x00|\x28\xb5\x2f\xfd' "$1" | cut -d: -f1); do
		magic=$(tail -c +$((off + 1)) "$1" | head -c 2 | od -An -tx1 | tr -d ' ')
		case $magic in
		fd37) tail -c +$((off + 1)) "$1" | xz -dcq --single-stream >"$2" 2>/dev/null ;;
		28b5) tail -c +$((off + 1)) "$1" | zstd -dcq >"$2" 2>/dev/null ;;
		esac || true # trailing bytes after the payload make xz/zstd complain
		[ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
	done
	rm -f "$2"
	say "warning: could not extract vmlinux from $1 (boots will be slower)"
}

writable_cache() {
	if ! mkdir -p "$CACHE/debs" "$CACHE/kernels" 2>/dev/null || [ ! -w "$CACHE/kernels" ]; then
		die "cache dir $CACHE is not writable (run as root or set NDVMFW_CACHE)"
	fi
}

# Only takes the cache lock (flock: parallel runs wait) when work is due.
fetch() {
	local ver locked=0
	for ver in $VERSIONS; do
		[ -f "$CACHE/kernels/$ver/.ok" ] && continue
		if [ "$locked" = 0 ]; then
			writable_cache
			exec 9>"$CACHE/.lock"
			flock 9
			locked=1
		fi
		download "$ver"
		unpack "$ver"
	done
}

list() {
	local ver kdir
	for ver in $VERSIONS; do
		kdir=/usr/src/linux-headers-$ver
		[ -d "$kdir" ] || say "warning: $kdir missing (run scripts/deps.sh)"
		echo "$ver $CACHE/kernels/$ver/boot/vmlinuz-$ver $CACHE/kernels/$ver $kdir"
	done
}

# kdir: headers of the first (6.1) kernel. Cheap path first: the installed
# headers metapackage (dpkg, no apt-cache); else the apt resolution.
kdir() {
	local meta=${IMAGE_METAS%% *} dep
	meta=${meta/linux-image-/linux-headers-}
	dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null |
		tr ',' '\n' | awk '$1 ~ /^linux-headers-[0-9]/ { print $1; exit }')
	if [ -n "$dep" ] && [ -d "/usr/src/$dep" ]; then
		echo "/usr/src/$dep"
		return 0
	fi
	resolve_versions
	set -- $VERSIONS
	[ -d "/usr/src/linux-headers-$1" ] || die "/usr/src/linux-headers-$1 missing (run scripts/deps.sh)"
	echo "/usr/src/linux-headers-$1"
}

main() {
	local cmd=${1:-fetch}
	case $cmd in
	fetch | list | versions) ;;
	kdir) kdir; exit 0 ;;
	-h | --help) sed -n '/^# [a-z-]*\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown command '$cmd' (fetch, list, versions, kdir)" ;;
	esac
	resolve_versions
	case $cmd in
	versions) printf '%s\n' $VERSIONS ;;
	fetch) fetch ;;
	list) fetch; list ;;
	esac
}

main "$@"
