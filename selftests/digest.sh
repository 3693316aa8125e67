#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The digest "fwctl check" computes offline is the one the kernel reports,
# and "fwctl dump" prints rules that parse back to the same digest, also
# for a set too large for one netlink attribute.
. /tests/lib.sh

cleanup() {
	mod_unload
}
trap cleanup EXIT

mod_unload
mod_load

for f in $RULES/example.rules /tmp/large.rules; do
	if [ "$f" = /tmp/large.rules ]; then
		awk 'BEGIN { print "policy accept";
			printf "set many {";
			for (i = 0; i < 20000; i++)
				printf "%s 10.%d.%d.0/24", i ? "," : "", i / 256, i % 256;
			print " }";
			print "set v6 { fd00::/64, fd01::1 }";
			print "drop in vif* proto tcp from @many port { 1-1023, 8080 } log";
			print "drop out uplink* to { 192.0.2.0/24, 2001:db8::/32 }";
			print "accept family ip6 from @v6 proto icmpv6 icmp-type { 128, 1/4 }";
		}' >"$f"
	fi
	want=$($FWCTL check "$f" | sed -n 's/^digest: //p')
	check "$f: load" $FWCTL load "$f"
	check "$f: kernel digest = fwctl check digest" \
		[ "$(status_field digest)" = "$want" ]
	$FWCTL dump >/tmp/dumped.rules
	got=$($FWCTL check /tmp/dumped.rules | sed -n 's/^digest: //p')
	check "$f: dump parses back to the same digest" [ "$got" = "$want" ]
	check "$f: rule count" [ "$(status_field rules)" = \
		"$($FWCTL check "$f" | sed -n 's/^rules: //p')" ]
done
check "status -j is one JSON object" \
	sh -c "$FWCTL status -j | grep -q '^{\"loaded\":true,.*\"digest\":\"[0-9a-f]\{64\}\"'"
exit $ret
