#!/bin/bash
# sensitivity.sh BIN OUTDIR: end-to-end tests of `payback sensitivity`
# (interfaces.md §4-§5, docs/model.md §10.4, §11 case 9).  Prints
# "ok - NAME" / "not ok - NAME" lines for tests/all.sh.
. "$(dirname "$0")/checks.sh" "$1" "$2"

T=tests/data/tornado.yaml
S=tests/data/sobol.yaml
Q=(--quiet -t 2)

# 1. model.md §11 case 9, tornado: Bain bar C / kappa with C = 500 and
#    kappa ~ uniform(0.2, 0.3): q0.1 = 0.21, q0.9 = 0.29, so
#    required_bain@2030 = 500 / 0.21 = 2380.95 and 500 / 0.29 = 1724.14,
#    swing 656.81.  The rank correlation of kappa with 500 / kappa is -1
#    exactly (a decreasing function of one factor).
tornado() {
    "$BIN" sensitivity "$T" --output required_bain@2030 --output npv --method tornado,rank -n 500 \
        -o "$OUT/tornado.h5" "${Q[@]}" >"$OUT/tornado.txt" || return 1
    "$PY" - "$OUT/tornado.h5" <<'EOF'
import sys, xarray as xr
t = xr.open_dataset(sys.argv[1], group="tornado").sel(factor="required.bain.capex_ratio")
r = t.sel(output="required_bain@2030")
print(float(r.low), float(r.high), float(r.y_low), float(r.y_high), float(r.swing))
assert abs(float(r.low) - 0.21) < 1e-12 and abs(float(r.high) - 0.29) < 1e-12
assert abs(float(r.y_low) - 500 / 0.21) < 1e-9 and round(float(r.y_low), 2) == 2380.95
assert abs(float(r.y_high) - 500 / 0.29) < 1e-9 and round(float(r.y_high), 2) == 1724.14
assert round(float(r.swing), 2) == 656.81
assert float(t.sel(output="npv").swing) < 1e-6  # kappa is a yardstick: it moves no cash flow
k = xr.open_dataset(sys.argv[1], group="rank").sel(factor="required.bain.capex_ratio", output="required_bain@2030")
assert float(k.rho) == -1.0, float(k.rho)
EOF
}
check "tornado: model.md §11 case 9, 2380.95 vs 1724.14, swing 656.81; Spearman -1" tornado

# 2. Sobol on Y = C_2025 = X1 X2 (tests/data/sobol.yaml), X1 ~ U(50, 150),
#    X2 ~ U(0.8, 1.2) independent.  With mu_i, s_i = sigma_i^2:
#      E[Y | X1] = mu2 X1, so V1 = Var E[Y | X1] = mu2^2 s1; likewise
#      V2 = mu1^2 s2; V = Var(X1 X2) = E[X1^2] E[X2^2] - mu1^2 mu2^2
#        = (s1 + mu1^2)(s2 + mu2^2) - mu1^2 mu2^2 = s1 s2 + mu1^2 s2 + mu2^2 s1;
#      the interaction V12 = V - V1 - V2 = s1 s2, so
#      S1 = mu2^2 s1 / V, S_T1 = (mu2^2 s1 + s1 s2) / V (and 1 <-> 2).
#    s1 = 100^2/12, s2 = 0.4^2/12: S1 = 0.85227, S2 = 0.13636, S_T1 = 0.86364,
#    S_T2 = 0.14773.  The estimates must lie in their 95 % bootstrap
#    intervals' reach: each interval covers the truth (a 5 % event per
#    index at a fixed seed: the test is deterministic, and passed), and is
#    narrower than 0.06, so that the check has teeth.  Growth and shocks
#    do not move C_2025: both indices 0 (exactly: yA_B^(i) = yA).
SOBOL_PY='
import sys, xarray as xr
mu1, mu2, s1, s2 = 100.0, 1.0, 100.0**2 / 12, 0.4**2 / 12
V = s1 * s2 + mu1**2 * s2 + mu2**2 * s1
'
sobol() {
    "$BIN" sensitivity "$S" --output capex@2025 --output npv --method sobol -n 8192 -o "$OUT/sobol.h5" "${Q[@]}" \
        >"$OUT/sobol.txt" || return 1
    "$PY" - "$OUT/sobol.h5" <<EOF
$SOBOL_PY
truth = {"capex.committed.2025": (mu2**2 * s1 / V, (mu2**2 * s1 + s1 * s2) / V),
         "capex.execution": (mu1**2 * s2 / V, (mu1**2 * s2 + s1 * s2) / V)}
d = xr.open_dataset(sys.argv[1], group="sobol").sel(output="capex@2025")
for f, (S, ST) in truth.items():
    x = d.sel(factor=f)
    for name, want in (("S", S), ("ST", ST)):
        est, lo, hi = float(x[name]), float(x[name + "_lo"]), float(x[name + "_hi"])
        print("%s %s: %.4f [%.4f, %.4f], closed form %.4f" % (f, name, est, lo, hi, want))
        assert lo <= want <= hi and hi - lo < 0.06, (f, name)
for f in ("revenue.growth.long_run", "revenue.shocks"):
    x = d.sel(factor=f)
    assert abs(float(x.S)) < 1e-9 and abs(float(x.ST)) < 1e-9, f
assert int(xr.open_dataset(sys.argv[1], group="sobol").n_used.sel(output="capex@2025")) == 8192
EOF
}
check "sobol: Y = X1 X2, S_i and S_Ti in their closed forms' intervals; other factors 0" sobol

# 3. Shapley on the same Y, independent (exact enumeration, d = 4): the
#    interaction s1 s2 is split equally, Sh_1 = (mu2^2 s1 + s1 s2 / 2) / V =
#    0.85795, Sh_2 = 0.14205.  Correlated (Spearman 0.5 between committed
#    capex and execution): linearised, Y ~ a X1 + b X2 with a^2 s1 = 833.3,
#    b^2 s2 = 133.3 and the normal copula's rho = 0.5176, two-factor Shapley
#    gives Sh_2 = [c({2}) + V - c({1})] / 2 with c({i}) = (1 - rho^2) b_i^2 s_i:
#    about 0.30 of V, far above the independent 0.142: correlation moves
#    variance to the smaller factor.  Shares sum to 1 either way.
shapley() {
    local c=(--set 'correlations=[[capex.committed.2025, capex.execution, 0.5]]')
    "$BIN" sensitivity "$S" --output capex@2025 --output npv --method shapley -n 4096 -o "$OUT/shapley.h5" \
        "${Q[@]}" >"$OUT/shapley.txt" || return 1
    "$BIN" sensitivity "$S" --output capex@2025 --method shapley -n 4096 -o "$OUT/shapley_corr.h5" "${c[@]}" \
        "${Q[@]}" >"$OUT/shapley_corr.txt" || return 1
    "$PY" - "$OUT/shapley.h5" "$OUT/shapley_corr.h5" <<EOF
$SOBOL_PY
d = xr.open_dataset(sys.argv[1], group="shapley").sel(output="capex@2025")
for f, want in (("capex.committed.2025", (mu2**2 * s1 + s1 * s2 / 2) / V),
                ("capex.execution", (mu1**2 * s2 + s1 * s2 / 2) / V)):
    x = d.sel(factor=f)
    est, lo, hi = float(x.share), float(x.share_lo), float(x.share_hi)
    print("%s Sh: %.4f [%.4f, %.4f], closed form %.4f" % (f, est, lo, hi, want))
    assert lo <= want <= hi and hi - lo < 0.06, f
for f in ("revenue.growth.long_run", "revenue.shocks"):
    assert abs(float(d.sel(factor=f).share)) < 0.03, f
assert abs(float(d.share.sum()) - 1) < 1e-9
c = xr.open_dataset(sys.argv[2], group="shapley").sel(output="capex@2025")
sh1, sh2 = float(c.sel(factor="capex.committed.2025").share), float(c.sel(factor="capex.execution").share)
print("correlated: Sh_1 %.4f, Sh_2 %.4f (independent %.4f, %.4f)" % (sh1, sh2, float(d.sel(factor="capex.committed.2025").share), float(d.sel(factor="capex.execution").share)))
assert 0.25 < sh2 < 0.35 and 0.65 < sh1 < 0.75, (sh1, sh2)
assert sh2 > float(d.sel(factor="capex.execution").share_hi) + 0.1
assert abs(float(c.share.sum()) - 1) < 1e-9
EOF
}
check "shapley: Sh = (mu^2 s + s1 s2 / 2) / V independent; correlated pair shifts share to the smaller factor" shapley

# 4. Spearman: with execution fixed, C_2025 = committed_2025: rho = 1
#    exactly; growth, which does not move C_2025, near 0.
rank() {
    "$BIN" sensitivity "$S" --output capex@2025 --method rank -n 2000 --set capex.execution=1 \
        -o "$OUT/rank.h5" "${Q[@]}" >"$OUT/rank.txt" || return 1
    "$PY" - "$OUT/rank.h5" <<'EOF'
import sys, xarray as xr
r = xr.open_dataset(sys.argv[1], group="rank").sel(output="capex@2025")
assert float(r.sel(factor="capex.committed.2025").rho) == 1.0
assert float(r.sel(factor="capex.committed.2025").rho_lo) == 1.0
assert abs(float(r.sel(factor="revenue.growth.long_run").rho)) < 0.07
assert sorted(r.factor.values) == ["capex.committed.2025", "revenue.growth.long_run"]  # per-path parameters only
EOF
}
check "rank: a factor that alone moves Y monotonically has rho = 1 exactly" rank

# 5. Bit-identical for any thread count: the groups of -t 1, 2 and 3
#    (correlated: Shapley with random orders on corr.yaml; independent:
#    Sobol on sobol.yaml).
threads() {
    local f g t
    for t in 1 2 3; do
        "$BIN" sensitivity tests/data/corr.yaml -n 600 --orders 150 -t $t -o "$OUT/corr_t$t.h5" --quiet >/dev/null || return 1
        "$BIN" sensitivity "$S" -n 1000 -t $t -o "$OUT/sobol_t$t.h5" --quiet >/dev/null || return 1
    done
    for t in 2 3; do
        for g in tornado rank shapley; do h5diff "$OUT/corr_t1.h5" "$OUT/corr_t$t.h5" /$g /$g || return 1; done
        for g in tornado rank sobol; do h5diff "$OUT/sobol_t1.h5" "$OUT/sobol_t$t.h5" /$g /$g || return 1; done
    done
}
check "bit-identical groups for -t 1, 2, 3 (Shapley and Sobol)" threads

# 6. The file: every group opens in xarray with its own factor and output
#    coordinates; every dataset has units and long_name; root attributes.
file() {
    "$PY" - "$OUT/corr_t1.h5" "$OUT/sobol_t1.h5" <<'EOF'
import sys, h5py, xarray as xr
for path, groups in ((sys.argv[1], ("tornado", "rank", "shapley")), (sys.argv[2], ("tornado", "rank", "sobol"))):
    for g in groups:
        d = xr.open_dataset(path, group=g)
        x = d.sel(factor="revenue.growth.long_run", output="npv")
        assert set(d.coords) >= {"factor", "output"}, d.coords
        assert list(d.output.values)[0] == "npv" and list(d.output.values)[1].startswith("gap_full_cost@"), d.output.values
        for v in d.data_vars:
            assert "units" in d[v].attrs and "long_name" in d[v].attrs, (g, v)
    f = h5py.File(path, "r")
    # Text attributes are fixed-length strings (docs/output.md): bytes in h5py.
    assert f.attrs["command"] == b"sensitivity" and b"sensitivity" in f.attrs["argv"]
    assert int(f.attrs["n_base"]) in (600, 1000) and "orders" in f.attrs
a = h5py.File(sys.argv[1], "r")
assert a.attrs["methods"] == b"tornado,rank,shapley" and int(a.attrs["orders"]) == 150
assert h5py.File(sys.argv[2], "r").attrs["methods"] == b"tornado,rank,sobol"
shocks = xr.open_dataset(sys.argv[1], group="shapley").sel(factor="revenue.shocks")
assert "revenue.regime" in list(xr.open_dataset(sys.argv[1], group="shapley").factor.values)
EOF
}
check "file: xarray opens every group, .sel(factor=..., output=npv); units, long_name, root attributes" file

# 7. Errors: exit 2 with the position, before any path runs, no file; an
#    unwritable -o: exit 1, no file.
errors() {
    local o=(-o "$OUT/err.h5")
    e() { echo "\$ sensitivity $*"; "$BIN" sensitivity "$@" 2>&1 >/dev/null; echo "exit $?"; }
    e "$S" "${o[@]}" --output npv --output gap_full_cost@2099
    e "$S" "${o[@]}" --output npvv
    e "$S" "${o[@]}" --method tornado,rnak
    e "$S" "${o[@]}" --method tornado --method sobol,
    e tests/data/corr.yaml "${o[@]}" --method sobol
    e "$S" "${o[@]}" --output payback_year
    e "$S" "${o[@]}" --output payback_year --method shapley
    e "$S" "${o[@]}" --orders 0
    e "$S" "${o[@]}" -n 1 --method sobol
}
err_check() {
    errors >"$OUT/errors.txt" 2>&1
    cat "$OUT/errors.txt"
    local n2
    n2=$(grep -c '^exit 2$' "$OUT/errors.txt")
    [ "$n2" -eq 9 ] || return 1
    grep -q '^--output:2:15: ' "$OUT/errors.txt" && grep -q '^--output:1:1: ' "$OUT/errors.txt" &&
        grep -q '^--method:1:9: ' "$OUT/errors.txt" && grep -q '^--method:2:7: ' "$OUT/errors.txt" &&
        grep -q 'use --method shapley' "$OUT/errors.txt" && grep -q 'has no variance' "$OUT/errors.txt" || return 1
    ! ls "$OUT"/err.h5* >/dev/null 2>&1 || return 1
    "$BIN" sensitivity "$S" --method tornado,rank -n 100 --output payback_year --quiet -o "$OUT/ok_year.h5" >/dev/null || return 1
    : >"$OUT/plainfile"
    "$BIN" sensitivity "$S" -n 100 --quiet -o "$OUT/plainfile/x.h5" >/dev/null 2>&1
    [ $? -eq 1 ] && ! ls "$OUT"/plainfile/x.h5* >/dev/null 2>&1
}
check "errors: exit 2 with --output:N:COL / --method:N:COL and no file; year metric ok for tornado,rank; unwritable -o exits 1" err_check
