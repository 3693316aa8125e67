#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dom0.sh - dom0 of the real-Xen test (selftests/xen/run.sh), stage 1:
# dom0 plays the NDVM. selftests/vm/init.sh runs it as the test
# (ndvmfw.test=/xen/dom0.sh on dom0's command line); TAP on hvc0, which
# Xen copies to the serial console.
#
#   dom0                                                   netns "up"
#   vif1.0 (netback) ---- br0 ---- up0 (veth) ------------ eth0 10.137.0.1
#     |                                                         fd00:1::1
#   guest: eth0 10.137.0.5, fd00:1::5, MAC 00:16:3e:00:00:05    MAC 02:00:0a:89:00:01
#
# Starts the Xen toolstack (xenstored, xen-init-dom0, xenconsoled), builds
# the topology, loads ndvmfw with /xen/stage1.rules, creates the guest
# with script=/bin/true (no userspace connects its vif: the rules'
# "hotplug" does), and checks, TAP:
#   - the rules load ("hotplug", "antispoof" need the kernel side);
#   - the vif is connected: backend state 4, hotplug-status connected,
#     the vif in br0, the guest's netfront state 4;
#   - the guest's allowed packets (guest.sh's ids 1, 5, 11) reach "up";
#   - its denied ones (2, 12) and spoofed ones (IP 3, IPv6 13, MAC 4) do
#     not, though a tap on the vif saw them leave the guest;
#   - `fwctl status` counts antispoof drops on the vif, and so does the
#     module in dom0's xenstore (data/ndvmfw/, xenstore_interval=1), next
#     to the rule set's digest;
#   - the hotplugged vif has a MAC of its own (fe:ff:ff:DD:DD:NN);
#   - xl destroy: the vif and its backend directory go, and fwctl status
#     no longer lists it.
# xentest.shell_hotplug=1 on the command line (XEN_SHELL_HOTPLUG=1 for
# run.sh): a shell loop connects the vif as a hotplug script would (link
# up, into br0, hotplug-status=connected) and the rules lose "hotplug".
# Prints the vif's xenstore keys, fwctl status and stats, and the guest's
# console as comments. Exit status 0 if all passed.
IP=/sbin/ip
FWCTL=fwctl
UPMAC=02:00:0a:89:00:01 # guest.sh sends to it
XENLIB=$(ls -d /usr/lib/xen-* | head -n 1)
PATH=$PATH:$XENLIB/bin
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:$XENLIB/lib/x86_64-linux-gnu
export PATH LD_LIBRARY_PATH
HOTPLUG_PID=""

log() { echo "# $*"; }
up() { cut -d' ' -f1 /proc/uptime; }

. /xen/tap.sh

# indent FILE [PREFIX]: a file as comments
indent() {
	sed "s/^/# ${2:-  }/" "$1"
}

# wait_for SECONDS CMD...: until CMD succeeds, every 0.5 s (each try
# starts processes: not too often under TCG, where dom0 and the guest
# share two host CPUs)
wait_for() {
	_n=$(($1 * 2))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.5
		_n=$((_n - 1))
	done
	return 1
}

cleanup() {
	[ -n "$HOTPLUG_PID" ] && kill "$HOTPLUG_PID" 2>/dev/null
	for _p in $(cat /tmp/*.pid 2>/dev/null); do
		kill "$_p" 2>/dev/null
	done
}

xen_up() {
	mkdir -p /var/lib/xen /var/lib/xenstored /var/log/xen/console \
		/var/lock /run/xen /run/xenstored /run/lock /proc/xen
	for _m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc \
		xen-netback bridge veth; do
		modprobe "$_m" || log "modprobe $_m failed"
	done
	mount -t xenfs xenfs /proc/xen
	xenstored --pid-file /run/xenstored.pid || return 1
	wait_for 10 test -S /run/xenstored/socket || return 1
	xen-init-dom0 >/tmp/xen-init-dom0.out 2>&1 ||
		{ indent /tmp/xen-init-dom0.out; return 1; }
	xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
		--log-dir=/var/log/xen/console
}

topology_up() {
	$IP link add br0 type bridge &&
		echo 0 >/sys/class/net/br0/bridge/forward_delay &&
		$IP netns add up &&
		$IP netns exec up sh -c 'echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad' &&
		$IP link add up0 type veth peer name eth0 netns up &&
		$IP -n up link set eth0 address "$UPMAC" &&
		$IP link set up0 master br0 up &&
		$IP link set br0 up &&
		$IP -n up link set lo up &&
		$IP -n up addr add 10.137.0.1/24 dev eth0 &&
		$IP -n up addr add fd00:1::1/64 dev eth0 nodad &&
		$IP -n up link set eth0 up
}

mod_load() {
	for _m in nf_conntrack nf_nat nf_reject_ipv4 nf_reject_ipv6; do
		modprobe "$_m" || return 1
	done
	modprobe ndvmfw xenstore_interval=1
}

# load_rules: the rules, the full file first; if fwctl cannot load it,
# the file without "hotplug" and "antispoof" so that the other checks
# still run
load_rules() {
	_r=/tmp/stage1.rules
	if [ "$SHELL_HOTPLUG" = 1 ]; then
		sed '/^hotplug /d' /xen/stage1.rules >$_r
	else
		cp /xen/stage1.rules $_r
	fi
	$FWCTL load $_r >/tmp/load.out 2>&1
	_rc=$?
	ok $_rc "fwctl load stage1.rules ($(grep -c -E '^(hotplug|antispoof) ' $_r) hotplug/antispoof lines)"
	[ $_rc = 0 ] && return 0
	indent /tmp/load.out
	sed '/^hotplug /d; /^antispoof /d' /xen/stage1.rules >$_r.fallback
	if $FWCTL load $_r.fallback >/tmp/load.out 2>&1; then
		log "loaded stage1.rules without its hotplug/antispoof lines instead"
	else
		indent /tmp/load.out
		log "the rules without hotplug/antispoof do not load either"
	fi
}

# shell_hotplug: what a vif hotplug script does, for the first vif
shell_hotplug() {
	wait_for 120 sh -c 'ls -d /sys/class/net/vif* >/dev/null 2>&1' || return 1
	for _v in /sys/class/net/vif*; do
		_v=${_v##*/}
		break
	done
	_d=${_v#vif}
	_bp=/local/domain/0/backend/vif/${_d%.*}/${_d#*.}
	$IP link set "$_v" up
	$IP link set "$_v" master br0
	xenstore-write "$_bp/hotplug-status" connected
	log "shell hotplug: $_v up, in br0, $_bp/hotplug-status=connected at $(up) s"
}

guest_cfg() {
	cat >/etc/xen/guest.cfg <<'EOF'
name = "guest"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/guest.gz"
extra = "console=hvc0 panic=-1 quiet ndvmfw.test=/xen/guest.sh"
memory = 128
vcpus = 1
vif = [ 'bridge=br0,mac=00:16:3e:00:00:05,ip=10.137.0.5 fd00:1::5,script=/bin/true' ]
on_crash = "destroy"
EOF
}

# recv NAME NETNS [fwpkt recv options]: record marked packets in
# /tmp/NAME.out (NETNS "-": dom0's); fwpkt itself is the background
# process (ip netns exec execs it), for cleanup to stop it
recv() {
	_name=$1 _ns=$2
	shift 2
	if [ "$_ns" = - ]; then
		fwpkt recv -t 300000 "$@" >"/tmp/$_name.out" 2>"/tmp/$_name.err" &
	else
		$IP netns exec "$_ns" fwpkt recv -t 300000 "$@" \
			>"/tmp/$_name.out" 2>"/tmp/$_name.err" &
	fi
	echo $! >"/tmp/$_name.pid"
	wait_for 5 grep -q ready "/tmp/$_name.out"
}

got() { grep -qx "id $2" "/tmp/$1.out"; }

# passes ID DESC / dropped ID DESC: what "up" received of guest.sh's
# packet ID; a drop only counts if the tap on the vif saw ID leave
passes() {
	got up "$1"
	ok $? "$2 reaches up (id $1)"
}

dropped() {
	if ! got vif "$1"; then
		ok 1 "$2 is dropped (id $1): the guest never sent it"
	else
		! got up "$1"
		ok $? "$2 is dropped (id $1)"
	fi
}

state_is() {
	[ "$(xenstore-read "$1/state" 2>/dev/null)" = "$2" ]
}

# frontend_ready FRONTEND: netfront is set up; it says Connected (4) as
# soon as the backend is in InitWait (2), before the backend connects
frontend_ready() {
	state_is "$1" 3 || state_is "$1" 4
}

# vif_connected BACKEND FRONTEND VIF: what a connected vif looks like
vif_connected() {
	state_is "$1" 4 && state_is "$2" 4 &&
		[ "$(xenstore-read "$1/hotplug-status" 2>/dev/null)" = connected ] &&
		[ -e "/sys/class/net/br0/brif/$3" ] &&
		[ "$(cat "/sys/class/net/$3/operstate")" = up ]
}

main() {
	SHELL_HOTPLUG=0
	grep -q 'xentest.shell_hotplug=1' /proc/cmdline && SHELL_HOTPLUG=1
	trap cleanup EXIT
	log "dom0 up at $(up) s, kernel $(uname -r), shell hotplug $SHELL_HOTPLUG"
	xen_up
	ok $? "Xen toolstack up (xenstored, xen-init-dom0, xenconsoled)"
	xl info | grep -E '^(xen_version|total_memory|free_memory|nr_cpus)' | sed 's/^/# xl info: /'
	topology_up
	ok $? "br0, up0 and namespace up"
	mod_load
	ok $? "load ndvmfw"
	load_rules
	# the receiver in up, before any packet can come
	recv up up || log "the receiver in up did not start"
	[ "$SHELL_HOTPLUG" = 1 ] && { shell_hotplug & HOTPLUG_PID=$!; }
	guest_cfg
	_t=$(up)
	xl -vvv create /etc/xen/guest.cfg >/tmp/xl-create.out 2>&1
	_rc=$?
	log "xl create from $_t s to $(up) s"
	ok $_rc "xl create guest (vif script=/bin/true)"
	[ $_rc = 0 ] || grep -i -E 'error|fail' /tmp/xl-create.out | head -n 20 | sed 's/^/#   /'
	D=$(xl domid guest 2>/dev/null)
	log "guest domid ${D:-none} at $(up) s"
	BP=/local/domain/0/backend/vif/$D/0
	FP=/local/domain/$D/device/vif/0
	VIF=vif$D.0
	wait_for 30 test -e "/sys/class/net/$VIF" && recv vif - -l "$VIF"
	# the guest's netfront set up, then the hotplug's turn
	wait_for 120 frontend_ready "$FP"
	log "guest netfront state $(xenstore-read "$FP/state" 2>&1) at $(up) s"
	wait_for 20 vif_connected "$BP" "$FP" "$VIF"
	_rc=$?
	ok $_rc "$VIF connected without a hotplug script (backend and frontend state 4, hotplug-status connected, in br0, up)"
	log "at $(up) s: backend state $(xenstore-read "$BP/state" 2>&1), frontend state $(xenstore-read "$FP/state" 2>&1), hotplug-status $(xenstore-read "$BP/hotplug-status" 2>&1), br0 ports: $(ls /sys/class/net/br0/brif | tr '\n' ' ')"
	log "xenstore $BP:"
	xenstore-ls -f "$BP" 2>&1 | sed 's/^/#   /'
	log "xenstore $FP:"
	xenstore-ls -f "$FP" 2>&1 | sed 's/^/#   /'
	# a round ends with id 1; two more rounds after the first one seen
	if [ $_rc = 0 ] && wait_for 60 got up 1; then
		log "id 1 reached up at $(up) s"
		sleep 5
	else
		log "id 1 did not reach up by $(up) s"
	fi
	log "vif tap saw: $(sed -n 's/^id //p' /tmp/vif.out 2>/dev/null | sort -un | tr '\n' ' ')"
	log "up received: $(sed -n 's/^id //p' /tmp/up.out | sort -un | tr '\n' ' ')"
	passes 1 "allowed tcp 10.137.0.5 -> 10.137.0.1 port 80"
	passes 5 "allowed icmp echo request 10.137.0.5 -> 10.137.0.1"
	passes 11 "allowed tcp fd00:1::5 -> fd00:1::1 port 80"
	dropped 2 "denied udp 10.137.0.5 -> 10.137.0.1 port 9"
	dropped 12 "denied udp fd00:1::5 -> fd00:1::1 port 9"
	dropped 3 "antispoof: tcp port 80 from spoofed source 10.137.0.66"
	dropped 13 "antispoof: tcp port 80 from spoofed source fd00:1::66"
	dropped 4 "antispoof: tcp port 80 from spoofed source MAC 00:16:3e:00:00:66"
	$FWCTL status >/tmp/status.out 2>&1
	# the drop counters on $VIF's line(s): "dropped N", "dropped-WHY=N"
	_n=$(grep -F "$VIF" /tmp/status.out |
		grep -o 'dropped[^ ]*[= ][0-9][0-9]*' | grep -o '[0-9]*$' |
		awk '{ n += $1 } END { if (NR) print n }')
	[ "${_n:-0}" -gt 0 ]
	ok $? "antispoof: fwctl status counts drops on $VIF (${_n:-no counter})"
	# the counters the module publishes in its own xenstore directory
	_xs=/local/domain/0/data/ndvmfw
	wait_for 5 sh -c "[ \"\$(xenstore-read $_xs/antispoof-dropped)\" -gt 0 ]"
	ok $? "xenstore $_xs/antispoof-dropped counts them ($(xenstore-read $_xs/antispoof-dropped 2>&1))"
	[ "$(xenstore-read $_xs/digest 2>&1)" = "$(sed -n 's/^digest: //p' /tmp/status.out)" ]
	ok $? "xenstore $_xs/digest is the rule set's ($(xenstore-read $_xs/digest 2>&1))"
	if [ "$SHELL_HOTPLUG" = 0 ]; then
		_mac=$(printf 'fe:ff:ff:%02x:%02x:00' $((D >> 8)) $((D & 255)))
		[ "$(cat /sys/class/net/$VIF/address)" = "$_mac" ]
		ok $? "$VIF has a MAC of its own, $_mac, not netback's fe:ff:ff:ff:ff:ff"
	fi
	log "fwctl status:"
	indent /tmp/status.out
	log "fwctl stats:"
	$FWCTL stats 2>&1 | sed 's/^/#   /'
	log "guest console:"
	indent /var/log/xen/console/guest-guest.log "guest| "
	# the guest goes: the vif and its backend directory go with it
	_t=$(up)
	xl destroy guest >/tmp/xl-destroy.out 2>&1
	ok $? "xl destroy guest (took $(awk -v a="$_t" -v b="$(up)" 'BEGIN { print b - a }') s)"
	wait_for 10 sh -c "! test -e /sys/class/net/$VIF && ! xenstore-read $BP/state >/dev/null 2>&1"
	ok $? "$VIF and $BP are gone"
	! $FWCTL status | grep -q "^link $VIF:"
	ok $? "fwctl status no longer lists $VIF"
	echo "1..$N"
	log "dom0 done at $(up) s: $FAILS of $N failed"
	[ "$FAILS" = 0 ]
}

main
