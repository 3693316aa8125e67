#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A flood of logged packets prints at most what the per-rule token buckets
# and the global cap allow, and counts the rest in log-suppressed.
. /tests/lib.sh

# 2 lines a second per rule, bursts of 3; 4 lines a second in all.
ndvm_setup log_rate=2 log_burst=3 log_cap=4
R=$(rules log <<'EOR'
policy drop
accept log in vif1.0 proto udp to any port 7
drop log in vif1.0 proto udp to any port 9
accept log in vif2.0 proto udp to any port 7
EOR
)
check "load" $FWCTL load "$R"

dmesg -c >/dev/null
sup=$(status_field log-suppressed)
t0=$(cut -d' ' -f1 /proc/uptime)
pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 --dport 7 -n 300
pkt g1 vif1.0 -s 10.137.0.5 -d 192.0.2.2 --dport 9 -n 300
t1=$(cut -d' ' -f1 /proc/uptime)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; print int(s) + 1 }')
r1=$(dmesg | grep -c 'ndvmfw: rule 1 ')
r2=$(dmesg | grep -c 'ndvmfw: rule 2 ')
log "flood of 2 x 300 packets took < $secs s: rule 1 logged $r1, rule 2 logged $r2"
check "rule 1 counted all 300" [ "$(rule_packets 1)" -eq 300 ]
check "rule 2 counted all 300" [ "$(rule_packets 2)" -eq 300 ]
check "rule 1 logged, within its bucket: 1 <= $r1 <= 3 + 2 * $secs" \
	[ "$r1" -ge 1 -a "$r1" -le $((3 + 2 * secs)) ]
check "rule 2 logged, within its bucket: 1 <= $r2 <= 3 + 2 * $secs" \
	[ "$r2" -ge 1 -a "$r2" -le $((3 + 2 * secs)) ]
check "both within the global cap: $((r1 + r2)) <= 4 + 4 * $secs" \
	[ $((r1 + r2)) -le $((4 + 4 * secs)) ]
check "the rest counted in log-suppressed ($sup -> $(status_field log-suppressed))" \
	[ "$(status_field log-suppressed)" -ge $((sup + 600 - r1 - r2)) ]

# The cap is shared: once rule 1 and 2 spent it, rule 3 waits too; after
# a second its own bucket and the cap have refilled.
sleep 1.2
dmesg -c >/dev/null
pkt g2 vif2.0 -s 10.137.1.5 -d 192.0.2.2 --dport 7 -n 50
r3=$(dmesg | grep -c 'ndvmfw: rule 3 ')
check "after a pause, rule 3 logs again (within its burst): 1 <= $r3 <= 3 + 2" \
	[ "$r3" -ge 1 -a "$r3" -le 5 ]
exit $ret
