"""damage.py GOOD.h5 DIR: damaged copies of a genuine result for tests/readers.sh.

Writes DIR/<name>.h5 for each case below and prints "<name> <item>" a line:
the item that a reader's message must name.  Each case breaks one rule of
interfaces.md §3 (or of the counts' consistency) and nothing else.
"""
import os
import shutil
import sys

import h5py
import numpy as np


def set_attr(name, value, dtype=None):
    def f(h):
        if name in h.attrs:
            del h.attrs[name]
        if isinstance(value, str):
            h.attrs[name] = value
        else:
            h.attrs.create(name, value, dtype=dtype)
    return f


def recreate(path, data, **kw):
    """Replaces dataset path by one holding data (or declared by kw)."""
    def f(h):
        del h[path]
        if data is None:
            h.create_dataset(path, **kw)
        else:
            h.create_dataset(path, data=data, **kw)
    return f


def setval(path, index, value):
    def f(h):
        v = h[path][()]
        v.flat[index] = value
        h[path][...] = v
    return f


def many(*fs):
    def f(h):
        for g in fs:
            g(h)
    return f


def cases(h):
    paths = int(h.attrs["paths"])
    H = h["summary/year"].shape[0]
    Q = h["summary/quantile"].shape[0]
    q = h["summary/quantile"][()]
    years = h["summary/year"][()]
    vstr = h5py.string_dtype()
    return [
        ("paths_vec300", "'paths'", set_attr("paths", np.full(300, 0x4141414141414141, dtype=np.int64))),
        ("paths_vec2", "'paths'", set_attr("paths", np.full(2, paths, dtype=np.int64))),
        ("seed_vec300", "'seed'", set_attr("seed", np.full(300, 7, dtype=np.uint64))),
        ("threads_vec300", "'threads'", set_attr("threads", np.full(300, 2, dtype=np.int64))),
        # Since 0.2 paths is a float64 holding a whole number (h5util.h): a
        # fraction, NaN or a value past 2^53 is damage; a 64-bit integer
        # (files before 0.2) is still read.
        ("paths_fraction", "'paths'", set_attr("paths", np.float64(paths) + 0.5)),
        ("paths_nan", "'paths'", set_attr("paths", np.float64("nan"))),
        ("paths_2e16_float", "'paths'", set_attr("paths", np.float64(2e16))),
        ("seed_text_letters", "'seed'", set_attr("seed", "12x")),
        ("seed_text_2_64", "'seed'", set_attr("seed", "18446744073709551616")),
        ("seed_text_empty", "'seed'", set_attr("seed", "")),
        ("paths_string", "'paths'", set_attr("paths", "2000")),
        ("paths_negative", "'paths'", set_attr("paths", np.int64(-1))),
        ("paths_zero", "'paths'", set_attr("paths", np.int64(0))),
        ("paths_1e16", "'paths'", set_attr("paths", np.int64(10**16))),
        ("ranks_zero", "'ranks'", set_attr("ranks", np.int64(0))),
        ("name_vec300", "'scenario_name'", set_attr("scenario_name", np.array(["x"] * 300, dtype=object), vstr)),
        ("target_years_300", "'target_years'", set_attr("target_years", np.full(300, years[0], dtype=np.int32))),
        ("target_year_outside", "target year", set_attr("target_years", np.array([years[0] - 5], dtype=np.int32))),
        ("window_reversed", "depreciation_window", set_attr("depreciation_window", np.array([years[2], years[0]], dtype=np.int32))),
        ("first_without_end", "paths_first", set_attr("paths_first", np.int64(0)) if "paths_first" not in h.attrs else None),
        ("transposed", "/summary/revenue_q", recreate("summary/revenue_q", h["summary/revenue_q"][()].T.copy())),
        ("count_as_float", "/summary/paths_used", recreate("summary/paths_used", np.float64(paths))),
        ("year_count", "/metrics", recreate("summary/year", np.arange(years[0], years[0] + H + 1, dtype=np.int32))),
        ("year_gap", "/summary/year", setval("summary/year", H - 1, years[0] + H + 3)),
        ("quantiles_unsorted", "/summary/quantile", setval("summary/quantile", 1, q[0] / 2)),
        ("quantile_1_5", "/summary/quantile", setval("summary/quantile", Q - 1, 1.5)),
        ("metrics_scale_differs", "/metrics", setval("metrics/quantile", 0, q[0] / 2)),
        ("probability_1_7", "p_gap_closed_bain", setval("summary/p_gap_closed_bain", 0, 1.7)),
        ("wilson_disordered", "p_gap_closed_full_cost", many(setval("summary/p_gap_closed_full_cost", 0, 0.5),
                                                                 setval("summary/p_gap_closed_full_cost_lo", 0, 0.6))),
        ("sd_negative", "/summary/capex_sd", setval("summary/capex_sd", 0, -1.0)),
        ("mean_nan", "/summary/revenue_mean", setval("summary/revenue_mean", 1, np.nan)),
        ("hist_negative", "payback_year_hist", setval("metrics/payback_year_hist", 0, -5)),
        ("count_exceeds_paths", "/metrics/irr_none", recreate("metrics/irr_none", np.int64(paths + 1))),
        ("never_nan", "/metrics/payback_year_never", recreate("metrics/payback_year_never", np.float64(np.nan))),
        ("used_plus_nonfinite", "paths_used", recreate("summary/paths_used", np.int64(paths - 500))),
        ("missing_dataset", "/summary/capex_sd", lambda f: f.__delitem__("summary/capex_sd")),
        ("missing_group", "/metrics", lambda f: f.__delitem__("metrics")),
        ("paths_rows_2e6", "/paths/path", recreate("paths/path", None, shape=(2000000,), dtype="i8", chunks=True)),
        ("paths_unwritten", "/paths/npv", recreate("paths/npv", None, shape=h["paths/npv"].shape, dtype="f8",
                                                    chunks=True)),
    ]


def main():
    good, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with h5py.File(good, "r") as h:
        todo = [c for c in cases(h) if c[2] is not None]
    for name, item, damage in todo:
        dst = os.path.join(out, name + ".h5")
        shutil.copy(good, dst)
        with h5py.File(dst, "r+") as h:
            damage(h)
        print(name, item)


main()
