#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fragments cannot carry past the rules what the same data unfragmented
# could not: the kernel's defragmenter reassembles before ndvmfw judges,
# overlapping fragments never make a packet, and a first fragment without
# its upper-layer header is dropped and counted. IPv4 and IPv6, forwarded
# from guest 1 to the uplink; the uplink records what arrives.
. /tests/lib.sh

ndvm_setup
R=$(port7_rules | rules frag)
check "load" $FWCTL load "$R"

# send ID SRC DST [fwpkt options]
send() {
	_id=$1 _s=$2 _d=$3
	shift 3
	pkt g1 vif1.0 -s "$_s" -d "$_d" -i "$_id" "$@"
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		S=10.137.0.5 D=192.0.2.2 B=0
	else
		S=fd00:1::5 D=2001:db8:99::2 B=100
	fi
	pol=$(policy_packets)
	frag=$(status_field fragment-packets)
	recv_begin up
	send $((B + 1)) $S $D --dport 7
	send $((B + 2)) $S $D --dport 7 --frag 8
	send $((B + 3)) $S $D --dport 7 --frag 24 --len 200 -p tcp
	send $((B + 4)) $S $D --dport 9 --frag 8
	send $((B + 5)) $S $D --dport 9 --frag 24 --len 200 -p tcp
	send $((B + 6)) $S $D --dport 7 --frag 16 --len 64 --overlap 9
	send $((B + 7)) $S $D --dport 9 --frag 16 --len 64 --overlap 7
	if [ $fam = 6 ]; then
		send 108 $S $D --dport 7 --ext frag
		send 109 $S $D --dport 9 --ext frag
		send 110 $S $D --dport 7 --ext dst --frag 8
		send 111 $S $D --dport 7 --ext dst --ext frag --len 64
		send 112 $S $D --dport 7 --frag 16 --len 200 -p tcp
	fi
	recv_end
	check "v$fam: whole packet to an allowed port arrives" got $((B + 1))
	check "v$fam: tiny first fragment, allowed port: reassembled, arrives" got $((B + 2))
	check "v$fam: fragmented tcp, allowed port, arrives" got $((B + 3))
	check_not "v$fam: tiny first fragment, denied port: dropped" got $((B + 4))
	check_not "v$fam: fragmented tcp, denied port: dropped" got $((B + 5))
	check_not "v$fam: overlapping first fragments (allowed over denied): nothing" got $((B + 6))
	check_not "v$fam: overlapping first fragments (denied over allowed): nothing" got $((B + 7))
	check "v$fam: the denied reassembled packets took the policy ($pol -> $(policy_packets))" \
		[ "$(policy_packets)" -ge $((pol + 2)) ]
	if [ $fam = 6 ]; then
		check "v6: atomic fragment, allowed port, arrives" got 108
		check_not "v6: atomic fragment, denied port: dropped" got 109
		check_not "v6: first fragment without the UDP header: dropped" got 110
		check "v6: ... counted as fragment ($frag -> $(status_field fragment-packets))" \
			counter_moved fragment-packets "$frag"
		check "v6: atomic fragment behind a destination options header arrives" got 111
		check_not "v6: first fragment with 16 of the 20 TCP header bytes: dropped" got 112
	fi
done
exit $ret
