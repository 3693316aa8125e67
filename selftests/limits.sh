#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The documented limits hold: 100,000 rules and 1,000,000 set elements
# load and filter; beyond NDVMFW_MAX_RULES a load fails with E2BIG and
# changes nothing.
. /tests/lib.sh

ndvm_setup

# 100,000 rules that never match the test traffic, then the one that does
awk 'BEGIN { print "policy drop";
	for (i = 0; i < 100000; i++)
		printf "accept in vif1.0 proto tcp from 10.%d.%d.%d to 198.51.100.%d port %d\n",
			100 + i % 100, int(i / 100) % 256, int(i / 25600), i % 256, 1024 + i % 60000;
	print "accept in vif1.0 out uplink0 proto icmp icmp-type echo-request";
	print "accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply" }' \
	>/tmp/rules100k.rules
timed_load "100,002 rules load" /tmp/rules100k.rules
check "status: 100002 rules" [ "$(status_field rules)" = 100002 ]
check "the last rules still decide: ping passes" ping_from g1 192.0.2.2
check_not "and the policy drops the rest" ping_from g2 192.0.2.2
log "lookup structure: $(status_field lookup-nodes) nodes, $(status_field lookup-bytes) bytes"

# a set of 1,000,000 addresses
awk 'BEGIN { print "policy drop"; print "set big {";
	for (i = 0; i < 1000000; i++)
		printf "%d.%d.%d.%d,\n", 11 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256;
	print "10.137.0.5 }";
	print "accept in vif* out uplink0 from @big proto icmp icmp-type echo-request";
	print "accept in uplink0 out vif* to @big proto icmp icmp-type echo-reply" }' \
	>/tmp/set1m.rules
timed_load "a set of 1,000,001 elements loads" /tmp/set1m.rules
check "status: 1000001 elements" [ "$(status_field elements)" = 1000001 ]
check "the set decides: ping from 10.137.0.5 passes" ping_from g1 192.0.2.2
check_not "ping from 10.137.1.5 (not in the set) is dropped" ping_from g2 192.0.2.2
d=$(status_field digest)

check "beyond NDVMFW_MAX_RULES: E2BIG" \
	sh -c "nlprobe too-many-rules | grep -q 'errno=7 '"
check "nothing changed" [ "$(status_field digest)" = "$d" ]
exit $ret
