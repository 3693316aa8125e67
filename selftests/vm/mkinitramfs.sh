#!/bin/bash
# mkinitramfs.sh - build a gzip'd newc cpio initramfs for the ndvmfw test VM.
#
# Usage:
#   selftests/vm/mkinitramfs.sh --kver VER -o OUT.cpio.gz [options]
#
#   --kver VER          kernel ABI version, or a unique prefix of one listed
#                       by `scripts/kernels.sh list` (e.g. 6.1 or 6.12)
#   -o, --output FILE   initramfs to write
#   --modroot DIR       modules base dir (holds lib/modules/VER); default:
#                       the MODULES_ROOT column of `scripts/kernels.sh list`
#   --mod NAME          add a kernel module and its dependencies (repeatable)
#   --no-default-mods   do not add the default module set (see DEFAULT_MODS)
#   --ko FILE           add an out-of-tree module (e.g. kmod/ndvmfw.ko) as
#                       /lib/modules/VER/extra/NAME.ko, plus the in-tree
#                       modules it depends on, so `modprobe NAME` works
#   --bin PATH[:DEST]   add a host executable (default DEST /usr/bin/NAME)
#                       plus its shared libraries (repeatable)
#   --file SRC:DEST     add a file (repeatable)
#   --dir SRC:DEST      add a directory tree (repeatable)
#   --test SCRIPT       shorthand for --file SCRIPT:/tests/run.sh
#   --init FILE         /init to install (default selftests/vm/init.sh)
#   --bare              no busybox, ip, nft or /init of the test VM: only
#                       the directories, /dev/console and what the other
#                       options add (the NDVM image, scripts/mkndvm.sh)
#
# Example:
#   selftests/vm/mkinitramfs.sh --kver 6.12 -o /tmp/smoke.cpio.gz \
#       --test selftests/vm/smoke.sh
#
# Layout inside: busybox applets in /bin, the real iproute2 `ip` at /sbin/ip
# (and its `bridge` at /sbin/bridge) and `nft` at /sbin/nft (busybox sh
# prefers its own `ip` applet, so tests must call /sbin/ip by full path),
# modules decompressed under /lib/modules/VER with a modules.dep from
# `depmod -b`, so busybox modprobe works (and the kernel's request_module()
# via /sbin/modprobe).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Added unless --no-default-mods. Modules listed here are also what nft can
# autoload in the VM (request_module -> /sbin/modprobe -> busybox).
DEFAULT_MODS="crc32c_generic veth dummy nf_tables nf_conntrack nf_defrag_ipv4
nf_defrag_ipv6 nf_nat nft_ct nft_chain_nat nft_nat nft_masq nft_reject_inet
nft_limit nft_log nf_log_syslog nft_fib_inet nfnetlink_log bridge
br_netfilter nf_conntrack_bridge nf_conntrack_netlink nft_meta_bridge 8021q pktgen"

die() { echo "mkinitramfs.sh: error: $*" >&2; exit 1; }
usage() { sed -n '/^# [a-z-]*\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }

KVER="" OUT="" MODROOT="" INIT="$ROOT/selftests/vm/init.sh"
MODS="" KOS=() BINS=() FILES=() DIRS=() DEFAULTS=1 BARE=0 INIT_SET=0

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kver) KVER=${2?}; shift ;;
		-o | --output) OUT=${2?}; shift ;;
		--modroot) MODROOT=${2?}; shift ;;
		--mod) MODS="$MODS ${2?}"; shift ;;
		--no-default-mods) DEFAULTS=0 ;;
		--ko) KOS+=("${2?}"); shift ;;
		--bin) BINS+=("${2?}"); shift ;;
		--file) FILES+=("${2?}"); shift ;;
		--dir) DIRS+=("${2?}"); shift ;;
		--test) FILES+=("${2?}:/tests/run.sh"); shift ;;
		--init) INIT=${2?}; INIT_SET=1; shift ;;
		--bare) BARE=1 ;;
		-h | --help) usage 0 ;;
		*) echo "mkinitramfs.sh: unknown option '$1'" >&2; usage 2 >&2 ;;
		esac
		shift
	done
	[ -n "$KVER" ] || die "--kver is required"
	[ -n "$OUT" ] || die "-o/--output is required"
	[ -f "$INIT" ] || die "init script $INIT not found"
	[ "$DEFAULTS" = 1 ] && MODS="$DEFAULT_MODS $MODS"
	return 0
}

# Fill KVER/MODROOT from `scripts/kernels.sh list` (exact or prefix match).
resolve_kernel() {
	local ver modroot hits=0 found="" froot=""
	[ -n "$MODROOT" ] && return 0
	while read -r ver _ modroot _; do
		if [ "$ver" = "$KVER" ]; then
			found=$ver froot=$modroot hits=1
			break
		fi
		case $ver in "$KVER".* | "$KVER"-*)
			found=$ver froot=$modroot hits=$((hits + 1)) ;;
		esac
	done < <("$ROOT/scripts/kernels.sh" list)
	[ "$hits" = 1 ] || die "--kver $KVER matches $hits kernels in scripts/kernels.sh list"
	KVER=$found MODROOT=$froot
}

# put SRC DEST: copy one file (dereferencing symlinks) into the staging tree
put() {
	mkdir -p "$STAGE$(dirname "$2")"
	cp -L "$1" "$STAGE$2" || die "cannot copy $1"
}

# put_libs BIN: copy the shared libraries and loader that ldd reports
put_libs() {
	local out lib
	out=$(ldd "$1" 2>&1) || return 0 # static or not ELF: nothing to do
	case $out in *"not found"*) die "ldd $1: missing library: $out" ;; esac
	for lib in $(printf '%s\n' "$out" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$STAGE$lib" ] || put "$lib" "$lib"
	done
}

# put_bin SRC DEST: executable plus its libraries
put_bin() {
	[ -x "$1" ] || die "$1 is not an executable file"
	put "$1" "$2"
	put_libs "$1"
}

host_bin() {
	local d
	for d in /usr/sbin /sbin /usr/bin /bin; do
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	die "host binary '$1' not found (run scripts/deps.sh)"
}

add_bare() {
	mkdir -p "$STAGE"/{proc,sys,dev,media}
	[ "$(id -u)" = 0 ] && mknod -m 600 "$STAGE/dev/console" c 5 1
	[ "$INIT_SET" = 1 ] && install -m 755 "$INIT" "$STAGE/init"
	return 0
}

add_base() {
	local a bb
	mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,var,root,tests}
	ln -s ../run "$STAGE/var/run"
	bb=$(host_bin busybox)
	put "$bb" /bin/busybox
	for a in $("$bb" --list); do
		case $a in busybox | ip) continue ;; esac # real iproute2 ip in /sbin
		ln -s busybox "$STAGE/bin/$a"
	done
	for a in modprobe insmod rmmod lsmod depmod poweroff reboot; do
		ln -s ../bin/busybox "$STAGE/sbin/$a"
	done
	ln -s ../../bin/busybox "$STAGE/usr/bin/env"
	put_bin "$(host_bin ip)" /sbin/ip
	put_bin "$(host_bin nft)" /sbin/nft
	put_bin "$(host_bin bridge)" /sbin/bridge
	ln -s ../../sbin/nft "$STAGE/usr/sbin/nft"
	ln -s ../../sbin/ip "$STAGE/usr/sbin/ip"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$STAGE/etc/passwd"
	printf 'root:x:0:\n' >"$STAGE/etc/group"
	for a in /etc/protocols /etc/services; do [ -f "$a" ] && put "$a" "$a"; done
	[ "$(id -u)" = 0 ] && mknod -m 600 "$STAGE/dev/console" c 5 1
	install -m 755 "$INIT" "$STAGE/init"
}

# add_module NAME: the module, its dependencies and softdeps
add_module() {
	local kind path rest mdir="$MODROOT/lib/modules/$KVER" rel deps
	deps=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$1") ||
		die "module '$1' not found for $KVER in $MODROOT"
	while read -r kind path rest; do
		[ "$kind" = insmod ] || continue # "builtin NAME": nothing to copy
		rel=${path#"$mdir"/}
		[ -e "$STAGE/lib/modules/$KVER/${rel%.[gx]z}" ] && continue
		[ -e "$STAGE/lib/modules/$KVER/${rel%.zst}" ] && continue
		mkdir -p "$STAGE/lib/modules/$KVER/$(dirname "$rel")"
		case $rel in
		*.xz) xz -dc "$path" >"$STAGE/lib/modules/$KVER/${rel%.xz}" ;;
		*.gz) gzip -dc "$path" >"$STAGE/lib/modules/$KVER/${rel%.gz}" ;;
		*.zst) zstd -qdc "$path" >"$STAGE/lib/modules/$KVER/${rel%.zst}" ;;
		*) cp "$path" "$STAGE/lib/modules/$KVER/$rel" ;;
		esac || die "cannot unpack module $path"
	done <<<"$deps"
}

# add_ko FILE: out-of-tree module into extra/, its in-tree deps via add_module
add_ko() {
	local m deps
	[ -f "$1" ] || die "--ko: $1 not found"
	deps=$(modinfo -F depends "$1") || die "--ko: modinfo $1 failed"
	mkdir -p "$STAGE/lib/modules/$KVER/extra"
	cp "$1" "$STAGE/lib/modules/$KVER/extra/"
	for m in ${deps//,/ }; do
		add_module "$m"
	done
}

add_modules() {
	local m f mdir="$MODROOT/lib/modules/$KVER"
	[ -d "$mdir" ] || die "no modules in $mdir"
	mkdir -p "$STAGE/lib/modules/$KVER"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$mdir/$f" ] && cp "$mdir/$f" "$STAGE/lib/modules/$KVER/"
	done
	for m in $MODS; do
		add_module "$m"
	done
	for f in ${KOS[@]+"${KOS[@]}"}; do
		add_ko "$f"
	done
	depmod -b "$STAGE" "$KVER" || die "depmod on the staging tree failed"
}

add_extras() {
	local spec
	for spec in ${BINS[@]+"${BINS[@]}"}; do
		case $spec in
		*:*) put_bin "${spec%%:*}" "${spec#*:}" ;;
		*) put_bin "$spec" "/usr/bin/$(basename "$spec")" ;;
		esac
	done
	for spec in ${FILES[@]+"${FILES[@]}"}; do
		case $spec in *:/*) ;; *) die "--file wants SRC:/ABS/DEST, got '$spec'" ;; esac
		[ -f "${spec%%:*}" ] || die "--file: ${spec%%:*} not found"
		put "${spec%%:*}" "${spec#*:}"
	done
	for spec in ${DIRS[@]+"${DIRS[@]}"}; do
		case $spec in *:/*) ;; *) die "--dir wants SRC:/ABS/DEST, got '$spec'" ;; esac
		[ -d "${spec%%:*}" ] || die "--dir: ${spec%%:*} not found"
		mkdir -p "$STAGE${spec#*:}"
		cp -a "${spec%%:*}/." "$STAGE${spec#*:}/"
	done
}

pack() {
	local tmp="$OUT.tmp.$$"
	mkdir -p "$(dirname "$OUT")"
	(cd "$STAGE" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet | gzip -6 >"$tmp") ||
		{ rm -f "$tmp"; die "cpio/gzip failed"; }
	mv "$tmp" "$OUT"
}

main() {
	parse_args "$@"
	resolve_kernel
	STAGE=$(mktemp -d "${TMPDIR:-/tmp}/ndvmfw-initramfs.XXXXXX")
	trap 'rm -rf "$STAGE"' EXIT
	if [ "$BARE" = 1 ]; then add_bare; else add_base; fi
	add_modules
	add_extras
	pack
}

main "$@"
