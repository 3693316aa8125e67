#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-long: the long runs, in stages. On a 2-CPU machine the whole
# takes about 4.5 hours, longer than one sitting, so each stage that
# passes leaves build/check-long/STAGE.ok (when, how long) beside its
# output, STAGE.log, its VMs' consoles, STAGE.VERSION.vm.log (the tests'
# figures are there), and its command, STAGE.cmd. Run again in the same
# tree and unchanged, it skips the stages that passed with the same
# command (sizes) and goes on with the first that did not. A change to
# the tree (commit or uncommitted diff) starts the run over, as does
# CHECK_LONG_FRESH=1.
#
# The stages, both test kernels side by side in the VM ones:
#   unit       selftests/unit long: the classifier against the reference
#              matcher, 10 seeds of 50 rule sets and 100,000 rules
#   libfuzzer  selftests/fuzz long: 10^7 executions of each harness
#   diff1      the routed differential test, seeds 1001-1500 x 1,000
#              packets
#   diff2      seeds 1501-2000, and seed 1500 with 100,000 more rules
#   diffbr     the bridged differential test, 200 x 1,000; the netlink
#              fuzzer, 10^6 messages
#   soak       the packet fuzzer, 10^7 frames; the lifecycle soak, 10,000
#              loads and 1,000 insmod/rmmod cycles
# STAGES="diff1 soak" runs only those (a stage that passed is still
# skipped). The sizes: DIFF_PKTS, DIFF_BULK, DIFF_BR, NLFUZZ, PKTFUZZ,
# SOAK (as selftests/run.sh), DIFF_HALF (rule sets per diff stage, 500).
# Ends with "N passed, N failed" over every stage of the run, the ones
# that passed in an earlier sitting included (their results are read back
# from their logs), and says whether the run is complete.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
S=$ROOT/build/check-long
ALL="unit libfuzzer diff1 diff2 diffbr soak"
STAGES=${STAGES:-$ALL}

HALF=${DIFF_HALF:-500}
PKTS=${DIFF_PKTS:-1000}
VM="VM_TIMEOUT=${VM_TIMEOUT:-20000} VM_MEM=${VM_MEM:-3072} selftests/run.sh"

stage_cmd() {
	case $1 in
	unit) echo "make -C selftests/unit long" ;;
	libfuzzer) echo "make -C selftests/fuzz long" ;;
	diff1) echo "TESTS=diff DIFF=${HALF}x$PKTS@1000 $VM" ;;
	diff2) echo "TESTS=diff DIFF=${HALF}x$PKTS@$((1000 + HALF)) DIFF_BULK=${DIFF_BULK:-100000} $VM" ;;
	diffbr) echo "TESTS='diffbr fuzz' DIFF_BR=${DIFF_BR:-200x1000} NLFUZZ=${NLFUZZ:-1000000} $VM" ;;
	soak) echo "TESTS='pktfuzz soak' PKTFUZZ=${PKTFUZZ:-10000000} SOAK=${SOAK:-10000x1000} $VM" ;;
	*) return 1 ;;
	esac
}

for st in $STAGES; do
	stage_cmd "$st" >/dev/null || { echo "check-long: unknown stage '$st' (stages: $ALL)" >&2; exit 2; }
done

# The tree a stage ran on: the commit, and a digest of what differs from it.
tree_id() {
	echo "$(git rev-parse HEAD 2>/dev/null || echo none)" \
		"$({ git diff HEAD 2>/dev/null; git ls-files -o --exclude-standard 2>/dev/null; } | sha256sum | cut -c1-16)"
}

TREE=$(tree_id)
mkdir -p "$S"
if [ "${CHECK_LONG_FRESH:-0}" = 1 ] || [ "$(cat "$S/tree" 2>/dev/null)" != "$TREE" ]; then
	rm -f "$S"/*.ok "$S"/*.log "$S"/*.cmd
	echo "$TREE" >"$S/tree"
	date -u +%FT%TZ >"$S/started"
fi
echo "# check-long: tree $TREE, run started $(cat "$S/started")"

scripts/deps.sh --if-missing || exit 1

for st in $STAGES; do
	cmd=$(stage_cmd "$st")
	# passed earlier, at the same sizes
	if [ -f "$S/$st.ok" ] && [ "$(cat "$S/$st.cmd" 2>/dev/null)" = "$cmd" ]; then
		echo "# stage $st: passed earlier ($(cat "$S/$st.ok")), skipped"
		continue
	fi
	rm -f "$S/$st.ok"
	echo "$cmd" >"$S/$st.cmd"
	echo "# stage $st: $cmd"
	t0=$(date +%s)
	bash -c "$cmd" >"$S/$st.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	# the VMs' consoles, with the tests' figures: the next stage's
	# run.sh starts its build directories afresh
	for f in build/*/vm.log; do
		[ "$f" -nt "$S/$st.cmd" ] || continue
		v=${f#build/}
		cp "$f" "$S/$st.${v%/vm.log}.vm.log"
	done
	grep -E '^(not )?ok - |^#|passed, .* failed$' "$S/$st.log" | grep -v '^# [0-9]' | tail -n 60
	if [ $rc = 0 ]; then
		echo "$(date -u +%FT%TZ), $secs s" >"$S/$st.ok"
		echo "# stage $st: passed in $secs s"
	else
		echo "# stage $st: FAILED (exit $rc) in $secs s; its output: $S/$st.log"
	fi
done

# The run's results, stage by stage: run.sh's own count for the VM
# stages, one result for the others.
pass=0 fail=0 missing=""
for st in $ALL; do
	if [ ! -f "$S/$st.log" ]; then
		missing="$missing $st"
		continue
	fi
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$S/$st.log" | tail -n 1)
	case $st in unit | libfuzzer) counts= ;; esac
	if [ -n "$counts" ]; then
		set -- $counts
		pass=$((pass + $1)) fail=$((fail + $3))
		[ -f "$S/$st.ok" ] || [ "$3" != 0 ] || fail=$((fail + 1))
	elif [ -f "$S/$st.ok" ]; then
		echo "ok - check-long stage $st"
		pass=$((pass + 1))
	else
		echo "not ok - check-long stage $st"
		fail=$((fail + 1))
	fi
done
if [ -n "$missing" ]; then
	echo "# check-long: not run yet:$missing; run make check-long again to go on"
else
	echo "# check-long: every stage ran, on tree $TREE"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ] && [ -z "$missing" ]
