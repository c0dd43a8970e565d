"""The caseload page: utilization by agency and role, staff in bands, the month-end trend."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Linked
from metrics.measures.registry import COUNTED
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.views import Figures, Metric, named


def caption(as_of: dt.date) -> str:
    return f"Caseloads on {as_of:%d %B %Y} against the policy standards (per 1.0 FTE)."


def utilization(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns((pl.col("caseload") / pl.col("capacity")).alias("utilization"))


def by_agency(trend: pl.DataFrame) -> pl.DataFrame:
    """Caseload and capacity of each agency at each month end, all roles together."""
    return (
        trend.group_by("month_end", "agency_id")
        .agg(pl.col("caseload").sum(), pl.col("capacity").sum())
        .pipe(utilization)
        .sort("month_end", "agency_id")
    )


def linked(agency: pl.DataFrame, trend: pl.DataFrame) -> Linked:
    """The agencies' caseloads on the report date add up to the overall figure, and, when the
    report date is a month end, to each agency's point of the trend: suppressed as one."""
    return (
        Linked()
        .add(
            "agency",
            agency.with_columns(pl.col("as_of").alias("month_end")),
            ("agency_id", "role"),
            COUNTED["caseload_agency"],
        )
        .add("month", by_agency(trend), ("month_end", "agency_id"), COUNTED["caseload_trend"])
        .add(
            "all",
            agency.select(pl.col("caseload").sum(), pl.col("capacity").sum()).pipe(utilization),
            (),
            COUNTED["caseload_agency"],
        )
        .sums("agency", "all")
        .sums("agency", "month")
    )


def counted_staff(staff: pl.DataFrame, drawn: pl.DataFrame) -> pl.DataFrame:
    """Staff in the roles whose caseload is drawn: while presenting, a count over every role, less
    those shown, would tell whether a hidden caseload is over its standard."""
    return staff.join(drawn.select("agency_id", "role"), on=["agency_id", "role"], how="semi")


def headlines(figures: Figures, staff: pl.DataFrame, public: bool, rules: Settings | None = None) -> list[Metric]:
    """Overall utilization, agency roles over standard and staff over standard."""
    over = (rules or settings()).band_over_above
    drawn = figures.rows("agency")
    roles_shown = " (of the roles shown)" if public else ""
    return [
        Metric(
            "Overall utilization",
            wording.rate_text(figures.table("all")["utilization"].item(), figures.hidden("all").item()),
        ),
        Metric(f"Agency roles over standard{roles_shown}", int((drawn["utilization"] > over).sum())),
        Metric(f"Staff over standard{roles_shown}", int((counted_staff(staff, drawn)["band"] == "over").sum())),
    ]


def agency_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name", "role", "staff", "caseload", "capacity", "utilization", "staff_over", "agency_id"
    )


def band_totals(staff: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Staff per agency and band."""
    return named(staff, labels).group_by("agency_name", "band").len("staff").sort("agency_name", "band")


def trend_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select("month_end", "agency_name", "caseload", "capacity", "utilization", "agency_id")


def staff_table(staff: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Staff members, the highest utilization first."""
    return (
        named(staff, labels)
        .sort("utilization", descending=True)
        .select("agency_name", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band", "agency_id")
    )
