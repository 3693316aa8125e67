#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The control plane under fuzzing (selftests/tools/nlfuzz.c): mutated
# load, status and dump requests from three processes at once, seeded
# with valid rule sets that use every statement. Afterwards status and
# dump agree at every check, the kernel log stays clean (run.sh checks
# it), unreclaimable slab is back near its baseline, and a known rule set
# loads and filters as before. Size: ndvmfw.fuzz=N on the kernel command
# line (default 10000 messages).
. /tests/lib.sh

N=10000
for a in $(cat /proc/cmdline); do
	case $a in ndvmfw.fuzz=*) N=${a#ndvmfw.fuzz=} ;; esac
done

ndvm_setup
R=$(rules known <<'EOR'
policy drop
accept in vif1.0 out uplink0 proto icmp icmp-type echo-request
accept in uplink0 out vif1.0 proto icmp icmp-type echo-reply
EOR
)
S=$(rules seedif <<'EOR'
policy accept
set guests { 10.137.0.0/16, fd00::/16 }
bind fz1.0 mac 02:00:00:00:00:01 ip 10.137.9.1,fd00:9::1
bind fz2.0 mac 02:00:00:00:00:02 ip @guests
antispoof fz*
hotplug fz* bridge fzbr
masquerade out uplink0 from @guests family ip
reject in fz* proto tcp to any port 25 log
accept state established,related
drop from { 192.0.2.0/24, 2001:db8::/32 } to any port { 1-1023, 8080 } proto udp
accept proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert, 1/3 }
EOR
)
sunreclaim() { sed -n 's/^SUnreclaim: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

check "load the known rule set" $FWCTL load "$R"
check "known rules: guest 1 pings the uplink" ping_from g1 192.0.2.2
base=$(sunreclaim)
t0=$(cut -d' ' -f1 /proc/uptime)
check "nlfuzz: $N messages, 3 processes, status and dump consistent" \
	nlfuzz -n "$N" -p 3 -s 1 "$R" "$S" $RULES/example.rules $RULES/demo.rules
sed 's/^/#   /' /tmp/check.out
log "fuzzing took $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s (TCG)"
check "status still answers" $FWCTL status
check "the active rule set dumps and parses back" \
	sh -c "$FWCTL dump >/tmp/after.rules && $FWCTL check /tmp/after.rules"
check "the known rule set loads again" $FWCTL load "$R"
check "and filters: guest 1 pings the uplink" ping_from g1 192.0.2.2
check_not "and guest 2 does not" ping_from g2 192.0.2.2
sleep 2
now=$(sunreclaim)
log "SUnreclaim: $base kB before, $now kB after"
check "unreclaimable slab within 8 MiB of its baseline" \
	[ $((now - base)) -lt 8192 ]
exit $ret
