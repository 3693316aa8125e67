#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "load --seal" commits and seals in one step: afterwards every load fails
# with EPERM (also under fuzzing: nlfuzz -S), rmmod fails, status says
# sealed, and the rules keep working.
# Run last: the module cannot be unloaded afterwards.
. /tests/lib.sh

cleanup() {
	topology_down
}
trap cleanup EXIT

mod_unload
topology_up
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
