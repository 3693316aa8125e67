#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Differential test against nftables, the oracle. fwgen makes random rule
# sets over the whole grammar (filter rules with every clause and log,
# masquerade rules) and random packets (v4 and v6, TCP with various flags,
# UDP, ICMP, GRE, spoofed sources, fragments, priority tags, IPv6
# extension headers, malformed). Each set is run twice on the
# same topology: through ndvmfw loaded with it, and through nftables loaded
# with `fwctl translate` of it (ndvmfw then accepting everything). Which
# packets reach the uplink, and each rule's packet counter, must agree.
# Malformed packets are ndvmfw's by design: it drops and counts them
# (nftables lets rules skip them), so they are checked on ndvmfw alone.
# A set whose rule counters agree but whose delivered packets differ runs
# a second time, and counts as agreed (reported apart) only if it then
# agrees in full.
#
# Size: DIFF_SETS x DIFF_PKTS (kernel command line ndvmfw.diff=SETSxPKTS,
# or SETSxPKTS@SEED to start elsewhere), default 50 x 200; seeds
# DIFF_SEED + 1 ... (DIFF_SEED default 1000). Seeds in selftests/diff.regress
# (disagreements found before) run first. With ndvmfw.diffbulk=RULES, one
# more set (seed DIFF_SEED) has RULES specific rules around its random ones
# (fwgen's BULK): the lookup structure of a big rule set against nftables'
# linear chain.
. /tests/lib.sh

SETS=${DIFF_SETS:-50} PKTS=${DIFF_PKTS:-200} SEED=${DIFF_SEED:-1000} BULK=0
for a in $(cat /proc/cmdline); do
	case $a in
	ndvmfw.diffbulk=*) BULK=${a#*=} ;;
	ndvmfw.diff=*x*)
		a=${a#ndvmfw.diff=}
		case $a in *@*) SEED=${a#*@} a=${a%@*} ;; esac
		SETS=${a%x*} PKTS=${a#*x}
		;;
	esac
done

cleanup() {
	ndvm_cleanup
}

ndvm_setup
trap cleanup EXIT
modprobe nf_conntrack_netlink
# Nothing but the test packets and the answers to "reject" may reach the
# rules, and those answers must not depend on timing: no router
# solicitations from the namespaces; static neighbours, so that the NDVM
# never sends neighbour discovery: for the uplink side another MAC than
# the uplink namespace's (whose stack then ignores the frames), for the
# guests their own, and for the addresses fwgen spoofs inside a guest's
# subnet a MAC nobody has; no rate limit on the answers to "reject".
for ns in g1 g2 up; do
	guest $ns sh -c 'echo 0 >/proc/sys/net/ipv6/conf/eth0/router_solicitations'
done
for a in 192.0.2.98 192.0.2.99 2001:db8:99::98 2001:db8:99::99; do
	$IP neigh replace "$a" lladdr 02:00:00:00:00:99 dev uplink0 nud permanent
done
G1=$(guest g1 cat /sys/class/net/eth0/address)
G2=$(guest g2 cat /sys/class/net/eth0/address)
for a in "10.137.0.5 $G1 vif1.0" "fd00:1::5 $G1 vif1.0" \
	 "10.137.1.5 $G2 vif2.0" "fd00:2::5 $G2 vif2.0" \
	 "10.137.0.6 02:00:00:00:00:66 vif1.0" \
	 "fd00:1::6 02:00:00:00:00:66 vif1.0"; do
	set -- $a
	$IP neigh replace "$1" lladdr "$2" dev "$3" nud permanent
done
echo 0 >/proc/sys/net/ipv4/icmp_ratelimit
echo 0 >/proc/sys/net/ipv6/icmp/ratelimit
echo 1000000 >/proc/sys/net/ipv4/icmp_msgs_per_sec
echo 1000000 >/proc/sys/net/ipv4/icmp_msgs_burst
sleep 2

ACCEPT=$(printf 'policy accept\n' | rules accept)
D=/tmp/diff
mkdir -p $D
M1=$(cat /sys/class/net/vif1.0/address)
M2=$(cat /sys/class/net/vif2.0/address)
END=999999

# drained: every CPU's receive backlog (/proc/net/softnet_stat, column
# 12) is empty at three reads in a row, 0.1 s apart; at most 10 s. veth
# queues what it sends there, so once it is empty every test packet has
# been through the NDVM and, if forwarded, into the uplink's socket.
drained() {
	_zero=0 _try=0
	while [ $_zero -lt 3 ]; do
		_try=$((_try + 1))
		[ $_try -le 100 ] || return 1
		sleep 0.1
		_len=0
		while read -r _c1 _c2 _c3 _c4 _c5 _c6 _c7 _c8 _c9 _c10 _c11 _c12 _rest; do
			_len=$((_len + 0x$_c12))
		done </proc/net/softnet_stat
		if [ $_len = 0 ]; then
			_zero=$((_zero + 1))
		else
			_zero=0
		fi
	done
}

# Room in the receive backlogs (as pktfuzz.sh): a guest's batch may
# outrun the softirq. What they drop anyway is counted, see run().
echo 1000000 >/proc/sys/net/core/netdev_max_backlog

# run NAME: send the packets, record what arrived in $D/NAME.got. A run
# in which frames were lost outside the rules tells nothing about the
# firewall: the receiver's socket buffer overflowed (fwpkt recv prints
# "drops N"), or a receive backlog did, or the receiver stopped before the
# end marker came ("timeout"). It is run again.
run() {
	for _try in 1 2 3; do
		run_once "$1"
		if grep -q '^drops\|^timeout' $D/recv.err; then
			log "$1 run: the receiver: $(cat $D/recv.err); again"
			recv_reruns=$((recv_reruns + 1))
		elif [ "$(cat $D/backlog)" != 0 ]; then
			log "$1 run: the receive backlog dropped $(cat $D/backlog) frames; again"
			backlog_reruns=$((backlog_reruns + 1))
		else
			return 0
		fi
	done
}

run_once() {
	conntrack -F >/dev/null 2>&1
	_b=$(backlog_drops) _t=$(cut -d' ' -f1 /proc/uptime)
	# Its "ready" is awaited below: the file must not still hold the
	# previous run's (the shell truncates it in the child, which may not
	# have run yet; packets sent then were lost: seeds 1020, 1028, 1104).
	rm -f $D/recv.out
	# the end marker stops it; the window is only a bound
	guest up fwpkt recv -l eth0 -u $END -t 300000 >$D/recv.out 2>$D/recv.err &
	_p=$!
	# a loaded machine may take seconds to start it: packets sent before
	# it listens would be lost
	_i=0
	until grep -q ready $D/recv.out 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { log "receiver did not start"; break; }
		sleep 0.1
	done
	guest g1 fwpkt batch eth0 "$M1" $D/g1.pkts
	guest g2 fwpkt batch eth0 "$M2" $D/g2.pkts
	drained || log "$1 run: the receive backlog did not drain in 10 s"
	# The end marker leaves the NDVM by a packet socket: no rule sees it.
	# Sent before the backlog drained, it could overtake what was still
	# queued there: the receiver would stop before those arrived.
	fwpkt send uplink0 02:00:00:00:00:99 -s 192.0.2.1 -d 192.0.2.99 -i $END
	wait $_p
	echo $(($(backlog_drops) - _b)) >$D/backlog
	awk -v t="$_t" '{ printf "%.1f\n", $1 - t }' /proc/uptime >$D/$1.secs
	sed -n 's/^id //p' $D/recv.out | sort -n -u >$D/$1.got
}

# ndvmfw_counts / nft_counts: "RULE PACKETS" lines, rules with packets
# (nft does not count its chain policy: the policy counter is left out)
ndvmfw_counts() {
	$FWCTL stats | awk '$1 ~ /^[0-9]+$/ && $2 == "packets" && $3 > 0 { print $1, $3 }'
}

nft_counts() {
	nft list table inet ndvmfw | awk '
		/comment "rule / {
			for (i = 1; i < NF; i++) if ($i == "packets") p = $(i + 1)
			r = $NF; gsub(/"/, "", r); n[r] += p
		}
		END { for (r in n) if (n[r] > 0) print r, n[r] }' | sort -n
}

# one SEED: 0 if ndvmfw and nftables agree, 2 if the rule set is not
# valid (fwgen may combine clauses that conflict), 3 if only the
# delivered packets differ (every rule counter agrees), 1 otherwise
one() {
	fwgen "$1" "$PKTS" $D ${2:-} || return 1
	$FWCTL check $D/rules >/dev/null 2>&1 || return 2
	# nft would log every packet of a "log" rule: its counters suffice
	$FWCTL translate $D/rules | sed 's/log prefix "ndvmfw: " //' >$D/nft ||
		return 1
	$FWCTL load $D/rules || return 1
	run ndvmfw
	ndvmfw_counts >$D/ndvmfw.cnt
	bad=$(status_field malformed-packets)
	nbad=$(grep -c . $D/bad.pkts)
	guest g1 fwpkt batch eth0 "$M1" $D/bad.pkts
	sleep 0.2
	badnow=$(status_field malformed-packets)
	$FWCTL load "$ACCEPT" || return 1
	nft -f $D/nft || return 1
	run nft
	nft_counts >$D/nft.cnt
	nft_clean
	pkts=$((pkts + $(cat $D/g1.pkts $D/g2.pkts | grep -c .)))
	delivered=$((delivered + $(grep -c . $D/ndvmfw.got)))
	counted=$((counted + $(awk '{ n += $2 } END { print n + 0 }' $D/ndvmfw.cnt)))
	_ok=0
	if ! cmp -s $D/ndvmfw.got $D/nft.got; then
		log "seed $1: delivered packets differ (- ndvmfw, + nft; the runs took $(cat $D/ndvmfw.secs) and $(cat $D/nft.secs) s):"
		diff -u $D/ndvmfw.got $D/nft.got | sed -n 's/^[-+][^-+]/#   &/p' | head -20
		# which guest sent them, and where in its sequence they were
		for g in g1 g2; do
			diff -u $D/ndvmfw.got $D/nft.got | sed -n 's/^[-+]\([0-9]\)/\1/p' |
				awk -v g=$g 'NR == FNR { miss[$1] = 1; next }
					{ n++ } $2 in miss { k++; if (!f) f = n; l = n }
					END { if (k) printf "#   %s: %d of the %d it sent, from its packet %d to its packet %d\n", g, k, n, f, l }' \
					- $D/$g.pkts
		done
		_ok=3
	fi
	if ! cmp -s $D/ndvmfw.cnt $D/nft.cnt; then
		log "seed $1: rule counters differ (- ndvmfw, + nft):"
		diff -u $D/ndvmfw.cnt $D/nft.cnt | sed -n 's/^[-+][^-+]/#   &/p'
		_ok=1
	fi
	if [ "$badnow" -ne $((bad + nbad)) ]; then
		log "seed $1: $nbad malformed packets, malformed-packets $bad -> $badnow"
		_ok=1
	fi
	if [ $_ok != 0 ]; then
		log "seed $1: rules:"
		sed 's/^/#   /' $D/rules
		log "seed $1: packets conntrack dropped so far: $(conntrack -S 2>/dev/null | grep -o ' drop=[0-9]*' | awk -F= '{ n += $2 } END { print n + 0 }')"
	fi
	return $_ok
}

skipped=0 pkts=0 agreed=0 disagreed=0 delivered=0 counted=0 again=0
backlog_reruns=0 recv_reruns=0
SEEDS=$(sed 's/#.*//' /tests/diff.regress 2>/dev/null)
i=1
while [ $i -le "$SETS" ]; do
	SEEDS="$SEEDS $((SEED + i))"
	i=$((i + 1))
done
[ "$BULK" -gt 0 ] && SEEDS="$SEEDS $SEED:$BULK"
for s in $SEEDS; do
	b=
	case $s in *:*) b=${s#*:} s=${s%:*} ;; esac
	[ -n "$b" ] && log "seed $s with $b more rules: $(date +%T) start"
	sv_pkts=$pkts sv_delivered=$delivered sv_counted=$counted
	one "$s" $b
	r=$?
	# Same verdicts (rule counters), different packets at the uplink: a
	# frame lost in the harness on a loaded machine, or a real difference
	# after the rules. Run the seed once more: a real one repeats.
	if [ $r = 3 ]; then
		log "seed $s: run again"
		pkts=$sv_pkts delivered=$sv_delivered counted=$sv_counted
		one "$s" $b
		r=$?
		[ $r = 0 ] && again=$((again + 1))
	fi
	case $r in
	0) agreed=$((agreed + 1)) ;;
	2) skipped=$((skipped + 1)) ;;
	*)
		disagreed=$((disagreed + 1))
		ret=$KSFT_FAIL
		;;
	esac
	[ -n "$b" ] && log "seed $s with $b more rules: $(date +%T) end, rc $r (0: agreed);" \
		"$(grep -c . $D/ndvmfw.got) packets delivered, $(grep -c . $D/ndvmfw.cnt) rules counted" \
		"packets, the last of them rule $(sort -n $D/ndvmfw.cnt | tail -1 | cut -d' ' -f1)" |
		tee /dev/console
	n=$((agreed + disagreed + skipped))
	if [ $((n % 50)) = 0 ]; then
		# also on the console at once: a long run shows its progress
		log "after $n rule sets: $agreed agreed ($again on a second run), $disagreed disagreed, $skipped skipped; $pkts packets; runs repeated: $recv_reruns receiver, $backlog_reruns backlog" |
			tee /dev/console
	fi
done
log "differential: $agreed rule sets agreed ($again on a second run), $disagreed disagreed, $skipped skipped; $pkts packets, $delivered delivered, $counted counted by rules; runs repeated: $recv_reruns for the receiver, $backlog_reruns for a full receive backlog"
# A run where nothing passes or nothing matches a rule would prove nothing.
[ "$agreed" -gt 0 ] && [ "$delivered" -gt 0 ] && [ "$counted" -gt 0 ] ||
	ret=$KSFT_FAIL
exit $ret
