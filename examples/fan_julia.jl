# The fan chart's numbers with Julia's HDF5.jl: the same lines as
# examples/fan_xarray.py.  NOT TESTED here (Debian has no Julia package of
# HDF5.jl); written to the layout of docs/output.md.
#   julia examples/fan_julia.jl results/baseline.h5
using HDF5, Printf
path = length(ARGS) > 0 ? ARGS[1] : "results/baseline.h5"
h5open(path, "r") do f
    years = read(f["summary/year"])
    levels = read(f["summary/quantile"])
    # Julia reverses the file's dimension order, as R does: [quantile, year].
    fan = read(f["summary/organic_revenue_q"])
    methods = ["bain", "jpmorgan", "sequoia", "full_cost"]
    mid = findfirst(==(0.5), levels)
    bars = hcat([read(f["summary/required_$(m)_q"])[mid, :] for m in methods]...)
    println("# seed ", read_attribute(f, "seed"), " paths ", Int(read_attribute(f, "paths")))
    println("levels ", join(levels, " "))
    for (i, y) in enumerate(years)
        println("year ", y, " organic_q ", join([@sprintf("%.10g", v) for v in fan[:, i]], " "),
                " required_median ", join([@sprintf("%.10g", v) for v in bars[i, :]], " "))
    end
end
