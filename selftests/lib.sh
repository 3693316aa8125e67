# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the ndvmfw VM tests (kselftest conventions: exit 0
# pass, 1 fail, 4 skip). Sourced by each test; runs inside the test VM as
# root, in the initial network namespace, which plays the NDVM.
#
#   ns g1                    NDVM (init_net)                  ns up
#   eth0 10.137.0.5 ---- vif1.0 10.137.0.1    uplink0 192.0.2.1 ---- eth0 192.0.2.2
#        fd00:1::5              fd00:1::1             fd00:99::1          fd00:99::2
#   ns g2
#   eth0 10.137.1.5 ---- vif2.0 10.137.1.1
#        fd00:2::5              fd00:2::1
#
# The NDVM routes between the guests and the uplink; ndvmfw filters there.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

IP=/sbin/ip
FWCTL=${FWCTL:-fwctl}
MODULE=${MODULE:-/lib/ndvmfw/ndvmfw.ko}
RULES=${RULES:-/rules}
ret=$KSFT_PASS
SERVERS=""

log() { echo "# $*"; }

fail() {
	echo "# FAIL: $*"
	ret=$KSFT_FAIL
}

# check DESC CMD...: CMD must succeed
check() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		log "ok: $desc"
	else
		fail "$desc"
		sed 's/^/#   /' /tmp/check.out
	fi
}

# check_not DESC CMD...: CMD must fail
check_not() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		fail "$desc"
		sed 's/^/#   /' /tmp/check.out
	else
		log "ok: $desc"
	fi
}

mod_loaded() { grep -q '^ndvmfw ' /proc/modules; }

mod_load() {
	mod_loaded || insmod "$MODULE" "$@"
}

mod_unload() {
	! mod_loaded || rmmod ndvmfw
}

# status_field KEY: one value from `fwctl status`
status_field() {
	$FWCTL status | sed -n "s/^$1: //p"
}

# rule_packets N: packets counted by rule N (1-based), from `fwctl stats`
rule_packets() {
	$FWCTL stats | awk -v n="$1" '$1 == n && $2 == "packets" { print $3 }'
}

policy_packets() {
	$FWCTL stats | awk '$1 == "policy" { print $3 }'
}

guest() {
	g=$1
	shift
	$IP netns exec "$g" "$@"
}

veth_ns() {
	host_if=$1 ns=$2 a4=$3 h4=$4 a6=$5 h6=$6
	$IP netns add "$ns"
	$IP link add "$host_if" type veth peer name eth0 netns "$ns"
	$IP addr add "$h4/24" dev "$host_if"
	$IP addr add "$h6/64" dev "$host_if" nodad
	$IP link set "$host_if" up
	$IP -n "$ns" link set lo up
	$IP -n "$ns" addr add "$a4/24" dev eth0
	$IP -n "$ns" addr add "$a6/64" dev eth0 nodad
	$IP -n "$ns" link set eth0 up
}

topology_up() {
	veth_ns vif1.0 g1 10.137.0.5 10.137.0.1 fd00:1::5 fd00:1::1
	veth_ns vif2.0 g2 10.137.1.5 10.137.1.1 fd00:2::5 fd00:2::1
	veth_ns uplink0 up 192.0.2.2 192.0.2.1 fd00:99::2 fd00:99::1
	for g in g1 g2; do
		gw=$($IP -4 addr show dev "vif${g#g}.0" | sed -n 's/.*inet \([0-9.]*\)\/.*/\1/p')
		$IP -n "$g" route add default via "$gw"
		$IP -n "$g" -6 route add default via "fd00:${g#g}::1"
	done
	$IP -n up route add 10.137.0.0/16 via 192.0.2.1
	$IP -n up -6 route add fd00::/16 via fd00:99::1
	echo 1 >/proc/sys/net/ipv4/ip_forward
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
}

topology_down() {
	for s in $SERVERS; do
		kill "$s" 2>/dev/null
	done
	for ns in g1 g2 up; do
		$IP netns del "$ns" 2>/dev/null
	done
	true
}

# serve NS tcp|udp PORT: echo server in a namespace, killed on cleanup
serve() {
	$IP netns exec "$1" fwnet serve "$2" "$3" &
	SERVERS="$SERVERS $!"
}

# probe NS tcp|udp ADDR PORT [fwnet options]
probe() {
	ns=$1
	shift
	$IP netns exec "$ns" fwnet probe "$@" -t 700
}

ping_from() {
	ns=$1 addr=$2
	case $addr in
	*:*) $IP netns exec "$ns" ping6 -c 1 -W 1 "$addr" ;;
	*) $IP netns exec "$ns" ping -c 1 -W 1 "$addr" ;;
	esac
}

# Write a rules file from stdin to /tmp/NAME.rules, print the path.
rules() {
	cat >"/tmp/$1.rules"
	echo "/tmp/$1.rules"
}

# The rules every traffic test starts from: ND and the test flows.
base_rules() {
	cat <<'EOR'
policy drop
set guests { 10.137.0.0/16, fd00::/16 }
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
EOR
}

wait_servers() {
	sleep 0.3
}
