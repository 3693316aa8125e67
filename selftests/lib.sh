# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the ndvmfw VM tests (kselftest conventions: exit 0
# pass, 1 fail, 4 skip). Sourced by each test; runs inside the test VM as
# root, in the initial network namespace, which plays the NDVM.
#
#   ns g1                    NDVM (init_net)                  ns up
#   eth0 10.137.0.5 ---- vif1.0 10.137.0.1    uplink0 192.0.2.1 ---- eth0 192.0.2.2
#        fd00:1::5              fd00:1::1             2001:db8:99::1          2001:db8:99::2
#   ns g2
#   eth0 10.137.1.5 ---- vif2.0 10.137.1.1
#        fd00:2::5              fd00:2::1
#
# The NDVM routes between the guests and the uplink; ndvmfw filters there.

# Helpers keep their variables to names starting with "_", free for tests.

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
	_desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		log "ok: $_desc"
	else
		fail "$_desc"
		sed 's/^/#   /' /tmp/check.out
	fi
}

# check_not DESC CMD...: CMD must fail
check_not() {
	_desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		fail "$_desc"
		sed 's/^/#   /' /tmp/check.out
	else
		log "ok: $_desc"
	fi
}

mod_loaded() { grep -q '^ndvmfw ' /proc/modules; }

# ndvmfw needs nf_conntrack ("state"), nf_nat ("masquerade") and
# nf_reject_ipv4/6 ("reject");
# insmod does not load them
mod_load() {
	for _m in nf_conntrack nf_nat nf_reject_ipv4 nf_reject_ipv6; do
		modprobe "$_m"
	done
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
	_ns=$1
	shift
	$IP netns exec "$_ns" "$@"
}

# veth_ns HOSTIF NS ADDR4 HOSTADDR4 ADDR6 HOSTADDR6 [MAC]
# (MAC: the namespace end's address). No duplicate address detection: under TCG it keeps link-local addresses
# tentative long enough for the first IPv6 probe of a test to time out.
veth_ns() {
	$IP netns add "$2"
	$IP netns exec "$2" sh -c \
		'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
	$IP link add "$1" type veth peer name eth0 ${7:+address "$7"} netns "$2"
	$IP addr add "$4/24" dev "$1"
	$IP addr add "$6/64" dev "$1" nodad
	$IP link set "$1" up
	$IP -n "$2" link set lo up
	$IP -n "$2" addr add "$3/24" dev eth0
	$IP -n "$2" addr add "$5/64" dev eth0 nodad
	$IP -n "$2" link set eth0 up
}

topology_up() {
	echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
	veth_ns vif1.0 g1 10.137.0.5 10.137.0.1 fd00:1::5 fd00:1::1
	veth_ns vif2.0 g2 10.137.1.5 10.137.1.1 fd00:2::5 fd00:2::1
	veth_ns uplink0 up 192.0.2.2 192.0.2.1 2001:db8:99::2 2001:db8:99::1
	for _g in g1 g2; do
		_gw=$($IP -4 addr show dev "vif${_g#g}.0" | sed -n 's/.*inet \([0-9.]*\)\/.*/\1/p')
		$IP -n "$_g" route add default via "$_gw"
		$IP -n "$_g" -6 route add default via "fd00:${_g#g}::1"
	done
	$IP -n up route add 10.137.0.0/16 via 192.0.2.1
	$IP -n up -6 route add fd00::/16 via 2001:db8:99::1
	echo 1 >/proc/sys/net/ipv4/ip_forward
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
}

topology_down() {
	for _pid in $SERVERS; do
		kill "$_pid" 2>/dev/null
	done
	SERVERS=""
	# Namespaces are dismantled asynchronously; delete the veths here so
	# that the next test can create them again at once.
	for _dev in vif1.0 vif2.0 uplink0 br0 wan0; do
		$IP link del "$_dev" 2>/dev/null
	done
	for _ns in g1 g2 up wan; do
		$IP netns del "$_ns" 2>/dev/null
	done
	true
}

# The bridged NDVM: guest 1 and the uplink on one segment, br0's ports.
#
#   ns g1                    NDVM: br0 10.0.0.1                ns up
#   eth0 10.0.0.5 ------ vif1.0 ---- br0 ---- uplink0 ------ eth0 10.0.0.2
#        fd00:b::5                    fd00:b::1                   fd00:b::2
bridge_up() {
	echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
	$IP link add br0 type bridge
	for _p in "vif1.0 g1 5" "uplink0 up 2"; do
		set -- $_p
		$IP netns add "$2"
		$IP netns exec "$2" sh -c \
			'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
		$IP link add "$1" type veth peer name eth0 ${7:+address "$7"} netns "$2"
		$IP link set "$1" master br0 up
		$IP -n "$2" link set lo up
		$IP -n "$2" addr add "10.0.0.$3/24" dev eth0
		$IP -n "$2" addr add "fd00:b::$3/64" dev eth0 nodad
		$IP -n "$2" link set eth0 up
	done
	$IP addr add 10.0.0.1/24 dev br0
	$IP addr add fd00:b::1/64 dev br0 nodad
	$IP link set br0 up
}

# bridge_setup [MODULE PARAMETERS]: like ndvm_setup, bridged
bridge_setup() {
	trap ndvm_cleanup EXIT
	mod_unload
	bridge_up
	mod_load "$@"
}

# nft_clean: remove what "fwctl translate" output loaded into nftables
nft_clean() {
	nft delete table inet ndvmfw 2>/dev/null
	nft delete table bridge ndvmfw 2>/dev/null
	nft delete table netdev ndvmfw 2>/dev/null
	return 0
}

ndvm_cleanup() {
	nft_clean
	topology_down
	mod_unload
}

# ndvm_setup [MODULE PARAMETERS]: the topology and a freshly loaded
# module, both removed when the test exits.
ndvm_setup() {
	trap ndvm_cleanup EXIT
	mod_unload
	topology_up
	mod_load "$@"
}

# timed_load DESC FILE: check that FILE loads, log how long it took
timed_load() {
	_t0=$(cut -d' ' -f1 /proc/uptime)
	check "$1" $FWCTL load "$2"
	log "load took $(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s (TCG)"
}

# serve NS tcp|udp PORT: echo server in a namespace, killed on cleanup
serve() {
	$IP netns exec "$1" fwnet serve "$2" "$3" &
	SERVERS="$SERVERS $!"
}

# probe NS tcp|udp ADDR PORT [fwnet options]
probe() {
	_ns=$1
	shift
	$IP netns exec "$_ns" fwnet probe "$@" -t 700
}

ping_from() {
	_ns=$1 _addr=$2
	case $_addr in
	*:*) $IP netns exec "$_ns" ping6 -c 1 -W 1 "$_addr" ;;
	*) $IP netns exec "$_ns" ping -c 1 -W 1 "$_addr" ;;
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

# The rules the crafted-packet tests start from: ND, and UDP and TCP port
# 7 from guest 1 to the uplink.
port7_rules() {
	cat <<'EOR'
policy drop
accept family ip6 proto icmpv6 icmp-type { nd-neighbor-solicit, nd-neighbor-advert }
accept in vif1.0 out uplink0 proto udp to any port 7
accept in vif1.0 out uplink0 proto tcp to any port 7
EOR
}

wait_servers() {
	sleep 0.3
}

# ---- crafted packets (selftests/tools/fwpkt.c) ----

# pkt NS NDVMIF [fwpkt send options]: a raw frame from NS's eth0 to the
# NDVM's interface NDVMIF; NDVMIF NS:IF names another namespace's
# interface (a bridged peer)
pkt() {
	_ns=$1 _to=$2
	shift 2
	case $_to in
	*:*) _mac=$(guest "${_to%%:*}" cat "/sys/class/net/${_to#*:}/address") ;;
	*) _mac=$(cat "/sys/class/net/$_to/address") ;;
	esac
	guest "$_ns" fwpkt send eth0 "$_mac" "$@"
}

# backlog_drops: frames the per-CPU receive backlogs refused so far, being
# full (netdev_max_backlog; /proc/net/softnet_stat, column 2). veth hands
# each frame it sends to its peer's backlog: a guest's frames on their way
# to the NDVM, and the NDVM's on their way to the uplink namespace, after
# the rules.
backlog_drops() {
	_n=0
	while read -r _c1 _c2 _rest; do
		_n=$((_n + 0x$_c2))
	done </proc/net/softnet_stat
	echo $_n
}

# recv_begin NS [MS [END]]: record which marked packets NS receives until
# recv_end (2 s after it is called: neighbour discovery may still hold the
# first packet), at most MS ms (default 60000), or until packet END
# arrives (not reported; send it last, an allowed one). No fixed window: a
# loaded machine sends slowly, and a window that closed before the last
# packet would lose it. got ID asks.
recv_begin() {
	# not through guest(): the background process must be fwpkt itself
	# (ip netns exec execs it), for recv_end to stop it. The file goes
	# first: the background child truncates it only once it runs, and
	# the last receiver's "ready" would let the senders start too soon.
	rm -f /tmp/recv.out
	$IP netns exec "$1" fwpkt recv -t "${2:-60000}" ${3:+-u "$3"} \
		>/tmp/recv.out &
	_recv_pid=$!
	recv_wait /tmp/recv.out
}

# recv_wait FILE: until the receiver writing FILE listens (its "ready");
# not a fixed wait: a loaded machine may take seconds to start it. FILE
# must have been removed before the receiver was started.
recv_wait() {
	_i=0
	until grep -q ready "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { fail "the receiver ($1) did not start"; return 1; }
		sleep 0.1
	done
}

recv_end() {
	sleep 2
	kill "$_recv_pid" 2>/dev/null
	wait "$_recv_pid"
	log "received: $(sed -n 's/^id //p' /tmp/recv.out | tr '\n' ' ')"
}

got() {
	grep -qx "id $1" /tmp/recv.out
}

# counter_moved NAME BEFORE [BY]: the `fwctl status` counter NAME is now
# BEFORE + BY (default: above BEFORE)
counter_moved() {
	_now=$(status_field "$1")
	if [ -n "$3" ]; then
		[ "$_now" -eq $(($2 + $3)) ]
	else
		[ "$_now" -gt "$2" ]
	fi
}
