#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A rule set that fails to parse, or that the kernel refuses, changes
# nothing: the previous rules stay in force, with the same digest.
. /tests/lib.sh

# a small memory bound, so that a big rule set is refused by the kernel
ndvm_setup max_cls_mb=2

GOOD=$(rules good <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
check "load good rules" $FWCTL load "$GOOD"
check "ping allowed by the good rules" ping_from g1 192.0.2.2
d1=$(status_field digest)
g1=$(status_field generation)

BAD=$(rules bad <<'EOR'
policy accept
accept in vif1.0 proto tcpp
EOR
)
check_not "bad rules refused" $FWCTL load "$BAD"
check "error names file, line and token" \
	sh -c "$FWCTL load $BAD 2>&1 | grep -q 'bad.rules:2:.*tcpp'"

# parses, but the kernel cannot build it within max_cls_mb=2
awk 'BEGIN { print "policy accept"; printf "set big {";
	for (i = 0; i < 100000; i++)
		printf "%s 10.%d.%d.%d", i ? "," : "", i / 65536, i / 256 % 256, i % 256;
	print " }"; print "accept from @big" }' >/tmp/big.rules
check "fwctl check accepts the big set" $FWCTL check /tmp/big.rules
check_not "kernel refuses the big set" $FWCTL load /tmp/big.rules
check "kernel says why" \
	sh -c "$FWCTL load /tmp/big.rules 2>&1 | grep -q 'Argument list too long: lookup structure would exceed max_cls_mb'"

check "digest unchanged" [ "$(status_field digest)" = "$d1" ]
check "generation unchanged" [ "$(status_field generation)" = "$g1" ]
check "old rules still allow ping" ping_from g1 192.0.2.2
check_not "old rules still drop tcp" probe g1 tcp 192.0.2.2 80
exit $ret
