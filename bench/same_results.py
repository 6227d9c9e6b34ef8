#!/usr/bin/python3
"""same_results.py A.h5 B.h5 [N]: which numeric datasets of two payback
result files differ, and by how much (the largest relative difference and
how many elements), the N worst (15).  Used to show that a speed change
leaves results bit-identical ("0 datasets differ"): run the same scenario,
seed and paths with both builds, then compare."""
import sys

import h5py
import numpy as np


def main(a_path, b_path, n_show=15):
    a, b = h5py.File(a_path, "r"), h5py.File(b_path, "r")
    worst = []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or name not in b or obj.dtype.kind not in "fiu":
            return
        x, y = np.asarray(obj[()], float), np.asarray(b[name][()], float)
        if x.shape != y.shape:
            worst.append((np.inf, x.size, x.size, name + " (shapes differ)"))
            return
        same = (x == y) | (np.isnan(x) & np.isnan(y))
        if same.all():
            return
        d = np.where(same, 0, np.abs(x - y) / np.maximum(np.abs(y), 1e-300))
        worst.append((float(np.nanmax(d)), int((~same).sum()), x.size, name))

    a.visititems(visit)
    for w in sorted(worst, reverse=True)[:n_show]:
        print("%.3g relative, %d of %d differ: %s" % w)
    print(len(worst), "datasets differ")
    return 1 if worst else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 15))
