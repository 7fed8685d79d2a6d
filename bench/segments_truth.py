#!/usr/bin/env python3
"""Segments of a demo (or `icp run`) workspace against the generator's true archetypes.

Usage: python3 bench/segments_truth.py WORKSPACE

Reads WORKSPACE/out/segment_assignments.csv (the nearest segment of every account, outliers
included) and WORKSPACE/truth/accounts.csv, and prints K, the adjusted Rand index and the
cross-table. Standard library only: the ARI is computed here from the contingency table.
"""
import csv
import sys
from collections import Counter
from math import comb


def ari(a, b):
    pairs = Counter(zip(a, b))
    ca, cb = Counter(a), Counter(b)
    n = len(a)
    index = sum(comb(v, 2) for v in pairs.values())
    sa = sum(comb(v, 2) for v in ca.values())
    sb = sum(comb(v, 2) for v in cb.values())
    expected = sa * sb / comb(n, 2)
    top = (sa + sb) / 2
    return (index - expected) / (top - expected)


def main(ws):
    truth = {r["account_id"]: r["archetype"] for r in csv.DictReader(open(f"{ws}/truth/accounts.csv"))}
    rows = list(csv.DictReader(open(f"{ws}/out/segment_assignments.csv")))
    seg, arch = [], []
    for r in rows:
        if r["account_id"] in truth:
            seg.append(r["nearest_segment"])
            arch.append(truth[r["account_id"]])
    print(f"accounts {len(seg)}, segments {len(set(seg))}, archetypes {len(set(arch))}")
    print(f"adjusted Rand index vs archetypes: {ari(seg, arch):.3f}")
    segs = sorted(set(seg), key=int)
    print("archetype".ljust(26) + "".join(s.rjust(6) for s in segs))
    table = Counter(zip(arch, seg))
    for a in sorted(set(arch)):
        print(a.ljust(26) + "".join(str(table[(a, s)]).rjust(6) for s in segs))


if __name__ == "__main__":
    main(sys.argv[1])
