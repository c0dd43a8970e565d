"""The time-to-first-contact page: non-emergency or emergency referrals, by agency, hour and month."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Counted, Linked, complement
from metrics.measures.registry import COUNTED
from metrics.measures.stats import with_rate
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.charts import hour_bins
from metrics.report.views import Figures, Metric, for_choice, named


def groups(rules: Settings | None = None) -> dict[bool, str]:
    """The two kinds of referral (emergency or not), each named with its standard."""
    rules = rules or settings()
    return {
        False: f"Non-emergency ({wording.duration_adjective(rules.first_contact_standard_hours)} standard)",
        True: f"Emergency ({wording.duration_adjective(rules.first_contact_emergency_hours)} standard)",
    }


def standard_hours(emergency: bool, rules: Settings | None = None) -> float:
    rules = rules or settings()
    return rules.first_contact_emergency_hours if emergency else rules.first_contact_standard_hours


def horizon(standard: float) -> float:
    """How far the charts' hour axis reaches: four times the standard."""
    return standard * 4


def caption(as_of: dt.date) -> str:
    return f"Referrals made by the end of {as_of:%d %B %Y}; first completed contact with the client."


def of_group(frame: pl.DataFrame, emergency: bool) -> pl.DataFrame:
    return frame.filter(pl.col("emergency") == emergency)


def monthly(trend: pl.DataFrame) -> pl.DataFrame:
    """All shown agencies' referrals due and met by month, with the rate and its interval."""
    totals = trend.group_by("month").agg(pl.col("due").sum(), pl.col("met").sum()).sort("month")
    return with_rate(totals, "met", "due", "pct_met")


def overall(agency: pl.DataFrame, episodes: pl.DataFrame) -> pl.DataFrame:
    """All shown agencies in one row: referrals, due, met, reached by the report date, and the rate."""
    totals = agency.select(pl.col("referrals").sum(), pl.col("due").sum(), pl.col("met").sum()).with_columns(
        pl.lit(episodes["hours"].count()).alias("reached")
    )
    return with_rate(totals, "met", "due", "pct_met")


def linked(
    agency: pl.DataFrame, episodes: pl.DataFrame, trend: pl.DataFrame, assignment: pl.DataFrame, standard: float
) -> Linked:
    """The page's tables for one kind of referral (``agency``, ``episodes`` and ``trend`` already of
    that kind). Agencies and months each add up to all shown agencies, and the spans of hours to the
    referrals reached among them: suppressed as one."""
    return (
        Linked()
        .add("agency", agency, ("agency_id",), COUNTED["first_contact_agency"])
        .add(
            "all",
            overall(agency, episodes),
            (),
            Counted(
                ("referrals", "due", "met", "reached"),
                (("met", "due"), ("due", "referrals"), ("reached", "referrals")),
                ("pct_met", "ci_low", "ci_high"),
            ),
        )
        .add("month", monthly(trend), ("month",), COUNTED["first_contact_trend"])
        .add("hours", hour_bins(episodes, horizon(standard)), ("from_hours",), Counted(("reached",)))
        .add("assignment", assignment, (), COUNTED["assignment_timeliness"])
        .sums("agency", "all")
        .sums("month", "all")
        .sums("hours", "all")
    )


def headlines(figures: Figures) -> list[Metric]:
    total = figures.table("all").row(0, named=True)
    return [
        Metric("Referrals", wording.count_text(total["referrals"])),
        Metric(
            "Reached within the standard",
            wording.rate_text(total["pct_met"], figures.hidden("all").item()),
            f"{wording.count_text(total['met'])} of {wording.count_text(total['due'])} referrals due",
        ),
        Metric("Not reached by the report date", wording.count_text(total[complement("reached", "referrals")])),
    ]


def curves(curve: pl.DataFrame, emergency: bool, drawn: pl.DataFrame) -> pl.DataFrame:
    """The curves of the agencies drawn."""
    return of_group(curve, emergency).join(drawn.select("agency_id"), on="agency_id", how="semi")


def hours_download(hours: pl.DataFrame, episodes: pl.DataFrame, public: bool,
                   chosen: str | None) -> tuple[pl.DataFrame, str]:
    """The figures under the histogram and their file: one row per referral is for the agency's own
    use; presented, the counts per span of hours."""
    if public:
        return hours, for_choice("first_contact_hours.csv", chosen)
    return episodes.select(
        "episode_id",
        "agency_id",
        "service_level",
        "referred_at",
        "first_contact_at",
        "hours",
        "standard_hours",
        "due",
        "met",
    ), for_choice("first_contact_episodes.csv", chosen)


def rates_rows(drawn: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """The agencies drawn with a referral due."""
    return named(drawn.filter(pl.col("due") > 0), labels)


def axis_title(rules: Settings | None = None) -> str:
    return wording.with_interval("reached in time", (rules or settings()).confidence_level)


def agency_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name",
        "referrals",
        "due",
        "met",
        "pct_met",
        "ci_low",
        "ci_high",
        "median_hours",
        "p90_hours",
        "agency_id",
    )


def funnel_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high")


def month_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("month", "met", "due", "pct_met", "ci_low", "ci_high")


def percentiles_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select("agency_name", "referrals", "median_hours", "p90_hours", "due", "met", "pct_met")


def assignment_title(rules: Settings | None = None) -> str:
    return f"Assignment within {wording.business_days((rules or settings()).assignment_business_days)}"


def assignment_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select("agency_name", "due", "met", "pct_met", "ci_low", "ci_high")
