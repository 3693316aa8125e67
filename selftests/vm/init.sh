#!/bin/sh
# init.sh - /init of the ndvmfw test VM (installed by mkinitramfs.sh).
#
# Not called by hand: the kernel runs it as PID 1. It mounts proc, sys,
# devtmpfs, devpts, tmpfs /tmp and /run, brings up lo, loads
# crc32c_generic (busybox modprobe ignores softdeps, and nf_tables /
# nf_conntrack need it), sets kernel.panic_on_oops=1 (an oops ends the VM
# at once instead of hanging until the host timeout), then runs
#   sh TEST
# where TEST comes from `ndvmfw.test=/path` on the kernel command line
# (default /tests/run.sh). Last it prints `NDVMFW-VM-EXIT rc=N` (N = the
# test's exit status) and powers off. On failure the dmesg tail is printed
# first as TAP comments. Console: ttyS0.
PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

mount_fs() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /tmp
	mount -t tmpfs tmpfs /run
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
}

cmdline_test() {
	t=/tests/run.sh
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case $arg in ndvmfw.test=*) t=${arg#ndvmfw.test=} ;; esac
	done
	echo "$t"
}

echo  # start on a fresh line: SeaBIOS leaves one open
mount_fs
hostname ndvmfw
/sbin/ip link set lo up
modprobe crc32c_generic || echo "# init: modprobe crc32c_generic failed"
echo 1 >/proc/sys/kernel/panic_on_oops

TEST=$(cmdline_test)
echo "# init: kernel $(uname -r), running $TEST"
cd /tmp || true
sh "$TEST"
rc=$?
cd /
if [ "$rc" != 0 ]; then
	echo "# init: test failed (rc=$rc); dmesg tail:"
	dmesg | tail -n 40 | sed 's/^/#   /'
fi
echo "NDVMFW-VM-EXIT rc=$rc"
sync
poweroff -f
