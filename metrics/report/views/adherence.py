"""The contact-adherence page: one requirement at a time, by agency and level, month and staff member."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.disclosure.suppression import Linked
from metrics.measures.measure import RatesWithIntervals
from metrics.measures.registry import BY_NAME, COUNTED
from metrics.measures.stats import with_rate
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.labels import REQUIREMENTS
from metrics.report.views import Figures, Metric, named, with_level_labels


def contact_rules(rules: Settings | None = None) -> str:
    """The contact-frequency rules in a sentence per requirement: "Client contact: weekly for RSC,
    every 14 days for CM. RST meetings: …"."""
    rules = rules or settings()
    sentences = []
    for requirement in dict.fromkeys(rule.requirement for rule in rules.contact_requirements):
        sentences.append(f"{REQUIREMENTS.get(requirement, requirement)}: {wording.contact_rhythm(rules, requirement)}.")
    return " ".join(sentences)


def caption(as_of: dt.date, rules: Settings | None = None) -> str:
    return f"{contact_rules(rules)} Complete periods up to {as_of:%d %B %Y}."


def of_requirement(frame: pl.DataFrame, requirement: str) -> pl.DataFrame:
    return frame.filter(pl.col("requirement") == requirement)


def periods(frame: pl.DataFrame, *by: str) -> pl.DataFrame:
    """Periods due and met summed by ``by`` (all rows into one without it), with their rate and interval."""
    sums = (pl.col("periods_met").sum(), pl.col("periods_due").sum())
    totals = frame.group_by(*by).agg(*sums) if by else frame.select(*sums)
    return with_rate(totals, "periods_met", "periods_due", "adherence")


def linked(
    requirement: str,
    agency: pl.DataFrame,
    trend: pl.DataFrame,
    staff: pl.DataFrame,
    milestones: pl.DataFrame,
    safety: pl.DataFrame,
) -> Linked:
    """The page's tables for one requirement. Staff add up to agency and level, levels to agencies,
    agencies by month to agencies and to months, and agencies and months each to all shown
    agencies: suppressed as one."""
    agency = of_requirement(agency, requirement)
    trend = of_requirement(trend, requirement)
    staff = of_requirement(staff, requirement).with_columns(pl.col("staff_id").fill_null("unassigned"))
    return (
        Linked()
        .add("level", agency, ("agency_id", "service_level"), COUNTED["adherence_agency"])
        .add("staff", staff, ("agency_id", "service_level", "staff_id"), COUNTED["adherence_staff"])
        .add("agency", periods(agency, "agency_id").sort("agency_id"), ("agency_id",), COUNTED["adherence_agency"])
        .add(
            "agency_month",
            periods(trend, "month", "agency_id").sort("month", "agency_id"),
            ("month", "agency_id"),
            COUNTED["adherence_trend"],
        )
        .add("month", periods(trend, "month").sort("month"), ("month",), COUNTED["adherence_trend"])
        .add("all", periods(agency), (), COUNTED["adherence_agency"])
        .add("milestones", milestones, (), COUNTED["milestones"])
        .add("safety", safety, (), COUNTED["safety_plans"])
        .sums("staff", "level")
        .sums("level", "agency")
        .sums("agency_month", "agency")
        .sums("agency_month", "month")
        .sums("agency", "all")
        .sums("month", "all")
    )


def headline(figures: Figures, requirement: str) -> Metric:
    overall = figures.table("all").row(0, named=True)
    return Metric(
        f"{REQUIREMENTS[requirement]} periods met, all shown agencies",
        wording.rate_text(overall["adherence"], figures.hidden("all").item()),
        f"{wording.count_text(overall['periods_met'])} of {wording.count_text(overall['periods_due'])} periods",
    )


def safety_chart() -> RatesWithIntervals:
    """The Safety/Crisis Plans chart as the registry declares it for the deck: the page draws the same."""
    chart = BY_NAME["safety_plans"].slides[0].chart
    assert isinstance(chart, RatesWithIntervals)  # declared in the registry
    return chart


def chart_title(requirement: str) -> str:
    return f"{REQUIREMENTS[requirement]}: share of periods met"


def axis_title(rules: Settings | None = None, noun: str = "periods met") -> str:
    return wording.with_interval(noun, (rules or settings()).confidence_level)


def level_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return with_level_labels(frame, labels).select(
        "agency_name",
        "service_level",
        "requirement",
        "periods_due",
        "periods_met",
        "adherence",
        "ci_low",
        "ci_high",
        "agency_id",
    )


def agency_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name", "periods_met", "periods_due", "adherence", "ci_low", "ci_high", "agency_id"
    )


def month_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("month", "periods_met", "periods_due", "adherence", "ci_low", "ci_high")


def trend_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select("month", "agency_id", "periods_met", "periods_due", "adherence", "agency_name")


def staff_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Staff members, the lowest adherence first."""
    return (
        named(frame, labels)
        .sort("adherence", "periods_due", descending=[False, True], nulls_last=True)
        .select(
            "agency_name", "staff_id", "service_level", "periods_due", "periods_met", "adherence", "ci_low", "ci_high"
        )
    )


def milestones_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name", "service_level", "milestone", "due", "met", "rate", "ci_low", "ci_high"
    )


def safety_table(frame: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    return named(frame, labels).select(
        "agency_name", "service_level", "final_plans", "due", "met", "not_recorded", "rate", "ci_low", "ci_high"
    )
