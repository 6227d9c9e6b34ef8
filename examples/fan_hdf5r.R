# The fan chart's numbers with R's hdf5r (Debian: r-cran-hdf5r): the same
# lines as fan_ncdf4.R.  hdf5r returns bare arrays, in R's reversed order
# ([quantile, year] for a (year, quantile) dataset): the dimension scales
# summary/year and summary/quantile name them.
#   Rscript examples/fan_hdf5r.R results/baseline.h5
library(hdf5r)
args <- commandArgs(TRUE)
path <- if (length(args)) args[length(args)] else "results/baseline.h5"  # the last argument
f <- H5File$new(path, mode = "r")
years <- f[["summary/year"]]$read()
levels <- f[["summary/quantile"]]$read()
named <- function(x) { dimnames(x) <- list(quantile = levels, year = years); x }
fan <- named(f[["summary/organic_revenue_q"]]$read())
methods <- c("bain", "jpmorgan", "sequoia", "full_cost")
bars <- sapply(methods, function(m) named(f[[paste0("summary/required_", m, "_q")]]$read())["0.5", ])
bars <- matrix(bars, nrow = length(years))
cat("# seed", h5attr(f, "seed"), "paths", h5attr(f, "paths"), "\n")
f$close_all()
cat("levels", format(levels), "\n")
for (i in seq_along(years))
  cat("year", years[i], "organic_q", sprintf("%.10g", fan[, i]), "required_median", sprintf("%.10g", bars[i, ]), "\n")
