#!/debug/busybox sh
# SPDX-License-Identifier: GPL-2.0
# debug.sh - in a debug NDVM image (scripts/mkndvm.sh --debug), "fwctl boot"
# runs this once after sealing (ndvm.debug=/debug/debug.sh). It tries to
# change what is sealed and lists the userspace processes, one
# "ndvm-debug: ..." line each, for selftests/ndvm/boot.sh to judge.
# A production image has no /debug: the option does nothing there.
bb=/debug/busybox

say() { echo "ndvm-debug: $*"; }

$bb sleep 1
say "self=$$"
# a second fwctl (the same binary as /init) may read but change nothing
/init status 2>&1 | while read -r l; do say "status: $l"; done
if err=$(/init load /debug/other.rules 2>&1); then
	say "load=accepted"
else
	say "load=refused ($err)"
fi
if err=$($bb insmod "$($bb find /lib/modules -name dummy.ko)" 2>&1); then
	say "insmod=accepted"
else
	say "insmod=refused ($err)"
fi
say "modules_disabled=$($bb cat /proc/sys/kernel/modules_disabled)"
# Userspace processes: those without PF_KTHREAD (0x00200000) in their flags.
for d in /proc/[0-9]*; do
	stat=$($bb cat "$d/stat" 2>/dev/null) || continue
	rest=${stat##*) }
	set -- $rest
	flags=$7
	[ $((flags & 0x00200000)) = 0 ] || continue
	comm=${stat#*(}
	say "ps pid=${d#/proc/} ppid=$2 state=$1 comm=${comm%%)*}"
done
say "done"
