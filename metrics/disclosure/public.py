"""What may be shown outside the agency: how each output table's figures rest on people.

Counts of clients and of what happens to them (caseloads, referrals, contact periods,
milestones, participants, incidents) are suppressed by the rules of
``metrics.disclosure.suppression``, and so is every figure computed from them on the same row
(rates, intervals, medians, statuses). Counts of staff, programs, plans and deadlines
are about the organisations and are shown.

The dashboard's presentation mode and the quarterly deck both read this one description.
"""

from __future__ import annotations

import polars as pl

from metrics.disclosure.suppression import Counted, Linked

_PERIODS = Counted(
    ("periods_met", "periods_due"), (("periods_met", "periods_due"),), ("adherence", "ci_low", "ci_high")
)
_MET_OF_DUE = Counted(("met", "due"), (("met", "due"),), ("pct_met", "rate", "ci_low", "ci_high"))
# A caseload's capacity is FTE times the standard, not a count of people; its utilization and
# the staff over standard would narrow a hidden caseload down, so they go with it.
_CASELOAD = Counted(("caseload",), derived=("utilization", "staff_over"))

COUNTED: dict[str, Counted] = {
    "caseload_agency": _CASELOAD,
    "caseload_trend": _CASELOAD,
    "adherence_agency": _PERIODS,
    "adherence_staff": _PERIODS,
    "adherence_trend": _PERIODS,
    "milestones": _MET_OF_DUE,
    "first_contact_agency": Counted(
        ("referrals", "due", "met"),
        (("met", "due"), ("due", "referrals")),
        ("pct_met", "ci_low", "ci_high", "median_hours", "p90_hours"),
    ),
    "first_contact_trend": _MET_OF_DUE,
    "assignment_timeliness": _MET_OF_DUE,
    "incidents": Counted(
        ("incidents",),
        derived=("median_days_to_report", "max_days_to_report", "first_occurred_on", "last_occurred_on"),
    ),
    # The sample size is the policy's share of the population and is hidden with it.
    "documentation_status": Counted(("population_size",), derived=("sample_size",)),
}


def public_rows(measure: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of one output table with nothing suppressed, the table shown on its own: what a
    chart, which cannot print "<11", may draw."""
    shown = Linked().add(measure, frame, (), COUNTED[measure]).suppress()[measure]
    return frame.filter(~shown.hidden_rows())
