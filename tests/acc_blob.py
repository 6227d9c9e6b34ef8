#!/usr/bin/python3
"""acc_blob.py MUTATION IN.h5 OUT.h5 [ARG]: copies the partial result IN.h5
to OUT.h5 with its /state/acc (sim/pack.c's format PBACC05) changed, for
tests/state.sh.  Mutations ending in "-sealed" recompute the CRC-32 after
the change, so that the state's own checks (not the checksum) must find it.

  flip            one byte in the middle flipped (the CRC catches it)
  truncate[-sealed], trailing[-sealed]   the last byte cut, 3 bytes added
  magic04         the magic of the previous format
  acc-of ARG      the whole blob of another file ARG (e.g. another horizon)
  blob ARG        the bytes of file ARG as the blob (a fuzzer's input)
  reseal-blob ARG the bytes of file ARG with the magic PBACC05 and a CRC
  paths-sealed    the count of paths -1
  window-end-sealed    a store's window moved to end past the last bucket
  window-lo-sealed     a store's window start far past the buckets
  window-neg-sealed    a store's window start negative
  count-sealed    a sketch count raised by 1 (more counts than values)
  sum-sealed      a sum of squares made negative
  shift-sealed    one store's window moved one octave up (a valid state,
                  but another plan than the other parts')
"""
import shutil, struct, sys, zlib

import h5py
import numpy as np

N_SERIES, N_METRICS, N_METHODS = 22, 13, 4  # include/payback/path.h
N_BUCKETS = (1024 + 30) * 512               # sim/sketch.h: SKETCH_OCTAVES * SKETCH_SUB


def body(b):
    """Where the fields start: after the magic and, from PBACC05, the CRC
    (PBACC04, without one, is read too, so that the test can be run
    against the payback before the CRC to see it fail)."""
    return 8 if b[:8] == b"PBACC04\0" else 12


def seal(b):
    if body(b) == 8: return b
    b[8:12] = struct.pack("<I", zlib.crc32(bytes(b[12:])) & 0xFFFFFFFF)
    return b


def parse(b):
    """Offsets of the fields the mutations change: paths, and per cell
    (n, s2 sign, stores: lo offset, lo, n, first dense or sparse count)."""
    at = body(b)
    start, H, n_cells, planned = struct.unpack_from("<iiiB", b, at)
    assert b[:8] in (b"PBACC04\0", b"PBACC05\0") and n_cells == N_SERIES * H + N_METRICS, (b[:8], H, n_cells)
    at += 13
    paths_at = at
    at += 8 * 4 + 8 * N_METRICS + 8 * N_METHODS * H + 8 * N_METRICS * H
    cells = []
    for k in range(n_cells):
        c = {"n": struct.unpack_from("<q", b, at)[0]}
        at += 8 * 4 + 1
        for s in ("s1", "s2"):
            c[s] = at
            at += 8 + struct.unpack_from("<I", b, at + 4)[0]
        c["stores"] = []
        for _ in range(2):
            lo, n, coarse = struct.unpack_from("<iiB", b, at)
            st = {"at": at, "lo": lo, "n": n, "count": None}
            at += 9
            for part in range(1 + coarse):
                m = 1054 if part else n
                dense = b[at]
                at += 1
                if dense:
                    if m and st["count"] is None and part == 0: st["count"] = at
                    at += 8 * m
                else:
                    nz = struct.unpack_from("<I", b, at)[0]
                    at += 4
                    if nz and st["count"] is None and part == 0: st["count"] = at + 4
                    at += 12 * nz
            c["stores"].append(st)
        cells.append(c)
    assert at == len(b), (at, len(b))
    return paths_at, cells


def mutate(b, how, arg):
    if how == "flip":
        b[len(b) // 2] ^= 0x5A
        return b
    if how.startswith("truncate"):
        b = b[:-1]
    elif how.startswith("trailing"):
        b = b + bytearray(3)
    elif how == "magic04":
        b[:8] = b"PBACC04\0"
        return b
    elif how == "acc-of":
        return bytearray(h5py.File(arg, "r")["state/acc"][()].tobytes())
    elif how == "blob":
        return bytearray(open(arg, "rb").read())
    elif how == "reseal-blob":
        old = bytearray(open(arg, "rb").read())
        b = bytearray(b"PBACC05\0") + bytearray(4) + old[8:]
    else:
        paths_at, cells = parse(b)
        big = [s for c in cells for s in c["stores"] if s["n"] > 0 and s["count"] is not None]
        st = big[len(big) // 2]
        if how == "paths-sealed":
            b[paths_at:paths_at + 8] = struct.pack("<q", -1)
        elif how == "window-end-sealed":
            b[st["at"]:st["at"] + 4] = struct.pack("<i", N_BUCKETS - st["n"] + 512)
        elif how == "window-lo-sealed":
            b[st["at"]:st["at"] + 4] = struct.pack("<i", 2**31 - 1)
        elif how == "window-neg-sealed":
            b[st["at"]:st["at"] + 4] = struct.pack("<i", -512)
        elif how == "count-sealed":
            v = struct.unpack_from("<Q", b, st["count"])[0]
            b[st["count"]:st["count"] + 8] = struct.pack("<Q", v + 1)
        elif how == "sum-sealed":
            c = next(c for c in cells if c["n"] > 0 and struct.unpack_from("<i", b, c["s2"])[0] == 1)
            b[c["s2"]:c["s2"] + 4] = struct.pack("<i", -1)
        elif how == "shift-sealed":
            assert st["lo"] + st["n"] + 512 <= N_BUCKETS
            b[st["at"]:st["at"] + 4] = struct.pack("<i", st["lo"] + 512)
        else:
            sys.exit("unknown mutation " + how)
    return seal(b) if how.endswith("sealed") or how == "reseal-blob" else b


def main():
    how, src, dst = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        b = mutate(bytearray(f["state/acc"][()].tobytes()), how, arg)
        del f["state/acc"]
        f["state/acc"] = np.frombuffer(bytes(b), dtype=np.uint8)


if __name__ == "__main__":
    main()
