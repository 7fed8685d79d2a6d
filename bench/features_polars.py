"""The same as-of aggregation as icp's feature SQL, in polars, for bench/features.sh.

Reads the clean Parquet tables icp wrote, and for one as-of moment T (microseconds) computes
per account: events in 7/30/60/90 days, per event type in 30/90 days, days since the last
event, active days and distinct contacts, velocity, the time-decayed total, sales history,
subscription state and support aggregates, joined onto the accounts. Events count only with
an account_id (as icp without identity keys). Prints the wall and CPU seconds of
scan-to-result, the rows, the columns and the polars version.
Usage: python features_polars.py CLEAN_DIR AS_OF_MICROS
"""
import sys
import time

import polars as pl

DAY = 86_400_000_000


def snapshot(clean: str, t: int) -> pl.DataFrame:
    def ts(name):
        return pl.col(name).cast(pl.Int64)

    ev = (
        pl.scan_parquet(f"{clean}/events.parquet")
        .select("account_id", ts("timestamp").alias("ts"), "event_type", "contact_id")
        .filter(pl.col("ts") < t, pl.col("account_id").is_not_null())
    )
    types = (
        ev.group_by("event_type").len().sort(["len", "event_type"], descending=[True, False])
        .head(16).collect()["event_type"].to_list()
    )
    within = lambda d: pl.col("ts") >= t - d * DAY  # noqa: E731
    aggs = [((within(d)).sum()).alias(f"events_{d}d") for d in (7, 30, 60, 90)]
    for ty in types:
        for d in (30, 90):
            aggs.append(((pl.col("event_type") == ty) & within(d)).sum().alias(f"{ty}_{d}d"))
    aggs += [
        ((t - pl.col("ts").max()) / DAY).alias("days_since_last_event"),
        (pl.col("ts") // DAY).filter(within(30)).n_unique().alias("active_days_30d"),
        pl.col("contact_id").filter(within(30)).drop_nulls().n_unique().alias("contacts_30d"),
        pl.col("contact_id").filter(within(90)).drop_nulls().n_unique().alias("contacts_90d"),
        ((within(30).sum() + 1) / ((within(60) & ~within(30)).sum() + 1)).alias("velocity_30d"),
        (0.5 ** ((t - pl.col("ts")) / (30 * DAY))).sum().alias("decayed_events"),
    ]
    engagement = ev.group_by("account_id").agg(aggs)

    opp = pl.scan_parquet(f"{clean}/opportunities.parquet").select(
        "account_id", ts("created_at").alias("created"), ts("closed_at").alias("closed"),
        "status", "amount",
    )
    closed_before = pl.col("closed") < t
    sales = opp.group_by("account_id").agg(
        (pl.col("created") < t).sum().alias("prior_opportunities"),
        ((pl.col("status") == "won") & closed_before).sum().alias("prior_wins"),
        ((pl.col("status") == "lost") & closed_before).sum().alias("prior_losses"),
        ((t - pl.col("created").filter(pl.col("created") < t).max()) / DAY)
        .alias("days_since_last_opportunity"),
        ((pl.col("closed") - pl.col("created")) / DAY)
        .filter(pl.col("status").is_in(["won", "lost"]) & closed_before)
        .mean().alias("mean_cycle_days"),
        pl.col("amount").filter((pl.col("status") == "won") & closed_before).sum()
        .alias("prior_won_amount"),
    )

    sub = pl.scan_parquet(f"{clean}/subscriptions.parquet").select(
        "account_id", ts("start_date").alias("s"), ts("end_date").alias("e"), "mrr", "seats",
    )
    active = (pl.col("s") < t) & (pl.col("e").is_null() | (pl.col("e") >= t))
    subscription = sub.group_by("account_id").agg(
        active.max().cast(pl.Int64).alias("active_subscription"),
        ((t - pl.col("s").filter(pl.col("s") < t).min()) / DAY).alias("tenure_days"),
        pl.col("mrr").filter(active).sum().alias("mrr"),
        pl.col("seats").filter(active).sum().alias("seats"),
    )

    tk = pl.scan_parquet(f"{clean}/tickets.parquet").select(
        "account_id", ts("created_at").alias("c"), ts("resolved_at").alias("r"), "csat",
    )
    recent = (pl.col("c") >= t - 90 * DAY) & (pl.col("r") < t)
    support = tk.group_by("account_id").agg(
        ((pl.col("c") < t) & (pl.col("c") >= t - 30 * DAY)).sum().alias("tickets_30d"),
        ((pl.col("c") < t) & (pl.col("c") >= t - 90 * DAY)).sum().alias("tickets_90d"),
        ((pl.col("c") < t) & (pl.col("r").is_null() | (pl.col("r") >= t))).sum()
        .alias("open_tickets"),
        ((pl.col("r") - pl.col("c")) / 3_600_000_000).filter(recent).mean()
        .alias("mean_resolution_hours_90d"),
        pl.col("csat").filter(recent).mean().alias("mean_csat_90d"),
    )

    accounts = pl.scan_parquet(f"{clean}/accounts.parquet").select(
        "account_id", "industry", "country",
        (pl.col("employees").cast(pl.Float64) + 1).log().alias("log_employees"),
    )
    out = (
        accounts.join(engagement, on="account_id", how="left")
        .join(sales, on="account_id", how="left")
        .join(subscription, on="account_id", how="left")
        .join(support, on="account_id", how="left")
        .sort("account_id")
    )
    return out.collect()


if __name__ == "__main__":
    clean, t = sys.argv[1], int(sys.argv[2])
    started, cpu = time.perf_counter(), time.process_time()
    frame = snapshot(clean, t)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{elapsed:.3f} {cpu:.3f} {frame.height} {frame.width} {pl.__version__}")
