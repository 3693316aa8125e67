#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The digest "fwctl check" computes offline is the one the kernel reports,
# and "fwctl dump" prints rules that parse back to the same digest, also
# for a set too large for one netlink attribute. With the digest= module
# parameter (ndvmfw.digest= at boot) the kernel itself refuses any other
# rule set.
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

# pinned: digest= lets exactly one rule set in, whoever loads it
want=$($FWCTL check $RULES/example.rules | sed -n 's/^digest: //p')
mod_unload
mod_load digest="$want"
check "pinned: the module loads with digest=" mod_loaded
check_not "pinned: another rule set is refused" $FWCTL load $RULES/basic.rules
cp /tmp/check.out /tmp/pinned.out
check "pinned: ... with the reason" \
	grep -q "digest differs from the digest module parameter" /tmp/pinned.out
check "pinned: the pinned rule set loads" $FWCTL load $RULES/example.rules
check "pinned: status shows its digest" [ "$(status_field digest)" = "$want" ]
mod_unload
check_not "digest= of 63 hex digits: insmod fails" \
	insmod "$MODULE" digest="${want%?}"
check_not "digest= not hex: insmod fails" insmod "$MODULE" digest="x${want#?}"
check "after a failed insmod, nothing is loaded" sh -c "! grep -q '^ndvmfw ' /proc/modules"
exit $ret
