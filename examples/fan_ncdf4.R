# The fan chart of a payback result with R's ncdf4 (Debian: r-cran-ncdf4):
# prints, for each year, organic revenue's quantiles and each method's
# median required revenue (B$/yr), and draws fan_ncdf4.png.
#   Rscript examples/fan_ncdf4.R results/baseline.h5
library(ncdf4)
args <- commandArgs(TRUE)
path <- if (length(args)) args[length(args)] else "results/baseline.h5"  # the last argument
nc <- nc_open(path)
# A variable in a group is named "group/variable"; R reverses the
# dimension order of the file, so a (year, quantile) dataset is [quantile, year].
v <- nc$var[["summary/organic_revenue_q"]]
fan <- ncvar_get(nc, v, collapse_degen = FALSE)
levels <- v$dim[[1]]$vals
years <- v$dim[[2]]$vals
stopifnot(v$dim[[1]]$name == "summary/quantile", v$dim[[2]]$name == "summary/year")  # ncdf4 names dims by group
methods <- c("bain", "jpmorgan", "sequoia", "full_cost")
mid <- which(levels == 0.5)
bars <- sapply(methods, function(m) ncvar_get(nc, paste0("summary/required_", m, "_q"), collapse_degen = FALSE)[mid, ])
bars <- matrix(bars, nrow = length(years))
cat("# seed", ncatt_get(nc, 0, "seed")$value, "paths", ncatt_get(nc, 0, "paths")$value, "\n")
cat("levels", format(levels), "\n")
for (i in seq_along(years))
  cat("year", years[i], "organic_q", sprintf("%.10g", fan[, i]), "required_median", sprintf("%.10g", bars[i, ]), "\n")
units <- ncatt_get(nc, "summary/organic_revenue_q", "units")$value
nc_close(nc)

png("fan_ncdf4.png", width = 1400, height = 800, res = 150, type = "cairo")
pos <- c(fan, bars)[c(fan, bars) > 0]          # a log axis: the positive values' range
plot(range(years), range(pos, na.rm = TRUE), type = "n", log = "y", xlab = "year",
     ylab = paste0("B$ per year (", units, "), log scale"),
     main = basename(path))
for (k in seq_len(length(levels) %/% 2))       # outer bands lightest
  polygon(c(years, rev(years)), c(fan[k, ], rev(fan[length(levels) + 1 - k, ])),
          col = adjustcolor("steelblue", 0.2 + 0.15 * k), border = NA)
matlines(years, bars, lty = 1, lwd = 2)
legend("topleft", paste("required,", methods, "(median)"), col = 1:4, lty = 1, bty = "n")
invisible(dev.off())
