#!/bin/bash
# results.sh - write bench/RESULTS.md (to stdout) from the output of
# bench/vm.sh (make bench-vm). Called by bench/vm.sh at the end:
#   bench/results.sh OUT VER...
# OUT holds measured.txt, machine.txt, params.txt, native.txt (make
# bench-native, optional) and VER/summary.tsv, VER/results.tsv per kernel
# (columns: see summarize() in bench/vm.sh).
set -u

OUT=${1:?usage: results.sh OUT VER...}
shift

# pivot VER: % of drop-only, one row per N, one column per configuration
pivot() {
	awk -F'\t' '
	{ pct[$1, $2] = $4; if ($2 > 0) ns[$2] = 1; else fixed[$1] = $4 }
	END {
		split("ndvmfw nft-set iptables nft-linear", c, " ")
		print "| N | ndvmfw | nft interval set | iptables-legacy | nft linear |"
		print "|---:|---:|---:|---:|---:|"
		if (("ndvmfw", 0) in pct)
			printf "| 0 (empty rule set) | %s | | | |\n", pct["ndvmfw", 0]
		m = 0; for (n in ns) s[++m] = n + 0
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
			if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
		for (i = 1; i <= m; i++) {
			printf "| %d |", s[i]
			for (k = 1; k <= 4; k++)
				printf " %s |", ((c[k], s[i]) in pct) ? pct[c[k], s[i]] : "-"
			printf "\n"
		}
		printf "\n(-: not measured, see below.) Without N: drop-only 100, no ruleset %s, netdev ingress drop %s.\n",
			"none" in fixed ? fixed["none"] : "-", "ingress" in fixed ? fixed["ingress"] : "-"
	}' "$1"
}

# detail VER: every configuration with its spread and load time
detail() {
	awk -F'\t' '
	BEGIN {
		name["none"] = "no ruleset"; name["drop"] = "drop-only (nft input, counter drop)"
		name["ingress"] = "nft netdev ingress, counter drop"
		name["nft-linear"] = "nft linear"; name["nft-set"] = "nft interval set"
		name["iptables"] = "iptables-legacy"; name["ndvmfw"] = "ndvmfw"
		print "| configuration | N | pps, median | % of drop-only | min - max pps | spread % | rounds | load s | counter = sent |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|---|"
	}
	{
		n = ($2 > 0 || $1 == "ndvmfw") ? $2 : "-"
		printf "| %s | %s | %d | %s | %d - %d | %s | %d | %s | %s |\n",
			name[$1], n, $3, $4, $5, $6, $7, $8, $9, $10
	}' "$1"
}

skips() {
	grep -h '^SKIP ' "$1" | sed 's/^SKIP /- /; s/: load failed/: not measured, load failed/' | cut -c1-200
}

# targets VER...: the ratios and costs against the performance issue's
# targets, one column per kernel, and what the empty rule set costs
targets() {
	echo "| target |$(printf ' %s |' "$@")"
	echo "|---|$(printf -- '---|%.0s' "$@")"
	for row in 10k 100k set load mem; do
		case $row in
		10k) printf '| at least 80 %% of drop-only at 10k rules |' ;;
		100k) printf '| at least 70 %% of drop-only at 100k rules |' ;;
		set) printf '| ahead of the nft interval set (pipapo) at every N (points; ndvmfw spread %%) |' ;;
		load) printf '| load of 100k rules, `fwctl load` in the VM (target: compile under 2 s) |' ;;
		mem) printf '| lookup memory at 100k rules, `fwctl status` (target: under 64 MiB) |' ;;
		esac
		for ver in "$@"; do
			bytes=$(grep -o 'ndvmfw:100000 rules:.*' "$OUT/$ver/console.log" 2>/dev/null |
				tail -n 1 | sed -n 's/.*lookup-bytes: *\([0-9]*\).*/\1/p')
			awk -F'\t' -v row=$row -v bytes="${bytes:-}" '
			{ pct[$1, $2] = $4; load[$1, $2] = $9; spread[$1, $2] = $7 }
			function has(c, n) { return (c, n) in pct }
			function goal(v, min) {
				return sprintf("%s: %s", v, v + 0 >= min ? "met" : "missed")
			}
			END {
				if (row == "10k")
					out = has("ndvmfw", 10000) ? goal(pct["ndvmfw", 10000], 80) : "-"
				else if (row == "100k")
					out = has("ndvmfw", 100000) ? goal(pct["ndvmfw", 100000], 70) : "-"
				else if (row == "set") {
					out = ""; behind = 0
					for (n = 100; n <= 100000; n *= 10) {
						if (!has("ndvmfw", n) || !has("nft-set", n))
							continue
						d = pct["ndvmfw", n] - pct["nft-set", n]
						if (d < 0)
							behind++
						out = out sprintf("%s%d: %+.1f (%s)", out == "" ? "" : ", ",
							n, d, spread["ndvmfw", n])
					}
					out = out == "" ? "-" : out "; " (behind ? "missed" : "met")
				} else if (row == "load")
					out = has("ndvmfw", 100000) ? load["ndvmfw", 100000] " s" : "-"
				else
					out = bytes == "" ? "-" : sprintf("%.1f MiB: %s", bytes / 1048576,
						bytes < 64 * 1048576 ? "met" : "missed")
				printf " %s |", out
			}' "$OUT/$ver/summary.tsv"
		done
		echo
	done
	echo
	for ver in "$@"; do
		awk -F'\t' -v ver="$ver" '
		{ pct[$1, $2] = $4 }
		END {
			if (!(("ndvmfw", 0) in pct) || !(("ndvmfw", 10000) in pct))
				exit
			printf "- %s: with an empty rule set ndvmfw keeps %s %%, so %.1f points go before any lookup; from 0 to 10k rules the lookup costs %.1f points more.\n",
				ver, pct["ndvmfw", 0], 100 - pct["ndvmfw", 0],
				pct["ndvmfw", 0] - pct["ndvmfw", 10000]
		}' "$OUT/$ver/summary.tsv"
	done
	if [ -s "$OUT/native.txt" ]; then
		printf -- '- Compile and memory in userspace (make bench-native, host, 100k rules, ndvmfw): %s.\n' \
			"$(awk -F' *[|] *' '$3 == "ndvmfw" && $4 == 100000 && !seen[$2]++ {
				printf "%s%s %s ms, %.1f MiB", n++ ? "; " : "", $2, $5, $6 / 1024
				if ($5 >= 2000 || $6 >= 65536) miss = 1
			}
			END { if (n) printf ": %s", miss ? "missed" : "met, both" }' "$OUT/native.txt")"
	fi
	cat <<'EOF'

The fixed cost is ndvmfw's netdev ingress hook on every interface (the
VLAN and antispoof checks, which must come before the IP layer), the
defragmenters' PREROUTING hook it enables (rules see whole packets), and
building the key: `bench/PROFILE.md` has the profile. It weighs most
where the lookup is cheap, at small N, against an interval set that
does no more than the baseline's chain. The load time in the VM is that
of `fwctl load` under TCG: parsing, the netlink transfer and the
compile together; the compile alone is the userspace figure.
EOF
}

cat <<'EOF'
# make bench-vm and make bench-native: results

Written by `bench/results.sh` from the output of `make bench-vm`
(`bench/vm.sh`, in-VM part `bench/vm-init.sh`, plot `bench/plot.gp`).
Regenerate it, and `results.png`, whenever the classifier changes:
`make bench-vm`, then `cp build/bench-vm/RESULTS.md build/bench-vm/results.png bench/`.
Absolute numbers are set by QEMU TCG on a shared machine: compare ratios
within one boot only (each kernel's table is one boot, its configurations
measured in interleaved rounds).

EOF
echo "Measured: $(cat "$OUT/measured.txt")."
echo
echo "Machine:"
echo
sed 's/^/    /' "$OUT/machine.txt"
cat <<'EOF'

## Commands

    make bench-vm       # bench/vm.sh; BENCH_VM_QUICK=1 for a quick run
    make bench-native   # bench/gen + bench/native (run by make bench-vm too)

This run:

EOF
sed 's/^/    /' "$OUT/params.txt"
echo
echo "## Against the targets"
echo
echo "The performance issue's targets, as ratios in this run:"
echo
targets "$@"
cat <<'EOF'

## Method

- **Traffic:** pktgen in `xmit_mode netif_receive` (set before `burst`)
  injects 60-byte IPv4 UDP frames into the receive path of `veth_a`, one
  pktgen thread, `burst 32` (each skb goes up the stack 32 times), to
  `veth_a`'s MAC and address 10.0.0.1, source addresses random in
  10.1.0.1-10.1.255.254, source ports random in 1024-65000, destination
  ports random in 1-50000. IPv6 is disabled on the veths. The VM has a
  route 10.1.0.0/16 via `veth_a` and `rp_filter` off (kernel default).
- **pps** is pktgen's own: packets injected / its elapsed time. The
  receive path runs synchronously in pktgen's thread, so this is the rate
  the configuration sustains. The configuration's final drop counter is
  read before and after as a check (last column: it counted at least 99 %
  of what pktgen sent, in every round).
- **Rule sets:** N distinct (source address, UDP destination port) pairs,
  drawn at random (seed 1; the sets nest: the first N pairs of one
  sequence), sources in 10.1.0.0/16, ports in 1-65535, each an accept
  rule, then a final counted drop. The traffic lies in the same address
  and port space, so no lookup can dismiss it on one field; a packet
  matches one of the pairs with probability about N / (65534 x 65535)
  (0.002 % at 100k: now and then a burst of 32 at 100k, accepted, seen in
  the rule counters) and otherwise reaches the final drop. The same pairs,
  in the same order, as:
  - ndvmfw: `accept proto udp from 10.1.A.B to any port P` per pair,
    `policy drop` (the policy counter is the check);
  - nft linear: `ip saddr 10.1.A.B udp dport P accept` per pair in one
    chain, then `counter name "fin" drop`;
  - nft interval set: `ip saddr . udp dport @s accept` on a set `s` of
    type `ipv4_addr . inet_service` with `flags interval` (the pipapo
    backend; the pairs do not overlap), then `counter name "fin" drop`;
  - iptables-legacy: `-A INPUT -s 10.1.A.B/32 -p udp -m udp --dport P -j
    ACCEPT` per pair, then `-A INPUT -j DROP`.
- **Where each one judges:** all at IPv4 LOCAL_IN, filter priority 0,
  after the route lookup:
  - nft tables are `table ip` with `type filter hook input priority 0`;
  - iptables-legacy is the filter table's INPUT chain (`iptable_filter`,
    priority 0);
  - ndvmfw judges packets to the NDVM itself at its IPv4 LOCAL_IN hook
    (`NF_IP_PRI_FILTER`). While it is loaded it also has a netdev ingress
    hook on `veth_a` (VLAN check; antispoof is not configured) and enables
    `nf_defrag_ipv4`/`nf_defrag_ipv6` (a PREROUTING hook): both are part
    of its cost here;
  - the baseline, **drop-only**, is an nft `table ip` input chain with
    only `counter drop`: the same hook, no classification;
  - two reference points without N: **no ruleset** (the packet goes on to
    UDP, finds no socket, `Udp NoPorts`, ICMP errors rate-limited) and
    **nft netdev ingress** `counter drop` on `veth_a` (before IP: the
    cheapest possible drop).
- **Rounds:** every configuration is loaded, measured and unloaded in
  turn, in a fixed order, and the whole sequence repeats per round. nft
  configurations are loaded once, each as its own table with `flags
  dormant`, and woken (`nft add table ip NAME`) for their measurement;
  iptables-legacy is restored and then flushed with `iptable_filter`
  removed; ndvmfw is `insmod`, `fwctl load`, `rmmod` each time (it drops
  everything from insmod until a load). The load times in the tables are
  medians of those loads (nft: the single load at boot). A configuration
  whose load fails or exceeds the load limit is left out.

EOF
for ver in "$@"; do
	s=$OUT/$ver/summary.tsv
	echo "## Debian $ver"
	echo
	echo "% of drop-only (median pps of the rounds):"
	echo
	pivot "$s"
	echo
	detail "$s"
	if grep -q '^SKIP ' "$OUT/$ver/console.log" 2>/dev/null; then
		echo
		echo "Left out:"
		echo
		skips "$OUT/$ver/console.log"
	fi
	if grep -q 'ndvmfw:[0-9]* rules:' "$OUT/$ver/console.log" 2>/dev/null; then
		echo
		echo "ndvmfw lookup structures (fwctl status, last round):"
		echo
		grep -o 'ndvmfw:[0-9]* rules:.*' "$OUT/$ver/console.log" | tail -n "$(grep -c '^ndvmfw	' "$s")" |
			sed 's/^ndvmfw:\([0-9]*\) /- N=\1: /; s/ *$//'
	fi
	echo
done
cat <<'EOF'
## Plot

% of drop-only against N (log-log), one line per configuration, solid
for the first kernel and dashed for the second; no ruleset and nft netdev
ingress are horizontal lines.

![% of drop-only against N](results.png)

EOF
if [ -s "$OUT/native.txt" ]; then
	cat <<'EOF'
## make bench-native

The classifier compiled for userspace (`bench/native.c`) against DPDK's
rte_acl and a linear scan on bench/gen's ClassBench-like rule sets, on
the host, not in a VM, same snapshot as above:

EOF
	# its log lines as a code block, its markdown tables as they are
	awk '/^###/ { t = 1 } { print t ? $0 : "    " $0 }' "$OUT/native.txt"
	echo
fi
