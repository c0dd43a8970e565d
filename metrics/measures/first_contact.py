"""Time to first contact after a CIU referral, and how soon referrals are assigned.

Every function reads the extract as of the end of ``filters.as_of`` (D) and honours the
filters: ``agencies`` and ``service_levels`` narrow the episodes, and ``period_start`` /
``period_end`` keep the episodes whose referral *date* lies within them (inclusive).

Choices where the definitions leave room:

- Hours are elapsed time. The extract's timestamps are local wall-clock times
  (America/Chicago), so they are read as instants in that zone before subtracting: a
  referral at 10:00 on the day before the spring daylight-saving change, reached at 10:30
  the next day, was reached after 23.5 hours, not 24.5.
- An episode is ``met`` only when it is ``due``: a referral reached within the standard
  but whose standard has not yet run out by the end of D is counted neither way.
- A contact after the episode's discharge still counts as its first contact (the
  definition bounds contacts only by the referral and by D); the discharge day bounds
  only the follow-up of an episode never reached.
- An assignment is met only when it is due, like a first contact; an assignment made
  exactly at the end of the deadline day is late.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from metrics.measures.stats import kaplan_meier, survival_quantile, with_rate
from metrics.policy.calendar import holiday_dates
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.cache import kept
from metrics.store.db import query

# The Kaplan–Meier summaries: the share still not reached at the median and the 90th percentile.
MEDIAN_SHARE_LEFT = 0.5
P90_SHARE_LEFT = 0.1

GROUP = ("agency_id", "emergency")


def first_contact_episodes(con: duckdb.DuckDBPyConnection, filters: Filters,
                           settings: Settings | None = None) -> pl.DataFrame:
    """One row per episode referred before the end of D, with its first client contact.

    ``first_contact_at`` is the earliest contact of kind ``client`` at or after
    ``referred_at`` and before the end of D (attempts, collateral contacts and RST
    meetings do not count); ``hours`` is the elapsed time to it. ``standard_hours`` is the
    emergency standard (0.5 h) or the ordinary one (24 h) from the settings. ``due`` when
    the standard has run out by the end of D; ``met`` when due and reached within it.

    ``followed_hours`` and ``contacted`` are the Kaplan–Meier time and event flag: an
    episode reached is an event at ``hours``; one not reached is censored at the end of D,
    or at the end of its discharge day if that is earlier.
    """
    return _episodes(con, filters, settings or current_settings())


# The agency table, the curve and the trend of one page all start from the same episodes,
# a few hundred thousand rows at state scale; a few recent filter sets are kept (frames are
# never changed in place, so sharing them is safe).
@kept(maxsize=4)
def _episodes(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings) -> pl.DataFrame:
    return query(con, "first_contact_episodes", **filters.params(),
                 standard_hours=settings.first_contact_standard_hours,
                 emergency_hours=settings.first_contact_emergency_hours, time_zone=settings.time_zone)


def first_contact_agency(con: duckdb.DuckDBPyConnection, filters: Filters,
                         settings: Settings | None = None) -> pl.DataFrame:
    """Per agency × emergency with at least one referral: referrals, due, met, ``pct_met``
    (met/due, with its Wilson interval; null when nothing is due) and the Kaplan–Meier
    ``median_hours`` and ``p90_hours`` to first contact.

    The percentiles are the smallest times at which the estimated share not yet reached
    falls to 0.5 or below (0.1 for p90), over every referral of the group: those never
    reached are censored, never dropped. Null when the share never falls that far.
    """
    settings = settings or current_settings()
    episodes = first_contact_episodes(con, filters, settings)
    counts = (
        episodes.group_by(*GROUP)
        .agg(pl.len().alias("referrals"), pl.col("due").sum().alias("due"), pl.col("met").sum().alias("met"))
        .with_columns(pl.col("referrals", "due", "met").cast(pl.Int64))
    )
    rows = []
    for (agency_id, emergency), group in episodes.partition_by(*GROUP, as_dict=True).items():
        times, events = _follow_up(group)
        rows.append({
            "agency_id": agency_id,
            "emergency": emergency,
            "median_hours": survival_quantile(times, events, MEDIAN_SHARE_LEFT),
            "p90_hours": survival_quantile(times, events, P90_SHARE_LEFT),
        })
    quantiles = pl.DataFrame(rows, schema={"agency_id": pl.String, "emergency": pl.Boolean,
                                           "median_hours": pl.Float64, "p90_hours": pl.Float64})
    return (
        with_rate(counts, "met", "due", "pct_met", settings.confidence_level)
        .join(quantiles, on=list(GROUP), how="left")
        .select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), "agency_id", "emergency", "referrals",
                "due", "met", "pct_met", "ci_low", "ci_high", "median_hours", "p90_hours")
        .sort(*GROUP)
    )


def first_contact_curve(con: duckdb.DuckDBPyConnection, filters: Filters,
                        settings: Settings | None = None) -> pl.DataFrame:
    """The Kaplan–Meier step function per agency × emergency, for charts.

    Each curve starts at ``hours`` 0 with ``share_not_reached`` 1.0, then gives the share
    still not reached from each distinct follow-up time on (censoring times included, so the
    curve runs to the end of follow-up). A contact at the referral instant itself shows as
    a second point at hours 0. A group with no contact at all stays at 1.0.
    """
    settings = settings or current_settings()
    episodes = first_contact_episodes(con, filters, settings)
    parts = []
    for (agency_id, emergency), group in sorted(episodes.partition_by(*GROUP, as_dict=True).items()):
        times, events = _follow_up(group)
        curve = kaplan_meier(times, events)
        if curve is None:  # no event: nobody reached, the share stays whole
            hours, share = np.unique(times), np.ones(np.unique(times).size)
        else:
            hours, share = curve["time"], curve["share_left"]
        parts.append(pl.DataFrame({
            "agency_id": agency_id,
            "emergency": emergency,
            "hours": np.concatenate(([0.0], hours)),
            "share_not_reached": np.concatenate(([1.0], share)),
        }, schema={"agency_id": pl.String, "emergency": pl.Boolean, "hours": pl.Float64,
                   "share_not_reached": pl.Float64}))
    if not parts:
        return pl.DataFrame(schema={"agency_id": pl.String, "emergency": pl.Boolean, "hours": pl.Float64,
                                    "share_not_reached": pl.Float64})
    return pl.concat(parts)


def first_contact_trend(con: duckdb.DuckDBPyConnection, filters: Filters,
                        settings: Settings | None = None) -> pl.DataFrame:
    """Per month of referral (``month``, its first day) × agency × emergency: due, met and
    ``pct_met`` with its Wilson interval, as of the end of D.

    A month appears when the group had a referral in it; ``pct_met`` is null while none of
    its referrals is due yet.
    """
    settings = settings or current_settings()
    episodes = first_contact_episodes(con, filters, settings)
    counts = (
        episodes.with_columns(pl.col("referred_at").dt.date().dt.month_start().alias("month"))
        .group_by("month", *GROUP)
        .agg(pl.col("due").sum().cast(pl.Int64).alias("due"), pl.col("met").sum().cast(pl.Int64).alias("met"))
    )
    return (
        with_rate(counts, "met", "due", "pct_met", settings.confidence_level)
        .select("month", "agency_id", "emergency", "due", "met", "pct_met", "ci_low", "ci_high")
        .sort("month", *GROUP)
    )


def assignment_episodes(con: duckdb.DuckDBPyConnection, filters: Filters,
                        settings: Settings | None = None) -> pl.DataFrame:
    """One row per non-emergency episode referred before the end of D, with its assignment deadline.

    ``deadline`` is the end of the first business day after the date of ``referred_at``
    (the ``assignment_business_days``-th, from the settings), i.e. the instant that day +
    1 day 00:00. Business days are Monday to Friday less the holidays of the configured
    calendar. ``due`` when the deadline has passed by the end of D; ``met`` when due and
    ``assigned_at`` is before the deadline. An ``assigned_at`` after D is shown empty: it
    has not happened yet.
    """
    settings = settings or current_settings()
    years = query(con, "assignment_years", **filters.params())
    first_year, last_year = years["first_year"][0], years["last_year"][0]
    # A deadline may fall in the year after the last referral.
    last_year += 1 + settings.assignment_business_days // 200
    return query(con, "assignment_episodes", **filters.params(),
                 business_days=settings.assignment_business_days,
                 holidays=holiday_dates(first_year, last_year, settings.calendar))


def assignment_timeliness(con: duckdb.DuckDBPyConnection, filters: Filters,
                          settings: Settings | None = None) -> pl.DataFrame:
    """Per agency with a non-emergency referral: assignments due, met, and ``pct_met``
    (met/due, with its Wilson interval; null when nothing is due yet). See
    :func:`assignment_episodes` for the deadline."""
    settings = settings or current_settings()
    episodes = assignment_episodes(con, filters, settings)
    counts = (
        episodes.group_by("agency_id")
        .agg(pl.col("due").sum().cast(pl.Int64).alias("due"), pl.col("met").sum().cast(pl.Int64).alias("met"))
    )
    return (
        with_rate(counts, "met", "due", "pct_met", settings.confidence_level)
        .select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), "agency_id", "due", "met", "pct_met",
                "ci_low", "ci_high")
        .sort("agency_id")
    )


def _follow_up(group: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return group["followed_hours"].to_numpy(), group["contacted"].to_numpy()
