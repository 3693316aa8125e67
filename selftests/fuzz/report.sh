#!/bin/bash
# report.sh - one line of figures from a libFuzzer log (-print_final_stats=1)
#
# Usage: report.sh HARNESS LOG
# Prints "# HARNESS: N execs in S s, R exec/s, cov C, ft F, corpus K inputs
# (B bytes), peak RSS M MB"; exits 1 if the log has no final statistics.
set -eu

name=$1 log=$2
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
rss=$(stat peak_rss_mb)
[ -n "$execs" ] || { echo "# $name: no final statistics in $log" >&2; exit 1; }
# the last status line: "#N DONE   cov: C ft: F corp: K/Bb ..."
last=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
secs=$(( rate > 0 ? execs / rate : 0 ))
echo "# $name: $execs execs in ~$secs s, $rate exec/s, cov $cov, ft $ft, corpus ${corp%%/*} inputs (${corp#*/}), peak RSS $rss MB"
