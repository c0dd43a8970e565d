"""The worklists page: who needs what on the morning after the report date, by agency and staff
member (metrics.measures.worklists). Lists of individual episodes: never shown while presenting."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.labels import due_in_words
from metrics.report.views import Metric

EVERYONE = "Everyone"
UNASSIGNED = "Nobody assigned"


def caption(as_of: dt.date) -> str:
    morning = as_of + dt.timedelta(days=1)
    return (f"What needs doing on the morning of {morning:%A %d %B %Y}, from the extract as of the end of "
            f"{as_of:%d %B %Y}. Discharged episodes are left out; each row names the worker assigned on "
            f"{as_of:%d %B}.")


def staff_choices(*frames: pl.DataFrame, also: str | None = None) -> list[str]:
    """The staff members named on the page's lists (and ``also``), in order, after "Everyone" and
    before "Nobody assigned"."""
    named: set[str] = {staff for frame in frames if "staff_id" in frame.columns
                       for staff in frame["staff_id"].to_list() if staff is not None}
    if also is not None and also not in (EVERYONE, UNASSIGNED):
        named.add(also)
    return [EVERYONE, *sorted(named), UNASSIGNED]


def of_staff(frame: pl.DataFrame, chosen: str) -> pl.DataFrame:
    """The rows of one staff member (``EVERYONE``: all; ``UNASSIGNED``: those without one)."""
    if chosen == EVERYONE or "staff_id" not in frame.columns:
        return frame
    if chosen == UNASSIGNED:
        return frame.filter(pl.col("staff_id").is_null())
    return frame.filter(pl.col("staff_id") == chosen)


def contacts_this_week(contacts: pl.DataFrame, rules: Settings | None = None) -> pl.DataFrame:
    """The contacts still to make in the current period, due within the milestone horizon (a week)."""
    horizon = (rules or settings()).worklist_milestone_days
    return contacts.filter(~pl.col("met_this_period") & (pl.col("days_left") <= horizon))


def titles(rules: Settings | None = None) -> dict[str, str]:
    """The heading of each list, with its horizon from the settings."""
    rules = rules or settings()
    return {
        "referrals_waiting": "Referrals waiting for a first contact, longest past the standard first",
        "contacts_to_make": "Contacts to make within "
                            f"{wording.plural(rules.worklist_milestone_days, 'day')}, by worker",
        "milestones_due": "Care-coordination milestones due within "
                          f"{wording.plural(rules.worklist_milestone_days, 'day')} or overdue",
        "plans_due": "DCTS plans and corrective-action responses due within "
                     f"{wording.plural(rules.worklist_plan_days, 'day')} or overdue",
    }


def headlines(referrals: pl.DataFrame, contacts: pl.DataFrame, milestones: pl.DataFrame,
              plans: pl.DataFrame, rules: Settings | None = None) -> list[Metric]:
    rules = rules or settings()
    overdue = referrals.filter(pl.col("overdue")).height
    return [
        Metric("Referrals waiting", wording.count_text(referrals.height),
               f"{wording.count_text(overdue)} of them past their standard"),
        Metric("Contacts to make", wording.count_text(contacts.height),
               "Episodes whose current period has no qualifying contact yet, due within "
               f"{wording.plural(rules.worklist_milestone_days, 'day')}"),
        Metric("Milestones due", wording.count_text(milestones.height),
               f"{wording.count_text(milestones.filter(pl.col('overdue')).height)} overdue"),
        Metric("Plans and responses due", wording.count_text(plans.height),
               f"{wording.count_text(plans.filter(pl.col('overdue')).height)} overdue"),
    ]


def waited_in_words(hours: pl.Expr) -> pl.Expr:
    """How long a referral has waited, as people say it: "31 minutes" (an emergency's standard is 30),
    "15.0 hours" up to two days, then "23 days"."""
    # A whole minute stored as hours (31 / 60) may read a hair under it: rounded before the floor.
    return (pl.when(hours < 1).then(pl.format("{} minutes", (hours * 60).round(6).floor().cast(pl.Int64)))
            .when(hours < 48).then(pl.format("{} hours", hours.round(1)))
            .otherwise(pl.format("{} days", (hours / 24).floor().cast(pl.Int64))))


def referrals_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(waited_in_words(pl.col("hours_waiting")).alias("waited")).select(
        "agency_name", "episode_id", "service_level", "emergency", "waited", "overdue", "staff_id", "referred_at",
        "standard_hours", "hours_waiting", "agency_id")


def _when(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(due_in_words(pl.col("days_left")).alias("due"))


def contacts_table(frame: pl.DataFrame) -> pl.DataFrame:
    """By worker (those with nobody assigned last), then soonest due; the previous period in words."""
    previous = (pl.when(pl.col("previous_period_met").is_null()).then(pl.lit("First period"))
                .when(pl.col("previous_period_met")).then(pl.lit("Met")).otherwise(pl.lit("Missed")))
    return (
        _when(frame).with_columns(previous.alias("previous_period"))
        .sort("staff_id", "due_by", "episode_id", nulls_last=True)
        .select("staff_id", "agency_name", "episode_id", "service_level", "requirement", "due_by", "due",
                "previous_period", "last_contact_on", "days_left", "previous_period_met", "period_start",
                "period_end", "met_this_period", "agency_id")
    )


def milestones_table(frame: pl.DataFrame) -> pl.DataFrame:
    return _when(frame).select("staff_id", "agency_name", "episode_id", "service_level", "milestone", "due_on",
                               "due", "days_left", "overdue", "agency_id")


def plans_table(frame: pl.DataFrame) -> pl.DataFrame:
    return _when(frame).select("agency_name", "reference", "kind", "what", "due_on", "due", "days_left", "overdue",
                               "agency_id")
