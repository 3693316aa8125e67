#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh - the real-Xen test ("make check-xen"): Xen 4.17 under QEMU TCG,
# a PV dom0 on the Debian 6.1 kernel, in one boot two stages. Stage 1:
# dom0 plays the NDVM, and one PV guest with xen-netfront has its vif in
# dom0, which the module is to connect. Stage 2: the NDVM is its own PV
# driver domain, booted from the userspace-less image of
# scripts/mkndvm.sh, and the guest's vif is in the NDVM.
#
# Usage: selftests/xen/run.sh
#
#   dom0 (the NDVM, selftests/xen/dom0.sh)                  netns "up"
#   vif1.0 (netback) ---- br0 ---- up0 (veth) ------------- eth0 10.137.0.1
#     |                                                          fd00:1::1
#   guest (PV domU, selftests/xen/guest.sh): eth0 10.137.0.5, fd00:1::5,
#   MAC 00:16:3e:00:00:05, created with script=/bin/true: nothing in
#   userspace connects the vif; the rules (selftests/xen/stage1.rules,
#   "hotplug" and "antispoof") ask ndvmfw to.
#
# The guest sends marked packets (build/xen/fwpkt) round after round:
# allowed ones, a denied one, a spoofed source IP and a spoofed source
# MAC; receivers in "up" record which arrive.
#
# Stage 2 (dom0.sh "stage2"): dom0 destroys the guest, loads
# selftests/xen/stage2-dom0.rules, and creates "ndvm" (driver_domain=1,
# 128 MiB) from build/xen/ndvm/ (scripts/mkndvm.sh) with its rules medium,
# build/xen/ndvm.sqfs (stage2.rules as ndvm.rules, stage2.net as
# ndvm.net), as a read-only vbd; then "guest2" (guest.sh) with
# vif backend=ndvm and no script:
#
#   guest2 -- vifG.0 -- br0 -- eth0 (netfront) | ndvm      netns "up"
#   vifN.0 (netback in dom0) -- br0 -- up0 (veth) --------- eth0 10.137.0.1
#
# The same flows and verdicts, now in the NDVM. dom0.sh prints TAP. This
# script prints the TAP lines and exits 0 if all passed, 1 if not, 4 to
# skip (the machine cannot run it: no QEMU, no apt/dpkg).
#
# Steps on the host: build fwctl, fwpkt and the module (a copy of kmod/
# built W=1 in build/xen/src, against the 6.1 kernel of
# `scripts/kernels.sh list`); fetch Debian 12's Xen 4.17 packages (apt-get
# download by name, the candidate versions, never hard-coded; dpkg -x
# into $NDVMFW_CACHE/xen/, default /var/cache/ndvmfw/xen/); build the
# guest and dom0 initramfs images with selftests/vm/mkinitramfs.sh; boot
# qemu-system-x86_64 -kernel xen -initrd "vmlinuz ...,dom0.gz".
#
# Environment:
#   XEN_SHELL_HOTPLUG=1  dom0.sh connects the vif itself (a vif-min-like
#                        shell loop) and leaves "hotplug" out of the
#                        rules: validates the harness without the
#                        kernel's hotplug
#   XEN_STAGE2=0         stage 1 only (the NDVM image is not built)
#   XEN_TIMEOUT=SEC      wall-clock limit of the QEMU run (default 480)
#   NDVMFW_CACHE=DIR     downloads (default /var/cache/ndvmfw)
# Outputs in build/xen/: console.log (Xen, dom0 and its TAP; console.raw
# while QEMU runs), guest.log, ndvm.log and guest2.log (the consoles of
# the guest, the NDVM and stage 2's guest, which dom0.sh prints), the
# NDVM image (ndvm/) and medium (ndvm.sqfs), build logs.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
B=$ROOT/build/xen
XC=${NDVMFW_CACHE:-/var/cache/ndvmfw}/xen
XEN_VER=4.17
# The hypervisor, xl and xenstored, the xenstore tools, and the libraries
# of xl that are not on a Debian host (the others are copied from the
# host with ldd).
XEN_PKGS="xen-hypervisor-$XEN_VER-amd64 xen-utils-$XEN_VER xen-utils-common
xenstore-utils libxenmisc$XEN_VER libxencall1 libxenevtchn1
libxenforeignmemory1 libxengnttab1 libxenstore4 libxentoollog1
libxendevicemodel1 libxenhypfs1 libxentoolcore1 libyajl2"
# dom0: the Xen backends (xen-blkback and loop for the NDVM's rules
# medium) and the topology; the guest: netfront.
DOM0_MODS="crc32c_generic xen-privcmd xenfs xen-evtchn xen-gntdev
xen-gntalloc xen-netback bridge veth nf_conntrack nf_conntrack_bridge
nf_nat nf_reject_ipv4 nf_reject_ipv6 loop xen-blkback"
GUEST_MODS="crc32c_generic xen-netfront"
QEMU_PID=""

say() { echo "# check-xen: $*"; }
die() { echo "check-xen: error: $*" >&2; exit 1; }
skip() { echo "1..0 # SKIP $*"; exit 4; }

cleanup() {
	if [ -n "$QEMU_PID" ]; then
		kill "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	rm -rf "$B/stage"
}

# ---- Xen packages ----

# xen_resolve: "PKG VERSION" per package, the apt candidates
xen_resolve() {
	# shellcheck disable=SC2086 # a list of names
	apt-cache policy $XEN_PKGS 2>/dev/null | awk '
		/^[^ ]/ { p = $1; sub(/:$/, "", p) }
		$1 == "Candidate:" && $2 != "(none)" { print p, $2 }'
}

# xen_fetch: the unpacked tree in $XC/root (the packages of xen_resolve;
# a stamp names them, so a Debian update fetches again)
xen_fetch() {
	local want n pkg
	want=$(xen_resolve)
	n=$(printf '%s\n' "$want" | grep -c .)
	if [ "$n" != "$(echo "$XEN_PKGS" | wc -w)" ] && [ "$(id -u)" = 0 ] &&
		[ "${NDVMFW_APT_UPDATED:-0}" != 1 ]; then
		say "apt lists do not resolve the Xen packages; apt-get update"
		apt-get update -qq >&2 || die "apt-get update failed"
		export NDVMFW_APT_UPDATED=1
		want=$(xen_resolve)
		n=$(printf '%s\n' "$want" | grep -c .)
	fi
	if [ "$n" != "$(echo "$XEN_PKGS" | wc -w)" ]; then
		[ -f "$XC/root/.ok" ] || die "cannot resolve the Xen packages ($XEN_PKGS) with apt-cache policy"
		say "warning: apt cannot resolve the Xen packages; using the cached ones"
		return 0
	fi
	[ -f "$XC/root/.ok" ] && [ "$(cat "$XC/root/.ok")" = "$want" ] && return 0
	if ! mkdir -p "$XC" 2>/dev/null || [ ! -w "$XC" ]; then
		die "cache dir $XC is not writable (run as root or set NDVMFW_CACHE)"
	fi
	exec 8>"$XC/.lock"
	flock 8
	[ -f "$XC/root/.ok" ] && [ "$(cat "$XC/root/.ok")" = "$want" ] && return 0
	say "downloading Xen $XEN_VER: $(printf '%s\n' "$want" | awk '{ print $1 "=" $2 }' | tr '\n' ' ')"
	rm -rf "$XC/debs.tmp" "$XC/root.tmp"
	mkdir -p "$XC/debs.tmp" "$XC/root.tmp"
	[ "$(id -u)" = 0 ] && chown _apt "$XC/debs.tmp" 2>/dev/null
	# shellcheck disable=SC2046 # PKG=VERSION words
	(cd "$XC/debs.tmp" && apt-get download -q $(printf '%s\n' "$want" |
		awk '{ print $1 "=" $2 }') >"$XC/download.log" 2>&1) ||
		{ tail -n 20 "$XC/download.log" >&2; die "apt-get download of the Xen packages failed"; }
	for pkg in "$XC"/debs.tmp/*.deb; do
		dpkg -x "$pkg" "$XC/root.tmp" || die "dpkg -x $pkg failed"
	done
	rm -rf "$XC/debs" "$XC/root"
	mv "$XC/debs.tmp" "$XC/debs"
	printf '%s\n' "$want" >"$XC/root.tmp/.ok"
	mv "$XC/root.tmp" "$XC/root"
}

# xen_tree DIR: what dom0 needs of the Xen packages (XEN_BINS, the Xen
# libraries, the xenstore tools), with the host libraries of those
# programs (ldd, the Xen libraries taken from the tree) and libgcc_s
# (glibc loads it at pthread_cancel; ldd does not show it)
XEN_BINS="xl xenstored xenconsoled xen-init-dom0 libxl-save-helper"
xen_tree() {
	local d=$1 x=$XC/root lib f libs
	rm -rf "$d"
	mkdir -p "$d/usr/lib/xen-$XEN_VER/bin" "$d/usr/bin" "$d/etc/xen"
	for f in $XEN_BINS; do
		cp "$x/usr/lib/xen-$XEN_VER/bin/$f" "$d/usr/lib/xen-$XEN_VER/bin/" || return 1
	done
	cp -a "$x/usr/lib/x86_64-linux-gnu" "$d/usr/lib/" || return 1
	cp -a "$x"/usr/bin/xenstore* "$d/usr/bin/" || return 1
	cp "$x/etc/xen/xl.conf" "$d/etc/xen/" || return 1
	find "$d" -xtype l -delete # xenstore-control: a wrapper left out
	libs=$(for f in "$d/usr/lib/xen-$XEN_VER/bin/"* "$d/usr/bin/xenstore"; do
		LD_LIBRARY_PATH=$d/usr/lib/x86_64-linux-gnu ldd "$f"
	done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }
		/not found/ { print "MISSING:" $1 }' | grep -v "^$d" | sort -u)
	if printf '%s\n' "$libs" | grep -q MISSING; then
		echo "host libraries missing: $(printf '%s\n' "$libs" | sed -n 's/^MISSING://p' | tr '\n' ' ')" >&2
		return 1
	fi
	libs="$libs $(ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')"
	for lib in $libs; do
		mkdir -p "$d$(dirname "$lib")"
		cp -L "$lib" "$d$lib" || return 1
	done
}

# ---- builds ----

# build_module KDIR: a copy of the module's sources, built W=1
build_module() {
	local src=$B/src
	rm -rf "$src"
	mkdir -p "$src/kmod/uapi"
	cp Kbuild "$src/"
	cp kmod/Kbuild kmod/*.[ch] "$src/kmod/"
	cp kmod/uapi/*.h "$src/kmod/uapi/"
	make -C "$1" M="$src" W=1 modules >"$B/module.log" 2>&1 &&
		[ -f "$src/kmod/ndvmfw.ko" ]
}

build_tools() {
	make -s fwctl >"$B/tools.log" 2>&1 && cp ctl/fwctl "$B/fwctl" &&
		cc -O2 -Wall -Wextra -Werror -static -o "$B/fwpkt" \
			selftests/tools/fwpkt.c >>"$B/tools.log" 2>&1
}

# build_ndvm: stage 2's NDVM image (scripts/mkndvm.sh, with the module
# built above) and its rules medium, a squashfs as "make demo" builds
build_ndvm() {
	rm -rf "$B/ndvm" "$B/medium" "$B/ndvm.sqfs"
	scripts/mkndvm.sh --kver "$VER" --ko "$B/src/kmod/ndvmfw.ko" -o "$B/ndvm" \
		>"$B/ndvm-build.log" 2>&1 || { cat "$B/ndvm-build.log"; return 1; }
	mkdir -p "$B/medium"
	cp selftests/xen/stage2.rules "$B/medium/ndvm.rules"
	cp selftests/xen/stage2.net "$B/medium/ndvm.net"
	mksquashfs "$B/medium" "$B/ndvm.sqfs" -noappend -all-root -quiet \
		>>"$B/ndvm-build.log" 2>&1 || { cat "$B/ndvm-build.log"; return 1; }
	# at least 64 KiB: the NDVM's partition scan reads that far (a 4 KiB image
	# gets "unable to read RDB block 8"); squashfs ignores the tail
	truncate -s ">64K" "$B/ndvm.sqfs"
}

build_images() {
	local m gm=() dm=() vmlinux stage2=()
	for m in $GUEST_MODS; do gm+=(--mod "$m"); done
	for m in $DOM0_MODS; do dm+=(--mod "$m"); done
	selftests/vm/mkinitramfs.sh --kver "$VER" -o "$B/guest.gz" \
		--no-default-mods "${gm[@]}" --bin "$B/fwpkt" \
		--file selftests/xen/guest.sh:/xen/guest.sh \
		>"$B/guest-initrd.log" 2>&1 || { cat "$B/guest-initrd.log"; return 1; }
	# The guest's kernel: the uncompressed ELF that scripts/kernels.sh
	# extracts, gzip'd (libxenguest's zlib is quicker under TCG than its
	# xz decoder for the bzImage), else the bzImage.
	vmlinux=$(dirname "$VMLINUZ")/$(basename "$VMLINUZ" | sed 's/^vmlinuz/vmlinux/')
	if [ -f "$vmlinux" ] && [ "$vmlinux" != "$VMLINUZ" ]; then
		gzip -1 -c "$vmlinux" >"$B/guest-kernel" || return 1
	else
		cp "$VMLINUZ" "$B/guest-kernel"
	fi
	if [ "${XEN_STAGE2:-1}" != 0 ]; then
		build_ndvm || return 1
		stage2=(--file "$B/ndvm/initrd.cpio.gz:/boot/ndvm.gz"
			--file "$B/ndvm.sqfs:/boot/ndvm.sqfs"
			--file selftests/xen/stage2.rules:/xen/stage2.rules
			--file selftests/xen/stage2-dom0.rules:/xen/stage2-dom0.rules
			--file selftests/xen/block-min:/xen/block-min)
	fi
	xen_tree "$B/stage/xen" >"$B/xen-tree.log" 2>&1 ||
		{ cat "$B/xen-tree.log"; return 1; }
	selftests/vm/mkinitramfs.sh --kver "$VER" -o "$B/dom0.gz" \
		--no-default-mods "${dm[@]}" --ko "$B/src/kmod/ndvmfw.ko" \
		--bin "$B/fwctl" --bin "$B/fwpkt" \
		--dir "$B/stage/xen:/" \
		--file selftests/xen/dom0.sh:/xen/dom0.sh \
		--file selftests/tap.sh:/xen/tap.sh \
		--file selftests/xen/stage1.rules:/xen/stage1.rules \
		--file "$B/guest-kernel:/boot/vmlinuz" --file "$B/guest.gz:/boot/guest.gz" \
		${stage2[@]+"${stage2[@]}"} \
		>"$B/dom0-initrd.log" 2>&1 || { cat "$B/dom0-initrd.log"; return 1; }
	zcat "$XC/root/boot/xen-$XEN_VER-amd64.gz" >"$B/xen" 2>/dev/null ||
		{ echo "no boot/xen-$XEN_VER-amd64.gz in the Xen package" >&2; return 1; }
	cp "$VMLINUZ" "$B/vmlinuz" # a path QEMU's -initrd list can hold
}

# ---- the run ----

# boot: Xen with dom0's kernel and initramfs as multiboot modules. Xen's
# smap=0: dom0 crashes at once without it under TCG; xsave=0: without it
# programs get corrupted at random under TCG.
boot() {
	local append="ndvmfw.test=/xen/dom0.sh"
	[ "${XEN_SHELL_HOTPLUG:-0}" = 1 ] && append="$append xentest.shell_hotplug=1"
	[ "${XEN_STAGE2:-1}" = 0 ] && append="$append xentest.stage2=0"
	timeout -k 5 "${XEN_TIMEOUT:-480}" qemu-system-x86_64 \
		-accel tcg -cpu max -m 1024 -smp 2 -nographic -no-reboot -nic none \
		-kernel "$B/xen" \
		-append "console=com1 com1=115200,8n1 dom0_mem=384M,max:384M noreboot smap=0 xsave=0" \
		-initrd "$B/vmlinuz console=hvc0 earlyprintk=xen panic=-1 quiet $append,$B/dom0.gz" \
		</dev/null >"$B/console.raw" 2>&1 &
	QEMU_PID=$!
	wait "$QEMU_PID"
	QEMU_PID=""
	# without the serial CRs and SeaBIOS's terminal escapes
	awk '{ gsub(/\r|\033\[[0-9;?]*[A-Za-z]|\033c/, ""); print }' \
		"$B/console.raw" >"$B/console.log"
}

main() {
	local t0 kdir start rc npass nfail
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (make deps)"
	if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
		skip "no apt-get/dpkg: the Xen packages come from Debian"
	fi
	mkdir -p "$B"
	trap cleanup EXIT
	start=$(date +%s)
	read -r VER VMLINUZ _ kdir < <(scripts/kernels.sh list | awk '$1 ~ /^6\.1\./')
	[ -n "${kdir:-}" ] || die "no 6.1 kernel in scripts/kernels.sh list (make deps)"
	[ -d "$kdir" ] || die "$kdir missing (make deps)"
	build_tools || { cat "$B/tools.log"; die "building fwctl/fwpkt failed"; }
	build_module "$kdir" || { tail -n 30 "$B/module.log"; die "module build failed ($B/module.log)"; }
	grep -i warning "$B/module.log" | sed 's/^/# check-xen: module build: /'
	xen_fetch
	build_images || die "building the images failed"
	say "built in $(($(date +%s) - start)) s: Xen $XEN_VER, dom0 and guest $VER, dom0.gz $(($(stat -c %s "$B/dom0.gz") / 1024)) KiB"
	t0=$(date +%s)
	boot
	say "QEMU ran $(($(date +%s) - t0)) s; total $(($(date +%s) - start)) s; console: $B/console.log, the guests': $B/guest.log, $B/guest2.log, the NDVM's: $B/ndvm.log"
	sed -n 's/^# guest| //p' "$B/console.log" >"$B/guest.log"
	sed -n 's/^# ndvm| //p' "$B/console.log" >"$B/ndvm.log"
	sed -n 's/^# guest2| //p' "$B/console.log" >"$B/guest2.log"
	grep -E '^# ' "$B/console.log" | grep -v -E '^# (guest|guest2|ndvm)\| '
	grep -E '^(not )?ok [0-9]+ - |^1\.\.[0-9]' "$B/console.log"
	npass=$(grep -cE '^ok [0-9]+ - ' "$B/console.log")
	nfail=$(grep -cE '^not ok [0-9]+ - ' "$B/console.log")
	rc=$(sed -n 's/.*NDVMFW-VM-EXIT rc=\([0-9]\{1,\}\).*/\1/p' "$B/console.log" | tail -n 1)
	if [ -z "$rc" ]; then
		say "dom0 did not finish (timeout ${XEN_TIMEOUT:-480} s, or a crash): tail of the console:"
		tail -n 30 "$B/console.log" | sed 's/^/#   /'
	fi
	echo "# check-xen: $npass passed, $nfail failed"
	[ "$rc" = 0 ] && [ "$nfail" = 0 ] && [ "$npass" -gt 0 ]
}

main "$@"
