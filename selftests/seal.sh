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
# (ENODEV), not reported while the module and its rules go away. The
# rule set keeps the kernel busy for seconds; fwctl is in it once its
# user time stops and its system time goes on (/proc/PID/stat).
awk 'BEGIN {
	print "policy drop"
	for (i = 0; i < 50000; i++)
		printf "accept in vif1.0 proto udp from 10.%d.%d.%d to any port %d\n",
			i % 200, int(i / 200) % 250, i % 251 + 1, i % 60000 + 1
}' >/tmp/seal_big.rules
mod_load
$FWCTL load --seal /tmp/seal_big.rules >/tmp/seal_race.out 2>&1 &
lpid=$!
prev="-1 -1"
while kill -0 $lpid 2>/dev/null; do
	st=$(cut -d' ' -f14,15 /proc/$lpid/stat 2>/dev/null) || break
	[ "${st% *}" = "${prev% *}" ] && [ "${st#* }" -gt "${prev#* }" ] && break
	prev=$st
	sleep 0.05
done
t0=$(cut -d' ' -f1 /proc/uptime)
rmmod ndvmfw
rc_rmmod=$?
wait $lpid
rc_load=$?
log "load --seal: $(cat /tmp/seal_race.out); rmmod (rc $rc_rmmod) at user and system time $st, returned after $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s"
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
