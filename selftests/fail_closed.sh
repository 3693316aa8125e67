#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# From insmod until the first rule set is committed every packet is
# dropped, on interfaces that exist and on interfaces created later;
# loopback is exempt; fail_open=1 accepts instead.
. /tests/lib.sh

cleanup() {
	topology_down
	$IP netns del g3 2>/dev/null
	mod_unload
}
trap cleanup EXIT

mod_unload
topology_up
serve up tcp 80
wait_servers

check "without ndvmfw: ping guest -> uplink" ping_from g1 192.0.2.2
check "without ndvmfw: tcp guest -> uplink" probe g1 tcp 192.0.2.2 80

mod_load
check_not "after insmod: ping guest -> uplink dropped" ping_from g1 192.0.2.2
check_not "after insmod: tcp guest -> uplink dropped" probe g1 tcp 192.0.2.2 80
check_not "after insmod: ping6 guest -> NDVM dropped" ping_from g1 fd00:1::1
check "after insmod: loopback works" ping -c 1 -W 1 127.0.0.1
check "status says not loaded" [ "$(status_field loaded)" = no ]
n=$(status_field unloaded-packets)
check "unloaded-packets counted ($n)" [ "$n" -gt 0 ]

# An interface that appears after insmod gets its ingress hook too: ARP
# is not IP, so only the ingress hook can drop it.
veth_ns vif3.0 g3 10.137.2.5 10.137.2.1 fd00:3::5 fd00:3::1
before=$(status_field unloaded-packets)
check_not "new interface: ping guest -> NDVM dropped" ping_from g3 10.137.2.1
after=$(status_field unloaded-packets)
check "new interface: drops counted ($before -> $after)" [ "$after" -gt "$before" ]
check_not "new interface: ARP never resolved" \
	sh -c "$IP -n g3 neigh show 10.137.2.1 | grep -q lladdr"
$IP netns del g3

check_not "seal without a rule set is refused" $FWCTL seal
check "and says why" sh -c "$FWCTL seal 2>&1 | grep -q 'no rule set is loaded'"
check "status: not sealed" [ "$(status_field sealed)" = no ]

mod_unload
check "fail_open=1 loads" mod_load fail_open=1
check_not "fail_open=1: seal without a rule set is refused" $FWCTL seal
check "fail_open=1: ping guest -> uplink passes" ping_from g1 192.0.2.2
check "fail_open=1: status says so" [ "$(status_field fail-open)" = yes ]
exit $ret
