"""Worklists: who needs what on the morning after the report date D (metric definitions, section 6).

Measures look back; a worklist names the episodes that need someone's attention now. Both
worklists read the extract as of the end of D, leave out episodes discharged on or before D,
and name the staff member of the assignment active on D (``queries/assigned_on.sql``: the one
that started last, then the smallest ``staff_id``; empty when none is active). The filters'
``agencies`` and ``service_levels`` narrow the episodes; a worklist is "now", so the counting
window does not apply.

- ``referrals_waiting``: every episode referred before the end of D with no first contact by
  then, with the elapsed hours it has waited and whether that passes its standard.
- ``contacts_due``: every enrolled episode × contact requirement, with its current period,
  whether a qualifying contact fell in it so far, whether the previous period had one, when
  the next contact is due and the last contact.
- ``milestones_due``: the care-coordination milestones still open (RST formed, final SCCP,
  the next SCCP review) due within ``worklist_milestone_days`` or overdue.
- ``plans_due``: DCTS plans of action and corrective actions to complete, and corrective-action
  responses to receive, due within ``worklist_plan_days`` or overdue (the deadlines page's).

Both are lists of individual episodes: the dashboard shows them only to those who may see the
agency, and never while presenting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from metrics.measures.adherence import RSC_LEVELS
from metrics.measures.deadlines import deadlines
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.db import query
from metrics.store.derived import requirement_params


def now_filters(filters: Filters) -> Filters:
    """A worklist's filters: the counting window does not apply to what needs doing now."""
    return replace(filters, period_start=None, period_end=None)


def referrals_waiting(con: duckdb.DuckDBPyConnection, filters: Filters,
                      settings: Settings | None = None) -> pl.DataFrame:
    """One row per episode still waiting for its first contact at the end of D, overdue first."""
    settings = settings or current_settings()
    return query(con, "referrals_waiting", **now_filters(filters).params(),
                 standard_hours=settings.first_contact_standard_hours,
                 emergency_hours=settings.first_contact_emergency_hours, time_zone=settings.time_zone)


def contacts_due(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings | None = None) -> pl.DataFrame:
    """One row per enrolled episode × contact requirement: its current period on D, soonest due first."""
    settings = settings or current_settings()
    return query(con, "contacts_due", **now_filters(filters).params(), **requirement_params(settings))


def milestones_due(con: duckdb.DuckDBPyConnection, filters: Filters,
                   settings: Settings | None = None) -> pl.DataFrame:
    """One row per open milestone of an enrolled RSC episode, due within the horizon or overdue."""
    settings = settings or current_settings()
    return query(con, "milestones_due", **now_filters(filters).params(), rsc_levels=list(RSC_LEVELS),
                 rst_formed_days=settings.rst_formed_days, sccp_final_days=settings.sccp_final_days,
                 sccp_review_days=settings.sccp_review_days, horizon_days=settings.worklist_milestone_days)


def plans_due(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings | None = None) -> pl.DataFrame:
    """The open deadlines of plans and corrective-action responses, due within the horizon or overdue."""
    settings = settings or current_settings()
    open_deadlines = deadlines(con, now_filters(filters), settings)
    return (
        open_deadlines.filter(pl.col("kind").is_in(["plan", "response"])
                              & (pl.col("days_until_due") <= settings.worklist_plan_days))
        .with_columns((pl.col("days_until_due") < 0).alias("overdue"))
        .select("agency_id", "kind", "reference", "what", "due_on", pl.col("days_until_due").alias("days_left"),
                "overdue")
        .sort("days_left", "agency_id", "reference")
    )


@dataclass(frozen=True)
class Worklist:
    name: str  # its file is <name>.csv
    compute: Callable[[duckdb.DuckDBPyConnection, Filters], pl.DataFrame]
    columns: tuple[str, ...]  # the contract's columns, first and in this order


WORKLISTS: tuple[Worklist, ...] = (
    Worklist("referrals_waiting", referrals_waiting,
             ("episode_id", "agency_id", "service_level", "emergency", "referred_at", "staff_id", "hours_waiting",
              "standard_hours", "overdue")),
    Worklist("contacts_due", contacts_due,
             ("episode_id", "agency_id", "service_level", "requirement", "staff_id", "period_start", "period_end",
              "met_this_period", "previous_period_met", "due_by", "days_left", "last_contact_on")),
    Worklist("milestones_due", milestones_due,
             ("episode_id", "agency_id", "service_level", "milestone", "staff_id", "due_on", "days_left", "overdue")),
    Worklist("plans_due", plans_due, ("agency_id", "kind", "reference", "what", "due_on", "days_left", "overdue")),
)


WORKLIST_BY_NAME = {worklist.name: worklist for worklist in WORKLISTS}


def worklists(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, pl.DataFrame]:
    """Every worklist, its contract's columns first."""
    found = {}
    for worklist in WORKLISTS:
        frame = worklist.compute(con, filters)
        found[worklist.name] = frame.select(*worklist.columns,
                                            *[c for c in frame.columns if c not in worklist.columns])
    return found
