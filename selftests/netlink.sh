#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Malformed and unprivileged netlink requests get the expected errno and
# change nothing.
. /tests/lib.sh

ndvm_setup
R=$(rules nl <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
check "load" $FWCTL load "$R"
d=$(status_field digest)
g=$(status_field generation)
for c in $(nlprobe list); do
	check "refused: $c" nlprobe "$c"
	cat /tmp/check.out
	check "$c changed nothing" [ "$(status_field generation)" = "$g" ]
done
check "extack names the attribute" \
	sh -c "nlprobe addr-length | grep -q 'NDVMFW_ELEM_A_ADDR: must be 4 or 16 bytes'"
check "extack offset resolves to the attribute path" \
	sh -c "nlprobe verdict-out-of-range | grep -q 'at NDVMFW_A_RULE #0 > NDVMFW_RULE_A_VERDICT'"
check "extack points at the interface statement" \
	sh -c "nlprobe bind-prefix | grep -q 'not a pattern (at NDVMFW_A_IFRULE #0)'"
check "an anonymous set used twice: the reason" \
	sh -c "nlprobe anon-set-shared | grep -q 'anonymous set referenced more than once'"
check "a bind of 65 addresses: the reason" \
	sh -c "nlprobe bind-too-many-addrs | grep -q 'bind names more than 64 addresses'"
check_not "other namespaces cannot reach the family" guest g1 $FWCTL status
check_not "nor load from there" guest g1 $FWCTL load "$R"
cat /tmp/check.out
check "a refused load from there changed nothing" \
	[ "$(status_field generation)" = "$g" ]
check "digest unchanged" [ "$(status_field digest)" = "$d" ]
check "generation unchanged" [ "$(status_field generation)" = "$g" ]
check "rules still in force" ping_from g1 192.0.2.2
check_not "rules still drop the rest" ping_from g2 192.0.2.2
exit $ret
