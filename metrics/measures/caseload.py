"""Caseload utilization: each worker's caseload against the policy standard, per agency and role, and by month.

Every function reads the extract as of the end of ``filters.as_of`` (D). ``agencies``
narrows the staff by their agency; ``service_levels`` narrows them by role (a role is
named like the service level it serves). The snapshot on D ignores ``period_start`` /
``period_end``; the trend keeps the month ends within them.

Choices where the definitions leave room:

- A worker's caseload counts every active assignment of theirs, whatever the episode's
  agency or service level: the filters choose workers, not clients.
- An assignment is active from ``start_on`` whether or not the episode was ever
  enrolled; only ``end_on`` and ``discharged_on`` end it, as the definition says.
- On the day of a transfer where the old assignment's ``end_on`` equals the new one's
  ``start_on``, both workers carry the client that day (both assignments are active).
- Roles are shown when the settings give them a standard; ``other`` has none.
- Capacity is rounded to six decimals so that a floating-point product cannot move a
  worker across a band boundary.
- The trend starts at ``period_start`` when it is set, else at the month of the first
  assignment of the staff in scope; D counts only when it is a month end.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.store.cache import kept
from metrics.store.db import query

GROUP = ("agency_id", "role")


def _staff_rows(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings | None,
                month_ends: bool) -> pl.DataFrame:
    return _counted_staff_rows(con, filters, settings or current_settings(), month_ends)


# The staff table and the agency table on D (on the overview, and on the caseload page) are
# the same rows; a few recent filter sets are kept.
@kept(maxsize=4)
def _counted_staff_rows(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings,
                        month_ends: bool) -> pl.DataFrame:
    standards = settings.caseload_standard
    return query(con, "caseload_staff", **filters.params(),
                 month_ends=month_ends,
                 standard_roles=list(standards),
                 standard_per_fte=[float(value) for value in standards.values()],
                 family_roles=list(settings.caseload_family_roles),
                 band_at_lower=float(settings.band_at_lower),
                 band_over_above=float(settings.band_over_above))


def _by_agency_role(staff: pl.DataFrame, date_column: str) -> pl.DataFrame:
    """Sum staff rows per date × agency × role: utilization = Σcaseload / Σcapacity."""
    keys = (date_column, *GROUP)
    return (
        staff.rename({"as_of": date_column})
        .group_by(*keys)
        .agg(
            pl.len().cast(pl.Int64).alias("staff"),
            pl.col("caseload").sum().cast(pl.Int64),
            pl.col("capacity").sum().cast(pl.Float64),
            (pl.col("band") == "over").sum().cast(pl.Int64).alias("staff_over"),
        )
        .with_columns((pl.col("caseload") / pl.col("capacity")).alias("utilization"))
        .select(*keys, "staff", "caseload", "capacity", "utilization", "staff_over")
        .sort(*keys)
    )


def caseload_staff(con: duckdb.DuckDBPyConnection, filters: Filters,
                   settings: Settings | None = None) -> pl.DataFrame:
    """One row per staff member with a standard who is active on D.

    ``caseload`` is the distinct clients of their assignments active on D (families for
    RSC-F); ``capacity`` = standard × ``fte``; ``utilization`` = caseload / capacity;
    ``band`` is ``over`` above 1.0, ``at`` from 0.8 up to 1.0, ``under`` below 0.8
    (bounds from the settings). Sorted by agency, role and staff member.
    """
    return _staff_rows(con, filters, settings, month_ends=False).sort("agency_id", "role", "staff_id")


def caseload_agency(con: duckdb.DuckDBPyConnection, filters: Filters,
                    settings: Settings | None = None) -> pl.DataFrame:
    """Per agency × role with at least one active staff member on D: ``staff``, Σcaseload,
    Σcapacity, ``utilization`` = Σcaseload / Σcapacity and ``staff_over`` (staff in band over).
    """
    return _by_agency_role(caseload_staff(con, filters, settings), "as_of")


def caseload_trend(con: duckdb.DuckDBPyConnection, filters: Filters,
                   settings: Settings | None = None) -> pl.DataFrame:
    """The agency × role snapshot of :func:`caseload_agency` taken at every month end ≤ D.

    Month ends within ``period_start``/``period_end`` when set; with no ``period_start``,
    from the month of the first assignment of the staff in scope. Columns ``month_end``,
    ``agency_id``, ``role``, ``staff``, ``caseload``, ``capacity``, ``utilization``,
    ``staff_over``; sorted by month end, agency and role.
    """
    return _by_agency_role(_staff_rows(con, filters, settings, month_ends=True), "month_end")
