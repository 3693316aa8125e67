#!/bin/sh
# vm-init.sh - the in-VM part of `make bench-vm` (bench/vm.sh): packets per
# second through ndvmfw, nftables and iptables-legacy at the same hook, in
# one boot, in interleaved rounds.
#
# Not called by hand: bench/vm.sh installs it as /tests/run.sh of the test
# VM's initramfs (selftests/vm/init.sh runs it) with the rule files of
# bench/vm.sh in /bench and ndvmfw.ko in /lib/ndvmfw. Knobs on the kernel
# command line (commas for spaces):
#   bench.sizes=100,1000   rule set sizes N
#   bench.rounds=3         rounds; each round measures every configuration once
#   bench.secs=10          seconds of traffic per measurement
#   bench.configs=LIST     of none, drop, ingress, nft-linear, nft-set,
#                          iptables, ndvmfw (default all)
#   bench.loadmax=300      seconds a rule set may take to load; a configuration
#                          whose load fails or takes longer is skipped (an nft
#                          load inside the kernel cannot be interrupted: this
#                          limit is checked after it returns)
#   bench.maxn=CFG:N,...   largest N to measure for CFG (e.g. nft-set:10000)
#   bench.perf=1           profile each measurement: perf record -a -e
#                          cpu-clock while the traffic runs, then the top
#                          symbols as "PERF cfg=C n=N round=R" lines
#
# Traffic: pktgen in `xmit_mode netif_receive` (set before `burst`: veth has
# no IFF_TX_SKB_SHARING) injects 60-byte IPv4 UDP frames into veth_a's
# receive path, to veth_a's address 10.0.0.1 and MAC, source addresses
# random in 10.1.0.1-10.1.255.254, source ports random in 1024-65000,
# destination ports random in 1-50000, burst 32 (each skb goes up the stack
# 32 times). IPv6 is off on every interface (no stray ND packets). pktgen
# runs the receive path synchronously, so its own rate (packets / its
# elapsed time) is the rate the configuration sustains; the configuration's
# own drop counter is read too, as a check.
#
# Configurations (each alone while measured; all judge at IPv4 LOCAL_IN,
# filter priority 0, except none and ingress):
#   none        nothing loaded: the stack up to UDP (no socket: Udp NoPorts)
#   drop        nft `table ip`, input chain, `counter drop`: the baseline
#   ingress     nft netdev ingress chain on veth_a, `counter drop` (before IP)
#   nft-linear  the N rules of /bench/N.lin.nft, one nft rule each, then
#               `counter drop`
#   nft-set     /bench/N.set.nft: one rule, `ip saddr . udp dport @s accept`
#               on an interval (pipapo) set of the N pairs, then `counter drop`
#   iptables    /bench/N.ipt: iptables-legacy filter INPUT, N rules, then DROP
#   ndvmfw      insmod ndvmfw.ko, fwctl load /bench/N.rules (N rules, policy
#               drop), rmmod afterwards; N=0 is the empty rule set
# nft configurations are loaded once, each as its own `flags dormant` table
# (hooks not registered), and woken for their measurement only.
#
# Output: one line per measurement,
#   BENCH cfg=C n=N round=R usec=U sent=S pps=P cnt=D load=L
# (pps from pktgen, cnt the configuration's counter delta, L the load time
# in seconds, - when not loaded in that round), LOAD and SKIP lines, and
# INFO lines (kernel, CPU, lookup memory).
set -u

IP=/sbin/ip
B=/bench
PG=/proc/net/pktgen
DEV=veth_a
SIZES="100 1000" ROUNDS=3 SECS=10 LOADMAX=300 MAXN="" PERF=0
CONFIGS="none drop ingress nft-linear nft-set iptables ndvmfw"
SKIPPED=""

up() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(up)" 'BEGIN { printf "%.2f", b - a }'; }
log() { echo "# [$(up)] $*"; }

parse_cmdline() {
	local arg
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case $arg in
		bench.sizes=*) SIZES=$(echo "${arg#*=}" | tr , ' ') ;;
		bench.rounds=*) ROUNDS=${arg#*=} ;;
		bench.secs=*) SECS=${arg#*=} ;;
		bench.configs=*) CONFIGS=$(echo "${arg#*=}" | tr , ' ') ;;
		bench.loadmax=*) LOADMAX=${arg#*=} ;;
		bench.maxn=*) MAXN=$(echo "${arg#*=}" | tr , ' ') ;;
		bench.perf=*) PERF=${arg#*=} ;;
		esac
	done
}

setup_modules() {
	local m
	for m in veth pktgen nf_tables nft_objref x_tables ip_tables xt_tcpudp \
		nf_conntrack nf_nat nf_reject_ipv4 nf_reject_ipv6 nf_defrag_ipv4 nf_defrag_ipv6; do
		modprobe "$m" || log "modprobe $m failed"
	done
}

setup_net() {
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
	echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
	$IP link add $DEV type veth peer name veth_b || return 1
	echo 1 >/proc/sys/net/ipv6/conf/$DEV/disable_ipv6
	echo 1 >/proc/sys/net/ipv6/conf/veth_b/disable_ipv6
	$IP link set veth_b up && $IP link set $DEV up &&
		$IP addr add 10.0.0.1/24 dev $DEV &&
		$IP route add 10.1.0.0/16 dev $DEV || return 1
	sleep 1
}

pg() {
	echo "$1" >$PG/$DEV
	grep -q 'Result: OK' $PG/$DEV || { log "pktgen '$1': $(grep Result: $PG/$DEV)"; return 1; }
}

setup_pktgen() {
	echo rem_device_all >$PG/kpktgend_0
	echo "add_device $DEV" >$PG/kpktgend_0
	pg "count 0" && pg "clone_skb 0" && pg "pkt_size 60" &&
		pg "xmit_mode netif_receive" && pg "burst 32" &&
		pg "dst 10.0.0.1" && pg "dst_mac $(cat /sys/class/net/$DEV/address)" &&
		pg "src_min 10.1.0.1" && pg "src_max 10.1.255.254" && pg "flag IPSRC_RND" &&
		pg "udp_src_min 1024" && pg "udp_src_max 65000" && pg "flag UDPSRC_RND" &&
		pg "udp_dst_min 1" && pg "udp_dst_max 50000" && pg "flag UDPDST_RND"
}

# timed_load NAME CMD...: run CMD under bench.loadmax; LOAD_S = seconds taken
timed_load() {
	local name=$1 t0 rc
	shift
	t0=$(up)
	timeout "$LOADMAX" "$@" >/tmp/load.out 2>&1
	rc=$?
	LOAD_S=$(since "$t0")
	[ $rc = 0 ] && awk -v l="$LOAD_S" -v m="$LOADMAX" 'BEGIN { exit !(l > m) }' &&
		echo "load took longer than $LOADMAX s" >/tmp/load.out && rc=124
	if [ $rc != 0 ]; then
		echo "SKIP $name: load failed (rc=$rc) after $LOAD_S s: $(head -c 300 /tmp/load.out | tr '\n' ' ')"
		SKIPPED="$SKIPPED $name "
		return 1
	fi
	echo "LOAD $name $LOAD_S"
}

skipped() { case $SKIPPED in *" $1 "*) return 0 ;; esac; return 1; }

# Fixed nft tables: drop (input) and ingress (netdev), both dormant.
write_fixed() {
	cat >/tmp/drop.nft <<-EOF
	table ip t_drop {
		flags dormant
		counter fin { }
		chain input { type filter hook input priority 0; counter name "fin" drop; }
	}
	EOF
	cat >/tmp/ingress.nft <<-EOF
	table netdev t_ingress {
		flags dormant
		counter fin { }
		chain ingress { type filter hook ingress device "$DEV" priority 0; counter name "fin" drop; }
	}
	EOF
}

# maxn CFG: the largest N to measure for CFG (bench.maxn), or nothing
maxn() {
	local m
	for m in $MAXN; do [ "${m%:*}" = "$1" ] && echo "${m#*:}"; done
}

# The item list of one round: CFG:N words, in a fixed order.
items() {
	local c n max
	for c in $CONFIGS; do
		max=$(maxn "$c")
		case $c in
		none | drop | ingress) echo "$c:0" ;;
		ndvmfw) echo "ndvmfw:0" ;;
		esac
		case $c in none | drop | ingress) continue ;; esac
		for n in $SIZES; do
			[ -n "$max" ] && [ "$n" -gt "$max" ] && continue
			echo "$c:$n"
		done
	done
}

report_maxn() {
	local c n max
	for c in $CONFIGS; do
		max=$(maxn "$c")
		for n in $SIZES; do
			[ -n "$max" ] && [ "$n" -gt "$max" ] &&
				echo "SKIP $c:$n: above bench.maxn ($c:$max), not loaded"
		done
	done
}

table_of() {
	case $1 in
	drop | ingress) echo "t_$1" ;;
	nft-linear) echo "l$2" ;;
	nft-set) echo "s$2" ;;
	esac
}

family_of() { if [ "$1" = ingress ]; then echo netdev; else echo ip; fi; }

load_nft() {
	local it c n f
	for it in $(items); do
		c=${it%:*} n=${it#*:}
		case $c in
		drop | ingress) f=/tmp/$c.nft ;;
		nft-linear) f=$B/$n.lin.nft ;;
		nft-set) f=$B/$n.set.nft ;;
		*) continue ;;
		esac
		timed_load "$it" nft -f "$f"
	done
}

udp_noports() { awk '/^Udp:/ { if (++n == 2) print $3 }' /proc/net/snmp; }

# counter CFG N: the packets the configuration's final drop has counted;
# for nft since the last call: `nft reset counter` reads the named counter
# and zeroes it (`nft list counter` would fetch every table's rules first,
# which takes minutes under TCG with the 100k-rule chain loaded)
counter() {
	case $1 in
	none) udp_noports ;;
	iptables) iptables-legacy -t filter -L INPUT $(($2 + 1)) -vxn | awk '{ print $1 }' ;;
	ndvmfw) fwctl status | sed -n 's/^policy-packets: //p' ;;
	*) nft reset counter "$(family_of "$1")" "$(table_of "$1" "$2")" fin |
		sed -n 's/.*packets \([0-9]*\).*/\1/p' ;;
	esac
}

resets() { case $1 in none | iptables | ndvmfw) return 1 ;; esac; }

# activate CFG N: load (ndvmfw, iptables) or wake (nft) the configuration;
# LOAD_S is its load time or -.
activate() {
	LOAD_S=-
	case $1 in
	none) ;;
	iptables)
		timed_load "$1:$2" iptables-legacy-restore "$B/$2.ipt" ;;
	ndvmfw)
		insmod /lib/ndvmfw/ndvmfw.ko || return 1
		timed_load "$1:$2" fwctl load "$B/$2.rules" || { rmmod ndvmfw; return 1; }
		log "ndvmfw:$2 $(fwctl status | grep -E '^(rules|lookup-bytes|lookup-nodes):' | tr '\n' ' ')" ;;
	*)
		nft add table "$(family_of "$1")" "$(table_of "$1" "$2")" ;;
	esac
}

deactivate() {
	case $1 in
	none) ;;
	iptables)
		iptables-legacy -t filter -F INPUT
		rmmod iptable_filter || log "rmmod iptable_filter failed" ;;
	ndvmfw)
		rmmod ndvmfw || log "rmmod ndvmfw failed" ;;
	*)
		nft add table "$(family_of "$1")" "$(table_of "$1" "$2")" '{ flags dormant; }' ;;
	esac
}

# profile TAG: the symbols with at least 0.5 % of the samples of the last
# measurement, as "PERF TAG PERCENT SYMBOL" lines
profile() {
	perf report -q -i /tmp/perf.data --stdio --no-children --sort sym \
		--percent-limit 0.5 2>/dev/null |
		awk -v t="$1" 'NF >= 3 { sub(/^ */, ""); print "PERF " t " " $0 }'
	rm -f /tmp/perf.data
}

# measure CFG N ROUND
measure() {
	local c=$1 n=$2 r=$3 c0 c1 res usec sent pps
	skipped "$c:$n" && return 0
	activate "$c" "$n" || return 0
	c0=$(counter "$c" "$n")
	echo start >$PG/pgctrl &
	if [ "$PERF" = 1 ]; then
		perf record -q -a -e cpu-clock -o /tmp/perf.data -- sleep "$SECS" 2>/dev/null
	else
		sleep "$SECS"
	fi
	echo stop >$PG/pgctrl
	wait
	[ "$PERF" = 1 ] && profile "cfg=$c n=$n round=$r"
	c1=$(counter "$c" "$n")
	resets "$c" && c0=0
	res=$(grep -A1 'Result:' $PG/$DEV | tr '\n' ' ')
	usec=$(echo "$res" | sed -n 's/.*Result: OK: \([0-9]*\)(.*/\1/p')
	sent=$(echo "$res" | sed -n 's/.*usec, \([0-9]*\) (.*/\1/p')
	pps=$(echo "$res" | sed -n 's/.* \([0-9]*\)pps.*/\1/p')
	[ -n "$usec" ] || log "pktgen result: $res"
	echo "BENCH cfg=$c n=$n round=$r usec=${usec:-0} sent=${sent:-0} pps=${pps:-0} cnt=$((${c1:-0} - ${c0:-0})) load=$LOAD_S"
	# where packets went that the policy did not count: the rules that matched
	[ "$c" = ndvmfw ] && [ "$((${c1:-0} - ${c0:-0}))" != "${sent:-0}" ] &&
		fwctl stats | awk '$2 == "packets" && $3 > 0 || NF == 2 && $2 > 0' |
		head -n 12 | sed "s/^/# ndvmfw:$n round $r stats: /"
	deactivate "$c" "$n"
}

main() {
	local r it
	parse_cmdline
	echo "INFO kernel $(uname -r)"
	echo "INFO cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) x $(grep -c ^processor /proc/cpuinfo)"
	echo "INFO sizes=$SIZES rounds=$ROUNDS secs=$SECS configs=$CONFIGS loadmax=$LOADMAX maxn=$MAXN"
	report_maxn
	setup_modules
	setup_net || { log "network setup failed"; return 1; }
	setup_pktgen || return 1
	write_fixed
	load_nft
	for r in $(seq 1 "$ROUNDS"); do
		log "round $r"
		for it in $(items); do
			measure "${it%:*}" "${it#*:}" "$r"
		done
	done
	log "done"
}

main
