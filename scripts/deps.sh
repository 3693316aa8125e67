#!/bin/bash
# shellcheck disable=SC2086,SC2046 # lists of packages/versions split on purpose
# deps.sh - install everything ndvmfw needs to build and test (`make deps`).
#
# Usage: scripts/deps.sh [--if-missing]   (as root when something is missing)
#
# --if-missing is accepted for `make check`; it changes nothing, as the
# script always only acts on what is missing (non-root is fine then).
#
# Idempotent and quiet when all is present. Installs the missing Debian 12
# packages (apt-get update runs once, and only when an install is needed),
# the headers of the exact test-kernel ABIs the metapackages point at
# (resolved by scripts/kernels.sh, never hard-coded), then fetches the test
# kernels with scripts/kernels.sh. Exits non-zero with a message on failure.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# linux-source-6.1 provides checkpatch.pl; zstd unpacks the 6.12 kernel;
# squashfs-tools makes the NDVM's rules medium; clang and libclang-rt-14-dev
# (libFuzzer and the sanitizer runtimes, only recommended by clang) build
# selftests/fuzz; flex, bison, bc and libelf-dev (objtool) build the
# debug kernel of make check-debug (scripts/debug-kernel.sh); dpdk-dev
# (rte_acl) builds bench/native, which make check smoke-tests. The
# libraries xl needs
# from the host, which make check-xen copies into its dom0 (the Xen
# packages themselves it downloads, selftests/xen/run.sh): libc6, liblzma5,
# libuuid1, zlib1g, libzstd1, libgcc-s1.
PKGS="build-essential linux-headers-amd64 linux-headers-6.12-amd64
qemu-system-x86 busybox-static libmnl-dev nettle-dev pkg-config nftables
iproute2 cpio kmod linux-source-6.1 gzip xz-utils zstd conntrack
squashfs-tools libc6 liblzma5 libuuid1 zlib1g libzstd1 libgcc-s1 clang
libclang-rt-14-dev flex bison bc libelf-dev dpdk-dev"

die() { echo "deps.sh: error: $*" >&2; exit 1; }
say() { echo "deps.sh: $*" >&2; }

# missing PKG...: print the packages that are not fully installed
missing() {
	local p
	for p in "$@"; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			echo "$p"
	done
}

# run_logged CMD...: run quietly, show the log tail on failure
run_logged() {
	local log rc=0
	log=$(mktemp "${TMPDIR:-/tmp}/ndvmfw-deps.XXXXXX")
	"$@" >"$log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || { tail -n 30 "$log" >&2; rm -f "$log"; die "'$*' failed (rc=$rc)"; }
	rm -f "$log"
}

install() {
	[ "$(id -u)" = 0 ] || die "missing packages: $* (run scripts/deps.sh as root)"
	if [ "${NDVMFW_APT_UPDATED:-0}" != 1 ]; then
		say "apt-get update"
		run_logged apt-get update
		export NDVMFW_APT_UPDATED=1 # kernels.sh must not update again
	fi
	say "installing: $*"
	run_logged env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$@"
}

main() {
	local m v vers
	case ${1:-} in
	"" | --if-missing) ;;
	-h | --help) sed -n '/^# deps\.sh - /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (usage: scripts/deps.sh [--if-missing])" ;;
	esac
	m=$(missing $PKGS)
	[ -z "$m" ] || install $m
	vers=$("$ROOT/scripts/kernels.sh" versions) || die "cannot resolve the test kernels"
	m=$(missing $(for v in $vers; do echo "linux-headers-$v"; done))
	[ -z "$m" ] || install $m
	"$ROOT/scripts/kernels.sh" fetch || die "fetching the test kernels failed"
}

main "$@"
