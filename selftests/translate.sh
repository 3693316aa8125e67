#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "fwctl translate" prints an nftables ruleset that decides like ndvmfw:
# the same flows, run once through ndvmfw and once through nftables loaded
# with the translation, get the same outcome (passed, dropped, refused).
. /tests/lib.sh

cleanup() {
	ndvm_cleanup
}

ndvm_setup
trap cleanup EXIT
for p in 22 80 81; do
	serve up tcp $p
done
serve up udp 53
serve up udp 54
serve g2 tcp 80
wait_servers

R=$(rules translate <<'EOR'
policy drop
set uplink { 192.0.2.2, 2001:db8:99::2 }
set private { 10.0.0.0/8, 172.16.0.0/12, fc00::/7 }
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept state established,related
accept out vif* state related
accept in vif1.0 out uplink0 proto tcp to @uplink port { 80, 8000-8080 } state new
reject in vif* proto tcp to @uplink port 81
accept in vif* out uplink0 proto udp to 192.0.2.2 port 53
reject in vif1.0 proto udp to any port 54
drop in vif* to @private log
accept in vif* out uplink0 proto icmp icmp-type { echo-request, 13/0 }
accept in vif2.0 out uplink0 family ip6 proto icmpv6 icmp-type echo-request
accept in vif2.0 proto tcp from 10.137.1.5 port 1024-65535
EOR
)

# rc CMD...: print CMD's exit status
rc() {
	"$@" >/dev/null 2>&1
	echo $?
}

flows() {
	for h in 192.0.2.2 2001:db8:99::2; do
		for p in 22 80 81; do
			echo "g1 tcp $h $p $(rc probe g1 tcp $h $p)"
			echo "g2 tcp $h $p $(rc probe g2 tcp $h $p)"
		done
		for p in 53 54; do
			echo "g1 udp $h $p $(rc probe g1 udp $h $p)"
			echo "g2 udp $h $p $(rc probe g2 udp $h $p)"
		done
		echo "g1 ping $h $(rc ping_from g1 $h)"
		echo "g2 ping $h $(rc ping_from g2 $h)"
	done
	echo "g1 tcp g2 $(rc probe g1 tcp 10.137.1.5 80)"
	echo "g1 ping ndvm $(rc ping_from g1 10.137.0.1)"
	echo "g2 ping6 ndvm $(rc ping_from g2 fd00:2::1)"
	echo "up tcp g2 $(rc probe up tcp 10.137.1.5 80)"
}

check "load into ndvmfw" $FWCTL load "$R"
flows >/tmp/flows.ndvmfw
mod_unload
check "translate" sh -c "$FWCTL translate $R >/tmp/translate.nft"
check "nft loads the translation" nft -f /tmp/translate.nft
check "... an inet and a bridge table" \
	sh -c "nft list table inet ndvmfw && nft list table bridge ndvmfw"
flows >/tmp/flows.nft
sed 's/^/#   /' /tmp/flows.ndvmfw
check "some flows pass, some are dropped, some refused" \
	sh -c "grep -q ' 0$' /tmp/flows.ndvmfw && grep -q ' 1$' /tmp/flows.ndvmfw && grep -q ' 3$' /tmp/flows.ndvmfw"
check "nftables decides every flow as ndvmfw did" \
	cmp /tmp/flows.ndvmfw /tmp/flows.nft
diff /tmp/flows.ndvmfw /tmp/flows.nft | sed 's/^/#   /'
exit $ret
