"""Contact-frequency adherence and the care-coordination milestones (metric definitions, section 2).

Every function reads the extract as of the end of ``filters.as_of`` (D). ``agencies`` and
``service_levels`` narrow the episodes. ``period_start``/``period_end`` (inclusive, either
side open) keep the contact periods whose *last day* lies within them, and the milestones
whose *deadline* lies within them.

Contact periods. For each episode with ``enrolled_on ≤ D`` the observed stretch runs from
``enrolled_on`` to E, the earlier of ``discharged_on`` and D (a discharge after D has not
happened yet). It is cut into periods of L days anchored at enrollment: period k runs from
``enrolled_on + k·L`` to ``enrolled_on + (k+1)·L − 1``. Only complete periods (last day ≤ E)
are due; a period is met when a qualifying contact of the episode, by any staff member or
none recorded, falls on one of its days (the date part of ``contact_at``). The rules (service
levels, requirement, L, contact kind) come from ``Settings.contact_periods()``.

Choices where the definitions leave room:

- A contact before ``enrolled_on`` or after E (after discharge, or after D) falls in no
  complete period and never counts; several contacts in one period meet it once.
- The discharge day is a day of the stretch: a period whose last day is the discharge day
  is complete.
- Per staff member, a period is credited to the staff member whose assignment covers the
  period's last day (``start_on ≤ last day ≤ end_on``, ``end_on`` null = open; the last day
  of a complete period is never after discharge). Where two assignments overlap on that day,
  the one that started last wins, then the smallest ``staff_id``; with no assignment that
  day, ``staff_id`` is null ("unassigned"). The definition names assignments only, so an
  assignment left open after its staff member's ``separated_on`` still covers the day; a
  staff member who left shows no periods after the ``end_on`` of their assignments.
- Trends bucket each period by the month of its last day (``month`` = first day of it).

Milestones (``milestones_episodes`` per episode, ``milestones`` per agency × level):

- ``rst_formed`` (RSC levels): an ``rst_meeting`` contact dated from the referral date up
  to ``enrolled_on + 14`` (a meeting on day 14 counts, on day 15 it does not).
  ``sccp_final`` (RSC levels): a ``final`` care plan completed from the referral date up
  to ``enrolled_on + 30``. Both are due once the deadline day has passed while the client
  was still enrolled: deadline ≤ E. A client discharged before the deadline is not judged,
  as an incomplete contact period is not.
- ``sccp_review`` (RSC levels): counting from the first final plan completed by E, every
  care-plan event (of any kind) made by E must be followed by another within 30 days, and
  the last one by the end of the stretch: a review deadline (last event + 30) falling on or
  before E with no event by it fails, since the next event could come on day 31 at the
  earliest. A review on day 30 after the previous event keeps it, one on day 31 fails. Due
  once the first review deadline (final plan + 30, the ``deadline`` column) is ≤ E; an
  episode without a final plan by E is not due here (``sccp_final`` counts it).
- ``rst_at_discharge`` (CM, discharged by D): an ``rst_meeting`` dated from
  ``discharged_on − 7`` through ``discharged_on + 7``; due once that window has closed by
  D (``discharged_on + 7 ≤ D``).
- ``met`` is only ever true when ``due``. Episodes not yet due are listed per episode (due
  false) and counted in the agency rows, so a group with nothing due shows ``due`` 0 and an
  empty rate.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.measures.stats import with_rate
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.cache import kept
from metrics.store.db import query
from metrics.store.derived import ADHERENCE_GRID, requirement_params, stored_covers

# The service levels each milestone applies to (the policy's RSC and CM sections).
RSC_LEVELS = ("RSC-I", "RSC-F")
CM_LEVELS = ("CM",)

GROUP = ("agency_id", "service_level", "requirement")
RATE_COLUMNS = ("periods_due", "periods_met", "adherence", "ci_low", "ci_high")


COUNT_KEYS = ("agency_id", "staff_id", "service_level", "requirement")


def period_counts(con: duckdb.DuckDBPyConnection, filters: Filters,
                  settings: Settings | None = None) -> pl.DataFrame:
    """Per month of the period's last day × agency × staff member × service level ×
    requirement: ``periods_due`` and ``periods_met``, every contact-adherence table's source.

    From the grid stored at load when it covers these filters, counted live otherwise;
    both give the same rows (``tests/test_adherence.py`` holds them to it).
    """
    settings = settings or current_settings()
    if stored_covers(con, ADHERENCE_GRID, filters.as_of, settings):
        counts = _stored_period_counts(con, filters, settings)
    else:
        counts = live_period_counts(con, filters, settings)
    return counts.with_columns(pl.col("periods_due", "periods_met").cast(pl.Int64))


# The agency, staff and monthly tables of one page all sum the same counts, a pass over
# millions of stored rows at state scale; a few recent filter sets are kept (frames are never
# changed in place, so sharing them is safe).
@kept(maxsize=4)
def _stored_period_counts(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings) -> pl.DataFrame:
    # The grid was counted under these settings (stored_covers): they are in the key, not the query.
    return query(con, "adherence_months", **filters.params())


def live_period_counts(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings) -> pl.DataFrame:
    """:func:`period_counts` counted from the contacts, whatever the stored grid."""
    by_day = query(con, "adherence_periods", **filters.params(), **requirement_params(settings))
    return (by_day.with_columns(pl.col("last_day").dt.truncate("1mo").alias("month"))
            .group_by("month", *COUNT_KEYS).agg(pl.col("periods_due", "periods_met").sum()))


def _adherence(con: duckdb.DuckDBPyConnection, keys: tuple[str, ...], filters: Filters,
               settings: Settings | None) -> pl.DataFrame:
    counts = (period_counts(con, filters, settings)
              .group_by(*keys).agg(pl.col("periods_due", "periods_met").sum())
              .sort(*keys, nulls_last=True))
    return with_rate(counts, "periods_met", "periods_due", "adherence")


def adherence_agency(con: duckdb.DuckDBPyConnection, filters: Filters,
                     settings: Settings | None = None) -> pl.DataFrame:
    """Per agency × service level × requirement with a period due: ``periods_due``,
    ``periods_met`` and ``adherence`` = met/due with its Wilson interval.

    The sums of :func:`period_counts`; see the module docstring for the rules.
    """
    frame = _adherence(con, GROUP, filters, settings)
    return frame.select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), *GROUP, *RATE_COLUMNS)


def adherence_staff(con: duckdb.DuckDBPyConnection, filters: Filters,
                    settings: Settings | None = None) -> pl.DataFrame:
    """Per agency × staff member × service level × requirement with a period due: the periods
    credited to that staff member and how many were met, with ``adherence`` and its Wilson
    interval.

    A period is credited to the staff member whose assignment covers its last day (the one
    that started last where two overlap); ``staff_id`` is null for periods nobody was
    assigned on that day. A colleague's contact still meets the period. ``agency_id`` is the
    episode's agency.
    """
    frame = _adherence(con, COUNT_KEYS, filters, settings)
    return frame.select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), *COUNT_KEYS, *RATE_COLUMNS)


def adherence_trend(con: duckdb.DuckDBPyConnection, filters: Filters,
                    settings: Settings | None = None) -> pl.DataFrame:
    """Per month of the period's last day (``month``, its first day) × agency × service level ×
    requirement: periods due and met, ``adherence`` and its Wilson interval.

    The same complete periods as :func:`adherence_agency`, so the months of a group add up to
    its agency row; a month appears when at least one period of the group ended in it.
    """
    frame = _adherence(con, ("month", *GROUP), filters, settings)
    return frame.select("month", *GROUP, *RATE_COLUMNS)


def milestones_episodes(con: duckdb.DuckDBPyConnection, filters: Filters,
                        settings: Settings | None = None) -> pl.DataFrame:
    """One row per episode and milestone that applies to it: ``episode_id, agency_id,
    service_level, milestone, enrolled_on, discharged_on, deadline, due, met``.

    RSC episodes enrolled by D get ``rst_formed``, ``sccp_final`` and ``sccp_review``; CM
    episodes discharged by D get ``rst_at_discharge``. ``discharged_on`` is empty when the
    discharge is after D. ``deadline`` is the day the milestone falls due (for
    ``sccp_review``, the first review deadline: final plan + 30 days; empty without a final
    plan). With a period in the filters, only rows whose deadline lies within it are kept.
    See the module docstring for when each is due and met.
    """
    settings = settings or current_settings()
    return query(con, "milestones_episodes", **filters.params(),
                 rsc_levels=list(RSC_LEVELS), cm_levels=list(CM_LEVELS),
                 rst_formed_days=settings.rst_formed_days,
                 sccp_final_days=settings.sccp_final_days,
                 sccp_review_days=settings.sccp_review_days,
                 rst_at_discharge_days=settings.rst_at_discharge_days)


def milestones(con: duckdb.DuckDBPyConnection, filters: Filters,
               settings: Settings | None = None) -> pl.DataFrame:
    """Per agency × service level × milestone with at least one episode it applies to:
    episodes ``due``, ``met`` and ``rate`` = met/due with its Wilson interval (empty when
    nothing is due yet). Built from :func:`milestones_episodes`.
    """
    episodes = milestones_episodes(con, filters, settings)
    keys = ("agency_id", "service_level", "milestone")
    counts = episodes.group_by(*keys).agg(
        pl.col("due").sum().cast(pl.Int64).alias("due"),
        pl.col("met").sum().cast(pl.Int64).alias("met"),
    )
    return (
        with_rate(counts, "met", "due", "rate")
        .select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), *keys, "due", "met", "rate",
                "ci_low", "ci_high")
        .sort(*keys)
    )


def safety_plans(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per agency × service level with a final care plan completed by D: ``final_plans``, ``due``
    (those recording whether a written Safety/Crisis Plan is included), ``met`` (those including
    one), ``not_recorded`` (the rest) and ``rate`` = met/due with its Wilson interval.
    """
    counts = query(con, "safety_plans_agency", **filters.params())
    return (
        with_rate(counts.with_columns(pl.col("final_plans", "due", "met").cast(pl.Int64)), "met", "due", "rate")
        .with_columns((pl.col("final_plans") - pl.col("due")).alias("not_recorded"))
        .select(pl.lit(filters.as_of, dtype=pl.Date).alias("as_of"), "agency_id", "service_level", "final_plans",
                "due", "met", "not_recorded", "rate", "ci_low", "ci_high")
    )

