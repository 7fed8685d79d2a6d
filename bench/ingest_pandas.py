"""The pandas equivalent of `icp check` on a generated company: read the six CSV files with
typed columns and run the same headline checks (missing ids, duplicate ids, unknown accounts,
future timestamps). Prints the wall time in seconds as JSON. Used by bench/ingest.sh."""
import json
import sys
import time

import pandas as pd

d = sys.argv[1]
now = pd.Timestamp(sys.argv[2])
t0 = time.perf_counter()
acc = pd.read_csv(f"{d}/data/accounts.csv", dtype={"account_id": str}, on_bad_lines="skip",
                  encoding_errors="replace")
acc["employees"] = pd.to_numeric(acc["employees"], errors="coerce")
acc["annual_revenue"] = pd.to_numeric(acc["annual_revenue"], errors="coerce")
ids = acc["account_id"].dropna()
known = set(ids[~ids.duplicated()])
opp = pd.read_csv(f"{d}/data/opportunities.csv", thousands=",", on_bad_lines="skip", encoding_errors="replace")
for c in ["Created Date", "Close Date"]:
    opp[c] = pd.to_datetime(opp[c], format="%m/%d/%Y", errors="coerce")
subs = pd.read_csv(f"{d}/data/subscriptions.csv", parse_dates=["start_date", "end_date"], on_bad_lines="skip", encoding_errors="replace")
ev = pd.read_csv(f"{d}/data/events.csv", dtype={"account_id": str, "email": str, "domain": str, "contact_id": str,
                                               "event_type": str}, on_bad_lines="skip", encoding_errors="replace")
ev["timestamp"] = pd.to_datetime(ev["timestamp"], errors="coerce", utc=True)
tk = pd.read_csv(f"{d}/data/tickets.csv", on_bad_lines="skip", encoding_errors="replace")
tk["created_at"] = pd.to_datetime(tk["created_at"], errors="coerce", utc=True)
fb = pd.read_csv(f"{d}/data/feedback.csv", on_bad_lines="skip", encoding_errors="replace")
checks = {
    "accounts_duplicate_ids": int(acc["account_id"].duplicated().sum()),
    "opportunities_unknown_accounts": int((~opp["Account ID"].isin(known)).sum()),
    "events_unknown_accounts": int((ev["account_id"].notna() & ~ev["account_id"].isin(known)).sum()),
    "events_future": int((ev["timestamp"] > now.tz_localize("UTC")).sum()),
    "events_bad_time": int(ev["timestamp"].isna().sum()),
    "rows": int(len(acc) + len(opp) + len(subs) + len(ev) + len(tk) + len(fb)),
}
print(json.dumps({"seconds": time.perf_counter() - t0, "checks": checks}))
