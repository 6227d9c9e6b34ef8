# The fan chart with gnuplot, from payback's CSV export (gnuplot cannot read
# HDF5).  Each quantile level of organic revenue is a line (outer levels
# lighter); the methods' median required revenue are thick lines.
#   payback export results/baseline.h5 -o results/baseline.csv
#   gnuplot -e "csv='results/baseline.csv'; out='fan.png'" examples/fan.gp
# The CSV's columns: 1 group, 2 variable, 3 statistic, 4 year, 5 quantile,
# 6 value, 7 note, 8 units (a run's file: see docs/output.md).
if (!exists("csv")) csv = "results/baseline.csv"
if (!exists("out")) out = "fan.png"
set datafile separator ","
set datafile missing NaN   # rows the filter drops do not break the lines
set terminal pngcairo size 1400,800 font ",11" noenhanced
set output out
set key top left
set xlabel "year"
set ylabel "B$ per year (log scale)"
set logscale y
# A row's value if it is the variable, statistic and level asked for, else
# NaN (missing: skipped).
pick(v, s, q) = (strcol(1) eq "summary" && strcol(2) eq v && strcol(3) eq s && (q < 0 || abs($5 - q) < 1e-12)) ? $6 : NaN
levels = "0.05 0.1 0.25 0.5 0.75 0.9 0.95"
plot for [q in levels] csv every ::1 using 4:(pick("organic_revenue", "q", q + 0)) with lines \
         lc rgb "#4682b4" lw (q + 0 == 0.5 ? 3 : 1) title (q + 0 == 0.5 ? "organic revenue, median and quantiles" : ""), \
     for [m in "bain jpmorgan sequoia full_cost"] csv every ::1 using 4:(pick("required_".m, "q", 0.5)) \
         with lines lw 2 title "required (".m."), median"
