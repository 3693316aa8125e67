#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dom0.sh - dom0 of the real-Xen test (selftests/xen/run.sh). Stage 1:
# dom0 plays the NDVM; stage 2 (below): the NDVM is a driver domain of
# its own. selftests/vm/init.sh runs it as the test
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
# Stage 2, unless xentest.stage2=0 (XEN_STAGE2=0 for run.sh) or the image
# is missing: the NDVM is its own PV driver domain. dom0 loads
# /xen/stage2-dom0.rules (policy accept, "hotplug vif* bridge br0": it only
# connects the NDVM's uplink vif), puts the NDVM's rules medium
# (/boot/ndvm.sqfs: stage2.rules and stage2.net) on a read-only loop
# device, and creates "ndvm" (driver_domain=1) from the userspace-less
# image (/boot/ndvm.gz, PID 1 "fwctl boot") with the medium as a vbd
# (xen-blkback; /xen/block-min is its disk hotplug script), the rules'
# digest and xenstore_interval=1 on its command line; then "guest2",
# guest.sh again, whose vif has backend=ndvm and no script (libxl runs
# none for a driver domain's backend, and nothing in the NDVM could).
#
#   guest2 eth0 -- vifG.0 (netback in ndvm) -- br0 -- eth0 (netfront) ---
#   --- vifN.0 (netback in dom0) -- br0 -- up0 -- eth0 in "up"
#
# TAP, numbered on from stage 1:
#   - the NDVM is created and its console says "sealed digest=D rules=N"
#     with the digest of stage2.rules;
#   - dom0's vif for the NDVM's uplink is connected (dom0's ndvmfw);
#   - xl creates guest2 without running a hotplug script, and its vif,
#     backend in the NDVM, connects: backend state 4 under
#     /local/domain/NDVM/backend/vif/G/0, hotplug-status connected,
#     frontend state 4;
#   - the same flows as stage 1: allowed ones reach "up" through the NDVM,
#     denied and spoofed ones do not (no tap can watch the vif inside the
#     NDVM: a drop counts when id 1, which the guest sends last in the
#     same batch, arrived);
#   - the NDVM's own xenstore counters (data/ndvmfw/) show antispoof drops
#     and the sealed rule set's digest;
#   - xl destroy guest2 takes under DESTROY_MAX (8) s and libxl does not
#     time out waiting for the backend directory to go (the NDVM's ndvmfw
#     removes it, which xl devd would; without it xl destroy waits 10 s),
#     and the directory is gone.
# The NDVM's console and guest2's are printed as comments ("ndvm| ",
# "guest2| ").
#
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

# xl_create NAME WHAT: xl create /etc/xen/NAME.cfg as test WHAT; the
# domain's id in XL_DOMID, xl's output in /tmp/xl-NAME.out
xl_create() {
	_t=$(up)
	xl -vvv create "/etc/xen/$1.cfg" >"/tmp/xl-$1.out" 2>&1
	_rc=$?
	log "xl create $1 from $_t s to $(up) s"
	ok $_rc "$2"
	[ $_rc = 0 ] || grep -i -E 'error|fail' "/tmp/xl-$1.out" | head -n 20 | sed 's/^/#   /'
	XL_DOMID=$(xl domid "$1" 2>/dev/null)
	log "$1 domid ${XL_DOMID:-none} at $(up) s"
}

# check_flows RC PREFIX: unless RC (the vif's connection) failed, wait for
# the guest's rounds to reach $RX (a round ends with id 1; two more after
# the first one seen), then check each packet's verdict
check_flows() {
	if [ "$1" = 0 ] && wait_for 60 got "$RX" 1; then
		log "id 1 reached up at $(up) s"
		sleep 5
	else
		log "id 1 did not reach up by $(up) s"
	fi
	log "up received: $(sed -n 's/^id //p' "/tmp/$RX.out" | sort -un | tr '\n' ' ')"
	passes 1 "${2}allowed tcp 10.137.0.5 -> 10.137.0.1 port 80"
	passes 5 "${2}allowed icmp echo request 10.137.0.5 -> 10.137.0.1"
	passes 11 "${2}allowed tcp fd00:1::5 -> fd00:1::1 port 80"
	dropped 2 "${2}denied udp 10.137.0.5 -> 10.137.0.1 port 9"
	dropped 12 "${2}denied udp fd00:1::5 -> fd00:1::1 port 9"
	dropped 3 "${2}antispoof: tcp port 80 from spoofed source 10.137.0.66"
	dropped 13 "${2}antispoof: tcp port 80 from spoofed source fd00:1::66"
	dropped 4 "${2}antispoof: tcp port 80 from spoofed source MAC 00:16:3e:00:00:66"
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
# packet ID; a drop only counts if the tap on the vif saw ID leave.
# RX: the receiver in "up" (stage 1: up, stage 2: up2); WITNESS: the tap
# on the vif (stage 1: vif), or "" (stage 2: the vif is in the NDVM,
# where nothing runs; id 1 arriving, sent last in the guest's batch,
# stands witness for the batch)
RX=up
WITNESS=vif
passes() {
	got "$RX" "$1"
	ok $? "$2 reaches up (id $1)"
}

dropped() {
	if [ -n "$WITNESS" ] && ! got "$WITNESS" "$1"; then
		ok 1 "$2 is dropped (id $1): the guest never sent it"
	elif [ -z "$WITNESS" ] && ! got "$RX" 1; then
		ok 1 "$2 is dropped (id $1): no round of the guest arrived (id 1)"
	else
		! got "$RX" "$1"
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

stage1() {
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
	xl_create guest "xl create guest (vif script=/bin/true)"
	D=$XL_DOMID
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
	log "vif tap saw: $(sed -n 's/^id //p' /tmp/vif.out 2>/dev/null | sort -un | tr '\n' ' ')"
	check_flows $_rc ""
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
	log "stage 1 done at $(up) s: $FAILS of $N failed"
}

# ---- stage 2: the NDVM as its own driver domain ----

NDVM_MEM=128  # MiB; guest2 has guest.cfg's 128, stage 1's guest is gone
DESTROY_MAX=8 # seconds xl destroy guest2 may take (10 and a libxl timeout: nobody removed the backend)
NDVM_CON=/var/log/xen/console/guest-ndvm.log

# ndvm_cfg DIGEST LOOPDEV: the NDVM; its uplink vif to dom0 connected by
# dom0's ndvmfw, the rules medium a read-only vbd (xvda)
ndvm_cfg() {
	cat >/etc/xen/ndvm.cfg <<EOC
name = "ndvm"
type = "pv"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/ndvm.gz"
extra = "console=hvc0 panic=-1 quiet ndvmfw.digest=$1 ndvmfw.xenstore_interval=1 ndvm.medium=/dev/xvda ndvm.wait=60"
memory = $NDVM_MEM
vcpus = 1
driver_domain = 1
disk = [ 'format=raw,vdev=xvda,access=ro,backendtype=phy,script=/xen/block-min,target=$2' ]
vif = [ 'mac=00:16:3e:00:00:02,script=/bin/true' ]
on_crash = "destroy"
on_reboot = "destroy"
EOC
}

# guest2_cfg: guest.cfg with its vif in the NDVM, no script, no bridge
guest2_cfg() {
	sed -e 's/^name = .*/name = "guest2"/' \
		-e "s/^vif = .*/vif = [ 'backend=ndvm,mac=00:16:3e:00:00:05,ip=10.137.0.5 fd00:1::5' ]/" \
		/etc/xen/guest.cfg >/etc/xen/guest2.cfg
}

# stopped NAME: end the receiver of recv NAME
stopped() {
	[ -f "/tmp/$1.pid" ] && kill "$(cat "/tmp/$1.pid")" 2>/dev/null
	rm -f "/tmp/$1.pid"
}

# ndvm_said: the NDVM's fwctl boot printed its one line
ndvm_said() {
	grep -q -E 'sealed digest=|ndvm: FAILED' "$NDVM_CON" 2>/dev/null
}

# backend_connected BACKEND FRONTEND: a vif whose backend is in the NDVM
# (dom0 sees no interface for it)
backend_connected() {
	state_is "$1" 4 && state_is "$2" 4 &&
		[ "$(xenstore-read "$1/hotplug-status" 2>/dev/null)" = connected ]
}

# xs_positive KEY: a xenstore counter above 0
xs_positive() {
	[ "$(xenstore-read "$1" 2>/dev/null || echo 0)" -gt 0 ] 2>/dev/null
}

stage2() {
	log "stage 2 at $(up) s: the NDVM as a PV driver domain"
	stopped up
	stopped vif
	for _m in loop xen-blkback; do
		modprobe "$_m" || log "modprobe $_m failed"
	done
	_loop=$(losetup -f 2>/dev/null)
	[ -n "$_loop" ] && losetup -r "$_loop" /boot/ndvm.sqfs && chmod 755 /xen/block-min &&
		$FWCTL load /xen/stage2-dom0.rules >/tmp/load2.out 2>&1
	ok $? "dom0: stage2-dom0.rules loaded (policy accept, hotplug vif* bridge br0), the NDVM's medium on ${_loop:-no loop device}"
	indent /tmp/load2.out
	$FWCTL check /xen/stage2.rules >/tmp/check2.out 2>&1
	_dig=$(sed -n 's/^digest: //p' /tmp/check2.out)
	_nr=$(sed -n 's/^rules: //p' /tmp/check2.out)
	log "stage2.rules: digest ${_dig:-none}, $_nr rules"
	ndvm_cfg "$_dig" "$_loop"
	xl_create ndvm "xl create ndvm (driver_domain=1, the NDVM image, rules on a read-only vbd)"
	ND=$XL_DOMID
	wait_for 150 ndvm_said
	_line=$(grep -o -E 'sealed digest=[0-9a-f]* rules=[0-9]*|ndvm: FAILED.*' "$NDVM_CON" 2>/dev/null | head -n 1)
	log "NDVM console at $(up) s: ${_line:-nothing yet}"
	[ -n "$_dig" ] && [ "$_line" = "sealed digest=$_dig rules=$_nr" ]
	ok $? "NDVM sealed: its console says sealed digest=<stage2.rules's> rules=$_nr"
	# dom0's end of the NDVM's uplink: connected by dom0's ndvmfw
	wait_for 30 vif_connected "/local/domain/0/backend/vif/$ND/0" \
		"/local/domain/$ND/device/vif/0" "vif$ND.0"
	ok $? "dom0: the NDVM's uplink vif$ND.0 connected without a hotplug script (state 4, in br0, up)"
	recv up2 up || log "the receiver in up did not start"
	guest2_cfg
	_t=$(up)
	xl -vvv create /etc/xen/guest2.cfg >/tmp/xl-guest2.out 2>&1
	_rc=$?
	log "xl create guest2 from $_t s to $(up) s"
	grep -i -E 'driver domain|hotplug' /tmp/xl-guest2.out | sed 's/^/#   xl: /'
	[ $_rc = 0 ] && grep -q 'not executing hotplug scripts' /tmp/xl-guest2.out
	ok $? "xl create guest2 (vif backend=ndvm, no script: libxl runs none)"
	[ $_rc = 0 ] || grep -i -E 'error|fail' /tmp/xl-guest2.out | head -n 20 | sed 's/^/#   /'
	G=$(xl domid guest2 2>/dev/null)
	log "guest2 domid ${G:-none} at $(up) s"
	BP=/local/domain/$ND/backend/vif/$G/0
	FP=/local/domain/$G/device/vif/0
	wait_for 120 frontend_ready "$FP"
	wait_for 30 backend_connected "$BP" "$FP"
	_rc=$?
	ok $_rc "guest2's vif, backend in the NDVM, connected with no script (backend and frontend state 4, hotplug-status connected)"
	log "at $(up) s: backend state $(xenstore-read "$BP/state" 2>&1), frontend state $(xenstore-read "$FP/state" 2>&1), hotplug-status $(xenstore-read "$BP/hotplug-status" 2>&1), script key $(xenstore-read "$BP/script" 2>&1)"
	log "xenstore $BP:"
	xenstore-ls -f "$BP" 2>&1 | sed 's/^/#   /'
	RX=up2
	WITNESS=
	check_flows $_rc "in the NDVM: "
	_xs=/local/domain/$ND/data/ndvmfw
	wait_for 5 xs_positive "$_xs/antispoof-dropped"
	ok $? "the NDVM's xenstore $_xs/antispoof-dropped counts the spoofed frames ($(xenstore-read "$_xs/antispoof-dropped" 2>&1))"
	[ "$(xenstore-read "$_xs/digest" 2>&1)" = "$_dig" ] &&
		[ "$(xenstore-read "$_xs/sealed" 2>&1)" = 1 ]
	ok $? "the NDVM's xenstore $_xs: sealed $(xenstore-read "$_xs/sealed" 2>&1), digest stage2.rules's"
	log "xenstore $_xs:"
	xenstore-ls -f "$_xs" 2>&1 | sed 's/^/#   /'
	_t=$(up)
	xl -vvv destroy guest2 >/tmp/xl-destroy2.out 2>&1
	_rc=$?
	_dt=$(awk -v a="$_t" -v b="$(up)" 'BEGIN { print b - a }')
	log "xl destroy guest2 from $_t s to $(up) s"

	# libxl waits for the NDVM to remove the backend directory; it
	# says "timed out" after 10 s if nobody does
	[ $_rc = 0 ] && ! grep -q -i 'timed out' /tmp/xl-destroy2.out &&
		awk -v d="$_dt" -v m="$DESTROY_MAX" 'BEGIN { exit !(d < m) }'
	ok $? "xl destroy guest2 in under $DESTROY_MAX s, libxl not timed out waiting for the NDVM (took $_dt s)"
	grep -E 'libxl: |timed out' /tmp/xl-destroy2.out | sed 's/^/#   /'
	wait_for 10 sh -c "! xenstore-read $BP/state >/dev/null 2>&1"
	ok $? "the NDVM removed $BP"
	log "NDVM console:"
	indent "$NDVM_CON" "ndvm| "
	log "guest2 console:"
	indent /var/log/xen/console/guest-guest2.log "guest2| "
	xl list 2>&1 | sed 's/^/#   /'
	log "stage 2 done at $(up) s"
}

main() {
	SHELL_HOTPLUG=0
	grep -q 'xentest.shell_hotplug=1' /proc/cmdline && SHELL_HOTPLUG=1
	trap cleanup EXIT
	stage1
	if grep -q 'xentest.stage2=0' /proc/cmdline; then
		log "stage 2 left out (xentest.stage2=0)"
	elif [ ! -f /boot/ndvm.gz ]; then
		log "stage 2 left out: no /boot/ndvm.gz"
	else
		stage2
	fi
	echo "1..$N"
	log "dom0 done at $(up) s: $FAILS of $N failed"
	[ "$FAILS" = 0 ]
}

main
