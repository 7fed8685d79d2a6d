#!/usr/bin/env python3
"""Scores the behaviour stage of one `icp run` against the generator's ground truth.

Usage: bench/behaviour_truth.py WORLD_DIR   (WORLD_DIR holds truth/ and out/ after `icp run`)

Matching rule (the same as crates/icp-core/tests/behaviour.rs): a detected episode matches a
true buying-cycle start of the same canonical account when its start is within ±14 days;
true starts count only when the detector could see them (at least 104 days after the first
scored day and 14 days before the last). Standard library only.
"""
import csv, datetime as dt, json, sys
from collections import defaultdict

MATCH, HISTORY = 14, 104
d = sys.argv[1]
day = lambda s: (dt.date.fromisoformat(s) - dt.date(1970, 1, 1)).days
canon = {}
for r in csv.DictReader(open(f"{d}/truth/accounts.csv")):
    canon[r["account_id"]] = r["canonical_account_id"] or r["account_id"]
b = json.load(open(f"{d}/out/behaviour.json"))
first, last = day(b["first_day"]), day(b["last_day"])
truth = defaultdict(list)
for r in csv.DictReader(open(f"{d}/truth/surges.csv")):
    s = day(r["start_date"])
    if first + HISTORY <= s <= last - MATCH:
        truth[canon[r["account_id"]]].append(s)
eligible = sum(map(len, truth.values()))
episodes = defaultdict(lambda: defaultdict(list))
for r in csv.DictReader(open(f"{d}/out/surges.csv")):
    episodes[r["kind"]][r["account_id"]].append(day(r["start_date"]))
for kind in ("buying_surge", "intent_baseline"):
    det = episodes[kind]
    n = sum(map(len, det.values()))
    hits = sum(any(abs(s - t) <= MATCH for t in truth.get(a, [])) for a, v in det.items() for s in v)
    found = sum(any(abs(s - t) <= MATCH for s in det.get(a, [])) for a, v in truth.items() for t in v)
    print(f"{kind}: {n} episodes, precision {hits / max(n, 1):.3f}, recall {found / max(eligible, 1):.3f} ({eligible} true starts)")
for m in b["methods"]:
    share = m["followed_by_deal"] / max(m["judged"], 1)
    print(f"{m['kind']}: followed by a deal within 90 d {share:.3f} of {m['judged']} judged, median lead {m['median_lead_days']} d")
e = b["engagement"]
if e:
    print(f"engagement (held-out {e['test_date']}, {e['test_rows']} accounts, {e['test_positives']} new deals): AUC learned {e['auc_learned']:.3f}, equal points {e['auc_equal_points']:.3f}")
paths = b["journeys"]["paths"]
planted = ["competitor_comparison", "demo_request", "roi_calculator"]
rank = next((i for i, p in enumerate(paths) if p["steps"] == planted), None)
print(f"planted path rank {rank} of {len(paths)}" + (f": support {paths[rank]['support']}, lift {paths[rank]['lift']:.2f}x base" if rank is not None else ""))
for p in paths[:5]:
    print(f"  {' -> '.join(p['steps'])}: support {p['support']}, conversion {p['conversion_rate']:.3f}, lift {p['lift']:.2f}x")
