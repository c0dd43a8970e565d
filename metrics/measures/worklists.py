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

Both are lists of individual episodes: the dashboard shows them only to those who may see the
agency, and never while presenting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.db import query
from metrics.store.derived import requirement_params


def referrals_waiting(con: duckdb.DuckDBPyConnection, filters: Filters,
                      settings: Settings | None = None) -> pl.DataFrame:
    """One row per episode still waiting for its first contact at the end of D, overdue first."""
    settings = settings or current_settings()
    return query(con, "referrals_waiting", **filters.params(),
                 standard_hours=settings.first_contact_standard_hours,
                 emergency_hours=settings.first_contact_emergency_hours, time_zone=settings.time_zone)


def contacts_due(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings | None = None) -> pl.DataFrame:
    """One row per enrolled episode × contact requirement: its current period on D, soonest due first."""
    settings = settings or current_settings()
    return query(con, "contacts_due", **filters.params(), **requirement_params(settings))


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
)


def worklists(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, pl.DataFrame]:
    """Every worklist, its contract's columns first."""
    found = {}
    for worklist in WORKLISTS:
        frame = worklist.compute(con, filters)
        found[worklist.name] = frame.select(*worklist.columns,
                                            *[c for c in frame.columns if c not in worklist.columns])
    return found
