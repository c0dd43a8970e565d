"""The headline figures of the overview (and the quarterly deck), from the output tables."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from metrics.disclosure.suppression import suppress_rates
from metrics.policy.filters import Filters
from metrics.policy.settings import settings

# What a headline shows while presenting when its figure rests on few people (rule 2 of
# metrics.disclosure.suppression).
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    measure: str  # the output table it is computed from
    compute: Callable[[pl.DataFrame], float | int | None]
    percent: bool = False
    higher_is_better: bool = True
    help: str = ""
    # Rates are taken over the quarter up to the report date; counts are snapshots on it.
    windowed: bool = False
    # A rate's (numerator, denominator), people or their contact periods; None for counts of
    # agencies, staff, programs and plans, which are shown whatever their size.
    counts: Callable[[pl.DataFrame], tuple[int, int]] | None = None


def _rate(key: str, label: str, measure: str, rows: pl.Expr, met: str, due: str, help: str = "") -> Headline:
    def counts(frame: pl.DataFrame) -> tuple[int, int]:
        chosen = frame.filter(rows)
        return int(chosen[met].sum()), int(chosen[due].sum())

    def share(frame: pl.DataFrame) -> float | None:
        numerator, denominator = counts(frame)
        return numerator / denominator if denominator else None

    return Headline(key, label, measure, share, percent=True, help=help, windowed=True, counts=counts)


def _count(condition: pl.Expr) -> Callable[[pl.DataFrame], int]:
    return lambda frame: int(frame.filter(condition).height)


HEADLINES: tuple[Headline, ...] = (
    Headline(
        "agencies_over",
        "Agencies over caseload standard",
        "caseload_agency",
        lambda f: int(f.filter(pl.col("utilization") > settings().band_over_above)["agency_id"].n_unique()),
        higher_is_better=False,
        help="Agencies with at least one role over its caseload standard.",
    ),
    Headline(
        "staff_over",
        "Staff over caseload standard",
        "caseload_staff",
        _count(pl.col("band") == "over"),
        higher_is_better=False,
    ),
    _rate(
        "client_contact",
        "Contact periods met",
        "adherence_agency",
        pl.col("requirement") == "client_contact",
        "periods_met",
        "periods_due",
        help="Weekly (RSC) and bi-weekly (CM) client-contact periods met.",
    ),
    _rate(
        "rst_meeting",
        "RST-meeting periods met",
        "adherence_agency",
        pl.col("requirement") == "rst_meeting",
        "periods_met",
        "periods_due",
        help="Monthly (RSC) and 90-day (CM) RST-meeting periods met.",
    ),
    _rate(
        "reached_24h",
        "Referrals reached within 24 hours",
        "first_contact_agency",
        ~pl.col("emergency"),
        "met",
        "due",
        help="Non-emergency referrals whose first contact came within 24 hours.",
    ),
    _rate(
        "reached_30min",
        "Emergencies reached within 30 minutes",
        "first_contact_agency",
        pl.col("emergency"),
        "met",
        "due",
    ),
    Headline(
        "programs_overdue",
        "Programs overdue for monitoring",
        "monitoring_status",
        _count(pl.col("status") == "overdue"),
        higher_is_better=False,
    ),
    Headline(
        "plans_open",
        "Open plans and corrective actions",
        "action_plans",
        _count(pl.col("status").is_in(["open", "overdue"])),
        higher_is_better=False,
    ),
    Headline(
        "plans_overdue", "Overdue plans", "action_plans", _count(pl.col("status") == "overdue"), higher_is_better=False
    ),
)


def previous_quarter(as_of: dt.date) -> dt.date:
    """The same day three months earlier; a month's last day maps to the last day of that
    month (30 June to 31 March), and a day the shorter month lacks to its last day."""
    year, month_index = divmod(as_of.year * 12 + as_of.month - 1 - 3, 12)
    month = month_index + 1
    last_day = monthrange(year, month)[1]
    if as_of.day == monthrange(as_of.year, as_of.month)[1]:
        return dt.date(year, month, last_day)
    return dt.date(year, month, min(as_of.day, last_day))


def headline_filters(filters: Filters, headline: Headline) -> Filters:
    """What a headline counts: a rate over the quarter up to the report date (unless a period
    is chosen), a count on the report date itself."""
    if not headline.windowed or filters.period_start is not None or filters.period_end is not None:
        return filters
    return replace(
        filters, period_start=previous_quarter(filters.as_of) + dt.timedelta(days=1), period_end=filters.as_of
    )


def headline_value(headline: Headline, frame: pl.DataFrame, public: bool = False) -> float | int | str | None:
    """The headline's figure; when ``public``, ``SUPPRESSED`` for a rate resting on 1 to
    ``suppression_max_count`` people or leaving 1 to that many out."""
    if public and headline.counts is not None:
        met, due = headline.counts(frame)
        if suppress_rates(pl.DataFrame({"met": [met], "due": [due]}), "met", "due", []).hidden_rows().item():
            return SUPPRESSED
    return headline.compute(frame)


def change_text(headline: Headline, now: float | int | str | None, before: float | int | str | None) -> str | None:
    """The change since a quarter earlier, in points for rates; None when either is unknown or suppressed."""
    if now is None or before is None or SUPPRESSED in (now, before):
        return None
    if headline.percent:
        return f"{(now - before) * 100:+.1f} points"
    return f"{now - before:+,}"


def format_value(headline: Headline, value: float | int | str | None) -> str:
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return "Suppressed"
    return f"{value:.0%}" if headline.percent else f"{value:,}"
