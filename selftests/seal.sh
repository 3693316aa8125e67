#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "load --seal" commits and seals in one step: afterwards every load fails
# with EPERM (also under fuzzing: nlfuzz -S), rmmod fails, status says
# sealed, and the rules keep working. First, a seal that meets an rmmod
# under way is refused.
# Run last: the module cannot be unloaded afterwards.
. /tests/lib.sh

cleanup() {
	topology_down
}
trap cleanup EXIT

mod_unload
topology_up

# rmmod while a "load --seal" is inside the kernel: the module's exit
# waits for the command to return, and the seal must then be refused
# (ENODEV), not reported while the module and its rules go away. A small
# load started meanwhile sleeps on the load lock (its wchan is the load
# handler) only while the big one holds it, inside the kernel: then rmmod.
awk 'BEGIN {
	print "policy drop"
	for (i = 0; i < 50000; i++)
		printf "accept in vif1.0 proto udp from 10.%d.%d.%d to any port %d\n",
			i % 200, int(i / 200) % 250, i % 251 + 1, i % 60000 + 1
}' >/tmp/seal_big.rules
printf 'policy drop\n' >/tmp/seal_small.rules
mod_load
$FWCTL load --seal /tmp/seal_big.rules >/tmp/seal_race.out 2>&1 &
lpid=$!
tries=0 blocked=no
while [ $blocked = no ] && [ $tries -lt 500 ] && kill -0 $lpid 2>/dev/null; do
	tries=$((tries + 1))
	$FWCTL load /tmp/seal_small.rules >/tmp/seal_small.out 2>&1 &
	spid=$!
	while kill -0 $spid 2>/dev/null; do
		if [ "$(cat /proc/$spid/wchan 2>/dev/null)" = ndvmfw_nl_load ]; then
			blocked=yes
			break
		fi
		sleep 0.02
	done
	[ $blocked = yes ] || wait $spid
done
rmmod ndvmfw
rc_rmmod=$?
wait $lpid
rc_load=$?
wait $spid
log "load --seal: $(cat /tmp/seal_race.out); rmmod (rc $rc_rmmod) after $tries small loads, the last one blocked: $blocked"
check "a small load waited for the load --seal, inside the kernel" [ $blocked = yes ]
check "rmmod during a load --seal succeeds" [ $rc_rmmod = 0 ]
check "and that load --seal fails" [ $rc_load != 0 ]
check "with ENODEV" grep -q 'No such device: module is being unloaded' /tmp/seal_race.out
check_not "and the module is gone" mod_loaded

mod_load
R=$(rules sealed <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
O=$(rules open <<'EOR'
policy accept
EOR
)
want=$($FWCTL check "$R" | sed -n 's/^digest: //p')
check "status says not sealed before" [ "$(status_field sealed)" = no ]
check "load --seal" $FWCTL load --seal "$R"
check "status says sealed" [ "$(status_field sealed)" = yes ]
check "digest is the sealed file's" [ "$(status_field digest)" = "$want" ]
check_not "load after seal fails" $FWCTL load "$O"
check "load after seal: EPERM" \
	sh -c "$FWCTL load $O 2>&1 | grep -q 'Operation not permitted: rule set is sealed'"
check_not "load --seal after seal fails" $FWCTL load --seal "$O"
check "seal again is harmless" $FWCTL seal
check "nlfuzz -S: 2000 mutated requests, SEAL included, while sealed: no load succeeds, the digest never changes" \
	nlfuzz -S -n 2000 -p 2 -s 7 "$R" "$O"
sed 's/^/#   /' /tmp/check.out
check_not "rmmod fails" rmmod ndvmfw
check "module still loaded" mod_loaded
check "digest unchanged" [ "$(status_field digest)" = "$want" ]
check "sealed rules allow ping from guest1" ping_from g1 192.0.2.2
check_not "sealed rules drop ping from guest2" ping_from g2 192.0.2.2
exit $ret
