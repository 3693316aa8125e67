#!/bin/bash
# vm.sh - make bench-vm: packets per second through ndvmfw, nftables (linear
# chain and interval set) and iptables-legacy, one QEMU TCG boot per test
# kernel, interleaved rounds; tables, a plot and bench's RESULTS.md.
#
# Usage (as root, from anywhere; installs what it needs via apt):
#   bench/vm.sh                full run (about 15 minutes per kernel on 2
#                              shared CPUs, then bench-native)
#   BENCH_VM_QUICK=1 bench/vm.sh   quick run (N = 100 1000, 2 rounds of 2 s)
#
# Environment (defaults in brackets; quick mode's in braces):
#   BENCH_VM_KERNELS   test kernels, prefixes of `scripts/kernels.sh list`
#                      ["6.1 6.12"]
#   BENCH_VM_SIZES     rule set sizes N ["100 1000 10000 100000"] {"100 1000"}
#   BENCH_VM_ROUNDS    rounds [3] {2}
#   BENCH_VM_SECONDS   seconds of traffic per measurement [6] {2}
#   BENCH_VM_CONFIGS   subset of: none drop ingress nft-linear nft-set
#                      iptables ndvmfw [all]
#   BENCH_VM_LOADMAX   seconds one rule set may take to load in the VM,
#                      else that configuration is skipped [300]
#   BENCH_VM_MAXN      largest N per configuration, CFG:N ... ["nft-set:10000":
#                      loading 100k elements into the pipapo set did not end
#                      within 10 minutes under TCG on 6.1, and the kernel
#                      cannot be interrupted inside the load]
#   BENCH_VM_SEED      seed of the rule sets [1]
#   BENCH_VM_REV       measure the module and fwctl of this git commit
#                      (git archive) [the working tree]
#   BENCH_VM_NATIVE    0: do not run `make bench-native` for RESULTS.md [1]
#   BENCH_VM_OUT       output directory [build/bench-vm]
#   BENCH_VM_MEM       guest memory in MB [2048]
#   BENCH_VM_PERF      1: profile every measurement with perf (Debian's
#                      linux-perf, cpu-clock sampling of all CPUs) and
#                      print its top symbols to VER/console.log ("PERF"
#                      lines); the sampling costs time, so such a run's pps
#                      are not comparable with a run without it [0]
#
# Method: bench/vm-init.sh (the VM's test script) describes the traffic
# and the configurations. The rule sets are N distinct (source address,
# UDP destination port) pairs, drawn at random (seed BENCH_VM_SEED; the
# first N pairs of one sequence, so the sets nest) with the source in
# 10.1.0.0/16 and the port in 1-65535, each an accept rule; then drop.
# The same pairs are written as ndvmfw rules (N.rules), one nft rule each
# (N.lin.nft), one interval set of concatenations (N.set.nft, non-
# overlapping by construction) and iptables-legacy rules (N.ipt). The
# traffic's source addresses and ports fall in the same space, so a lookup
# cannot dismiss it at the first field; a packet matches one of the N
# pairs with probability about N / (65534 * 65535) and otherwise reaches
# the final drop.
#
# Output in BENCH_VM_OUT: rules/ (the rule files), src/ (the snapshot
# measured), VER/console.log, VER/results.tsv (one line per measurement),
# VER/summary.tsv, results.png, native.txt and RESULTS.md. To update the
# committed results: cp OUT/RESULTS.md OUT/results.png bench/
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

if [ "${BENCH_VM_QUICK:-0}" = 1 ]; then
	SIZES=${BENCH_VM_SIZES:-100 1000} ROUNDS=${BENCH_VM_ROUNDS:-2} SECS=${BENCH_VM_SECONDS:-2}
else
	SIZES=${BENCH_VM_SIZES:-100 1000 10000 100000} ROUNDS=${BENCH_VM_ROUNDS:-3}
	SECS=${BENCH_VM_SECONDS:-6}
fi
KERNELS=${BENCH_VM_KERNELS:-6.1 6.12}
ALL_CONFIGS="none drop ingress nft-linear nft-set iptables ndvmfw"
CONFIGS=${BENCH_VM_CONFIGS:-$ALL_CONFIGS}
LOADMAX=${BENCH_VM_LOADMAX:-300}
MAXN=${BENCH_VM_MAXN-nft-set:10000}
SEED=${BENCH_VM_SEED:-1}
REV=${BENCH_VM_REV:-}
OUT=${BENCH_VM_OUT:-build/bench-vm}
MEM=${BENCH_VM_MEM:-2048}
PERF=${BENCH_VM_PERF:-0}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
SRC=$OUT/src

say() { echo "bench-vm: $*" >&2; }
die() { say "error: $*"; exit 1; }

need_pkgs() {
	local p missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing$missing"
	apt-get update -qq && apt-get install -y --no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing failed"
}

# snapshot: the tree to measure, in $SRC: BENCH_VM_REV's commit, or the
# working tree (without build/ and .git). MEASURED describes it.
snapshot() {
	rm -rf "$SRC" && mkdir -p "$SRC" || die "cannot create $SRC"
	if [ -n "$REV" ]; then
		git archive "$REV" | tar -x -C "$SRC" || die "git archive $REV failed"
		MEASURED="commit $(git rev-parse --short "$REV")"
	else
		tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . |
			tar -x -C "$SRC" || die "cannot copy the working tree"
		MEASURED="working tree at $(git rev-parse --short HEAD)"
		[ -n "$(git status --porcelain -- kmod ctl)" ] &&
			MEASURED="$MEASURED, kmod/ or ctl/ modified"
	fi
	MEASURED="$MEASURED; kmod/classify.c: $(git log -1 --format='%h %ad %s' --date=short \
		"${REV:-HEAD}" -- kmod/classify.c)"
	echo "$MEASURED" >"$OUT/measured.txt"
	say "measuring $MEASURED"
}

build_module() {
	local ver=$1 kdir=$2 dir=$OUT/$1/mod
	rm -rf "$dir" && mkdir -p "$dir"
	cp -a "$SRC/Kbuild" "$SRC/kmod" "$dir/"
	make -C "$kdir" M="$dir" modules >"$OUT/$ver/build.log" 2>&1 &&
		[ -f "$dir/kmod/ndvmfw.ko" ] || { tail -20 "$OUT/$ver/build.log"; die "module build for $ver failed"; }
}

# gen_rules: N.rules, N.lin.nft, N.set.nft, N.ipt for every N, and 0.rules
gen_rules() {
	local d=$OUT/rules n max=0
	rm -rf "$d" && mkdir -p "$d"
	printf 'policy drop\n' >"$d/0.rules"
	for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
	# The pairs, "A.B PORT" for 10.1.A.B, distinct, in drawing order.
	awk -v n="$max" -v seed="$SEED" 'BEGIN {
		srand(seed)
		while (k < n) {
			a = int(rand() * 65536); p = 1 + int(rand() * 65535)
			if ((a, p) in seen) continue
			seen[a, p] = 1; k++
			printf "%d.%d %d\n", int(a / 256), a % 256, p
		}
	}' >"$d/pairs" || die "rule generation failed"
	for n in $SIZES; do
		head -n "$n" "$d/pairs" | awk -v n="$n" -v d="$d" '
		BEGIN {
			r = d "/" n ".rules"; l = d "/" n ".lin.nft"
			s = d "/" n ".set.nft"; i = d "/" n ".ipt"
			hook = "type filter hook input priority 0;"
			print "policy drop" > r
			printf "table ip l%d {\n\tflags dormant\n\tcounter fin { }\n\tchain input {\n\t\t%s\n", n, hook > l
			printf "table ip s%d {\n\tflags dormant\n\tcounter fin { }\n\tset s {\n\t\ttype ipv4_addr . inet_service\n\t\tflags interval\n\t\telements = {\n", n > s
			print "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]" > i
		}
		{
			ip = "10.1." $1
			print "accept proto udp from " ip " to any port " $2 > r
			print "\t\tip saddr " ip " udp dport " $2 " accept" > l
			print "\t\t\t" ip " . " $2 "," > s
			print "-A INPUT -s " ip "/32 -p udp -m udp --dport " $2 " -j ACCEPT" > i
		}
		END {
			print "\t\tcounter name \"fin\" drop\n\t}\n}" > l
			print "\t\t}\n\t}\n\tchain input {\n\t\t" hook > s
			print "\t\tip saddr . udp dport @s accept\n\t\tcounter name \"fin\" drop\n\t}\n}" > s
			print "-A INPUT -j DROP\nCOMMIT" > i
		}' || die "rule generation for $n failed"
	done
}

machine() {
	{
		echo "uname: $(uname -a)"
		echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, shared with other jobs"
		echo "qemu: $(qemu-system-x86_64 --version | head -1), -accel tcg -cpu max -smp 2 -m $MEM"
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	} >"$OUT/machine.txt"
}

# run_kernel VER VMLINUZ MODROOT: one boot; VER/console.log and VER/results.tsv
run_kernel() {
	local ver=$1 vmlinuz=$2 modroot=$3 dir=$OUT/$1 nitems append timeout x mods=""
	x=$(command -v xtables-legacy-multi) || die "xtables-legacy-multi not found"
	# named counters: nft_objref, a module of its own before 6.4
	modprobe -d "$modroot" -S "$ver" --show-depends nft_objref >/dev/null 2>&1 &&
		mods="--mod nft_objref"
	[ "$PERF" = 1 ] && mods="$mods --bin $(command -v perf)"
	selftests/vm/mkinitramfs.sh --kver "$ver" -o "$dir/initrd.cpio.gz" $mods \
		--mod iptable_filter --mod xt_tcpudp \
		--file "$dir/mod/kmod/ndvmfw.ko:/lib/ndvmfw/ndvmfw.ko" \
		--bin "$SRC/ctl/fwctl" \
		--bin "$x:/sbin/iptables-legacy" --bin "$x:/sbin/iptables-legacy-restore" \
		--dir /usr/lib/x86_64-linux-gnu/xtables:/usr/lib/x86_64-linux-gnu/xtables \
		--dir "$OUT/rules:/bench" --file bench/vm-init.sh:/tests/run.sh \
		>"$dir/initrd.log" 2>&1 || { cat "$dir/initrd.log"; die "initramfs for $ver failed"; }
	nitems=$(($(echo $SIZES | wc -w) * 4 + 4))
	timeout=$((600 + 4 * LOADMAX + ROUNDS * nitems * (SECS + 30)))
	append="bench.sizes=$(echo $SIZES | tr ' ' ,) bench.rounds=$ROUNDS bench.secs=$SECS"
	append="$append bench.configs=$(echo $CONFIGS | tr ' ' ,) bench.loadmax=$LOADMAX"
	[ -n "$MAXN" ] && append="$append bench.maxn=$(echo $MAXN | tr ' ' ,)"
	[ "$PERF" = 1 ] && append="$append bench.perf=1"
	say "$ver: booting (up to $timeout s), console in $dir/console.log"
	selftests/vm/run-vm.sh --kernel "$vmlinuz" --initrd "$dir/initrd.cpio.gz" \
		--mem "$MEM" --timeout "$timeout" --append "$append" \
		--log "$dir/console.log" --quiet || say "$ver: the VM failed (rc=$?), see $dir/console.log"
	grep -E '^(SKIP|LOAD) ' "$dir/console.log" | sed "s/^/bench-vm: $ver: /" >&2
	sed -n 's/^BENCH //p' "$dir/console.log" |
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); printf "%s%s", kv[2], i < NF ? "\t" : "\n" } }' \
		>"$dir/results.tsv"
	[ -s "$dir/results.tsv" ] || die "$ver: no measurements in $dir/console.log"
}

# summarize VER: VER/summary.tsv, one line per configuration and N:
# cfg n median_pps pct_of_drop min max spread_pct rounds median_load cnt_ok
summarize() {
	awk -F'\t' '
	function med(s,   a, m, i, j, t) {
		m = split(s, a, " ")
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo = a[1]; hi = a[m]; cnt = m
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	{
		k = $1 "\t" $2
		if (!(k in pps)) order[++nk] = k
		pps[k] = pps[k] " " $6
		if ($8 != "-") load[k] = load[k] " " $8
		# the final drop must have seen (nearly) every packet pktgen sent
		if ($1 != "none" && ($7 < 0.99 * $5 || $7 > $5)) bad[k]++
	}
	END {
		for (i = 1; i <= nk; i++) if (order[i] ~ /^drop\t/) base = med(pps[order[i]])
		for (i = 1; i <= nk; i++) {
			k = order[i]; l = load[k] == "" ? "-" : med(load[k])
			m = med(pps[k])	# sets lo, hi, cnt
			printf "%s\t%d\t%s\t%d\t%d\t%.1f\t%d\t%s\t%s\n", k, m,
				base ? sprintf("%.2f", 100 * m / base) : "-", lo, hi,
				m ? 100 * (hi - lo) / m : 0, cnt, l, bad[k] ? "no" : "yes"
		}
	}' "$OUT/$1/results.tsv" >"$OUT/$1/summary.tsv"
}

plot() {
	local args="" v
	for v in $DONE; do args="$args $(echo "$v" | cut -d. -f1,2) $OUT/$v/summary.tsv"; done
	gnuplot -e "out='$OUT/results.png'; files='$args'" bench/plot.gp ||
		say "gnuplot failed"
}

native() {
	[ "${BENCH_VM_NATIVE:-1}" = 1 ] || return 0
	say "make bench-native (in $SRC)"
	make -s -C "$SRC" bench-native BENCH_DIR="$OUT/native" >"$OUT/native.txt" 2>&1 ||
		say "bench-native failed, see $OUT/native.txt"
}

main() {
	local ver vmlinuz modroot kdir want list
	[ "$(id -u)" = 0 ] || die "run as root (QEMU, apt)"
	mkdir -p "$OUT" || die "cannot create $OUT"
	scripts/deps.sh --if-missing || die "scripts/deps.sh failed"
	need_pkgs iptables gnuplot-nox
	[ "$PERF" = 1 ] && need_pkgs linux-perf
	snapshot
	make -s -C "$SRC" fwctl >"$OUT/fwctl.log" 2>&1 || { cat "$OUT/fwctl.log"; die "fwctl build failed"; }
	gen_rules
	machine
	echo "BENCH_VM_KERNELS=\"$KERNELS\" BENCH_VM_SIZES=\"$SIZES\" BENCH_VM_ROUNDS=$ROUNDS" \
		"BENCH_VM_SECONDS=$SECS BENCH_VM_LOADMAX=$LOADMAX BENCH_VM_MAXN=\"$MAXN\"" \
		"BENCH_VM_SEED=$SEED${REV:+ BENCH_VM_REV=$REV}" \
		"make bench-vm" >"$OUT/params.txt"
	[ "$CONFIGS" = "$ALL_CONFIGS" ] || echo "BENCH_VM_CONFIGS=\"$CONFIGS\"" >>"$OUT/params.txt"
	[ "$PERF" = 1 ] && echo "BENCH_VM_PERF=1 (profiled: pps not comparable)" >>"$OUT/params.txt"
	list=$(scripts/kernels.sh list) || die "scripts/kernels.sh list failed"
	DONE=""
	for want in $KERNELS; do
		read -r ver vmlinuz modroot kdir <<<"$(echo "$list" | awk -v w="$want" 'index($1, w) == 1' | head -1)"
		[ -n "${ver:-}" ] || die "no test kernel matches '$want'"
		mkdir -p "$OUT/$ver"
		build_module "$ver" "$kdir"
		run_kernel "$ver" "$vmlinuz" "$modroot"
		summarize "$ver"
		DONE="$DONE $ver"
		column -t -s "$(printf '\t')" "$OUT/$ver/summary.tsv" >&2
	done
	plot
	native
	bench/results.sh "$OUT" $DONE >"$OUT/RESULTS.md" || die "bench/results.sh failed"
	say "wrote $OUT/RESULTS.md and $OUT/results.png"
	say "to update the committed results: cp $OUT/RESULTS.md $OUT/results.png bench/"
	check_summaries
}

# check_summaries: fail when a kernel lacks the baseline or a counter
# disagreed with pktgen (the measurement would not be what it claims)
check_summaries() {
	local ver rc=0
	for ver in $DONE; do
		grep -q '^drop	' "$OUT/$ver/summary.tsv" ||
			{ say "$ver: no drop-only baseline"; rc=1; }
		awk -F'\t' '$10 == "no" { print "bench-vm: '"$ver"': counter != sent:", $1, $2; bad = 1 }
			END { exit bad }' "$OUT/$ver/summary.tsv" >&2 || rc=1
	done
	return $rc
}

main "$@"
