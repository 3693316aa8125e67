# plot.gp - % of drop-only pps against the rule set size N, one line per
# configuration and kernel, from the summary.tsv files of bench/vm.sh.
#
#   gnuplot -e "out='results.png'; files='VER1 SUMMARY1 VER2 SUMMARY2'" bench/plot.gp
#
# summary.tsv columns: cfg n median_pps pct_of_drop min max spread rounds
# load cnt_ok. none and ingress have no N: they are drawn as horizontal
# lines of their own (dashed: 6.12, or the second kernel).
set terminal pngcairo size 1000,640 noenhanced font ",10"
set output out
set title "pktgen 60-byte UDP into veth ingress, judged at IPv4 LOCAL_IN (QEMU TCG, medians of rounds)"
set logscale xy
set xrange [70:140000]
set yrange [0.01:1000]
set format y "%g"
set xlabel "rules N"
set ylabel "pps, % of drop-only (nft input chain, counter drop)"
set grid xtics ytics mxtics mytics lw 0.5
set key outside right top
cfgs = "ndvmfw nft-set iptables nft-linear none ingress"
colors = "#9400d3 #009e73 #0072b2 #e69f00 #555555 #d55e00"
nk = words(files) / 2
# "N pct" rows of configuration c; none and ingress across the whole x range
sel(c, f) = sprintf("< awk -F'\t' '$1 == \"%s\" { if ($2 > 0) print $2, $4; else if ($1 != \"ndvmfw\") print 70, $4 \"\\n\" 140000, $4 }' '%s'", c, f)
plot for [k = 1:nk] for [c = 1:6] sel(word(cfgs, c), word(files, 2 * k)) \
	using 1:2 with linespoints lc rgb word(colors, c) dt k pt (c + 3) ps (c > 4 ? 0 : 1) lw 1.5 \
	title sprintf("%s %s", word(cfgs, c), word(files, 2 * k - 1))
