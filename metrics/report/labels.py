"""What pages and charts call things: the headers of every table and the words for each status.

Plain data, no Streamlit: a table's columns are a dict of column name to its header (a string),
to a :class:`Column` (a header with a number format, a note or a bar), or to None (kept in the
table's download, not shown). ``dashboard.components`` turns them into Streamlit's column
configuration. Words that restate a policy number take it from the settings (``wording``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from metrics.policy import wording
from metrics.policy.settings import Settings, settings


@dataclass(frozen=True)
class Column:
    """A column's header, with the number format it is shown in ("percent", "%d", "%.1f"), a note
    shown on hovering the header, for a bar its (least, greatest) value, and for a column of codes
    the words each code is shown as (on screen and in the downloads)."""

    label: str
    format: str | None = None
    help: str | None = None
    progress: tuple[float, float] | None = None
    words: Mapping[str, str] | None = None


Columns = dict[str, str | Column | None]


def _rules(rules: Settings | None) -> Settings:
    return rules if rules is not None else settings()


# ---------------------------------------------------------------------------
# Words for codes

REQUIREMENTS = {"client_contact": "Client contact", "rst_meeting": "RST meetings"}


def band_words(rules: Settings | None = None) -> dict[str, str]:
    """The caseload utilization bands."""
    rules = _rules(rules)
    return {
        "over": "Over standard",
        "at": f"At standard ({wording.percent_range(rules.band_at_lower, rules.band_over_above)})",
        "under": f"Under {wording.percent(rules.band_at_lower)}",
    }


def monitoring_words(rules: Settings | None = None) -> dict[str, str]:
    """The status of a program's next monitoring visit."""
    return {
        "overdue": "Overdue",
        "due_soon": wording.within_days(_rules(rules).monitoring_due_soon_days),
        "current": "Current",
    }


def review_words(rules: Settings | None = None) -> dict[str, str]:
    """Whether a program is due for its documentation review (every ``documentation_interval_months``)."""
    months = wording.plural(_rules(rules).documentation_interval_months, "month")
    return {"overdue": f"Due: no review completed in {months}", "current": f"Reviewed in the last {months}"}


def monitoring_counts(rules: Settings | None = None) -> dict[str, str]:
    """The programs counted in each monitoring status."""
    return {**monitoring_words(rules), "overdue": "Overdue for a monitoring visit"}


PLAN_WORDS = {
    "overdue": "Overdue",
    "open": "Open",
    "escalated": "Escalated",
    "completed_late": "Completed late",
    "completed_on_time": "Completed on time",
}

# The plans counted in each status (and the responses missing).
PLAN_COUNTS = {
    "overdue": "Overdue",
    "open": "Open (not yet due)",
    "escalated": "Escalated to corrective action",
    "missing": "Responses missing",
}

# A staff member's role: the service levels are their own names.
ROLE_WORDS = {"other": "Other"}
PLAN_KINDS = {"plan_of_action": "Plan of action", "corrective_action": "Corrective action"}
PLAN_SOURCES = {
    "biennial_monitoring": "Biennial monitoring",
    "documentation_oversight": "Documentation oversight",
    "other": "Other",
}
RESPONSE_WORDS = {"on_time": "On time", "late": "Late", "pending": "Pending (not yet due)", "missing": "Missing"}
OUTCOME_WORDS = {"met": "Met", "not_met": "Not met"}


def milestone_words(rules: Settings | None = None) -> dict[str, str]:
    """The care-coordination milestones, with their deadlines."""
    rules = _rules(rules)
    return {
        "rst_formed": f"RST formed within {wording.plural(rules.rst_formed_days, 'day')} of enrollment",
        "sccp_final": f"Final SCCP within {wording.plural(rules.sccp_final_days, 'day')} of enrollment",
        "sccp_review": f"SCCP reviewed at least every {wording.plural(rules.sccp_review_days, 'day')}",
        "rst_at_discharge": f"RST meeting within {wording.plural(rules.rst_at_discharge_days, 'day')} of discharge",
    }


DEADLINE_KINDS = {
    "materials": "Materials due",
    "review": "Review complete",
    "response": "Corrective-action response",
    "plan": "Plan due",
    "monitoring": "Monitoring visit",
}


def deadline_words(rules: Settings | None = None) -> dict[str, str]:
    """The status of an open deadline."""
    return {"late": "Late", "due_soon": wording.within_days(_rules(rules).deadlines_horizon_days), "later": "Later"}


def orientation_words(rules: Settings | None = None) -> dict[str, str]:
    """A staff member's orientation training."""
    rules = _rules(rules)
    return {
        "not_met": f"Not met: under {wording.plural(rules.orientation_hours, 'hour')}",
        "in_window": f"Within the {rules.orientation_months} months",
        "met": "Met",
    }


def orientation_counts(rules: Settings | None = None) -> dict[str, str]:
    """The staff counted in each orientation status."""
    rules = _rules(rules)
    hours, months = wording.plural(rules.orientation_hours, "hour"), rules.orientation_months
    return {
        "not_met": f"Under {hours} after {months} months",
        "in_window": f"Still within their {months} months",
        "met": "Met",
    }


def due_in_words(days: pl.Expr) -> pl.Expr:
    """Days until a date as people say it: "245 days overdue", "Due today", "Due in 12 days"."""
    return (
        pl.when(days < -1).then(pl.format("{} days overdue", -days))
        .when(days == -1).then(pl.lit("1 day overdue"))
        .when(days == 0).then(pl.lit("Due today"))
        .when(days == 1).then(pl.lit("Due tomorrow"))
        .otherwise(pl.format("Due in {} days", days))
    )


def in_words(frame: pl.DataFrame, columns: Columns | None) -> pl.DataFrame:
    """``frame`` with each column of codes that ``columns`` gives words for written in those words
    (a code without words stays as it is)."""
    worded = [
        pl.col(name).replace_strict(dict(column.words), default=pl.col(name), return_dtype=pl.String)
        for name, column in (columns or {}).items()
        if isinstance(column, Column) and column.words is not None and name in frame.columns
    ]
    return frame.with_columns(worded) if worded else frame


# ---------------------------------------------------------------------------
# Table headers

AGENCY = {"agency_name": "Agency"}
PROGRAM = {"agency_name": "Program"}


def interval_columns(rules: Settings | None = None) -> Columns:
    """The bounds of the interval every rate table carries."""
    level = wording.percent(_rules(rules).confidence_level)
    return {"ci_low": Column(f"{level} low", "percent"), "ci_high": Column(f"{level} high", "percent")}


def columns(table: str, rules: Settings | None = None) -> Columns:
    """The headers of one table of the dashboard, by its name (that of its download)."""
    rules = _rules(rules)
    months = rules.orientation_months
    rows: Columns = {
        "table": "Table", "line": Column("Line", "%d"), "column": "Column", "value": "Value", "reason": "Reason"
    }
    population: Columns = {
        "position": "Position",
        "agency_id": "Program id",
        "client_id": "Participant",
        "enrolled_on": "Enrolled",
        "recertified_on": "Recertified",
        "discharged_on": "Discharged",
        "discharged": "Discharged in window",
    }
    deadlines: Columns = {
        **PROGRAM,
        "due_on": "Due on",
        "status_label": "Status",
        "due": "When",
        "days_until_due": None,
        "deadline": "Deadline",
        "what": "What is due",
        "kind": None,
        "status": None,
        "reference": "Reference",
        "agency_id": None,
    }
    contacts: Columns = {
        "staff_id": "Worker",
        **AGENCY,
        "episode_id": "Episode",
        "service_level": "Level",
        "requirement": Column("Requirement", words=REQUIREMENTS),
        "due_by": "Due by",
        "due": "When",
        "days_left": None,
        "previous_period": "Previous period",
        "last_contact_on": "Last contact",
        "previous_period_met": None,
        "period_start": None,
        "period_end": None,
        "met_this_period": None,
        "agency_id": None,
    }
    tables: dict[str, Columns] = {
        "adherence_staff": {
            **AGENCY,
            "staff_id": "Staff",
            "service_level": "Level",
            "periods_due": "Periods due",
            "periods_met": "Periods met",
            "adherence": Column("Adherence", "percent"),
            **interval_columns(rules),
        },
        "milestones": {
            **AGENCY,
            "service_level": "Level",
            "milestone": Column("Milestone", words=milestone_words(rules)),
            "due": "Due",
            "met": "Met",
            "rate": Column("Rate", "percent"),
            **interval_columns(rules),
        },
        "caseload_staff": {
            **AGENCY,
            "staff_id": "Staff",
            "role": Column("Role", words=ROLE_WORDS),
            "fte": "FTE",
            "caseload": "Caseload",
            "capacity": "Capacity",
            "utilization": Column("Utilization", "percent", progress=(0, 1.5)),
            "band": Column("Band", words=band_words(rules)),
            "agency_id": None,
        },
        "first_contact_percentiles": {
            **AGENCY,
            "referrals": "Referrals",
            "median_hours": Column("Median hours", "%.1f"),
            "p90_hours": Column("90th percentile hours", "%.1f"),
            "due": "Due",
            "met": "Met",
            "pct_met": Column("Share met", "percent"),
        },
        "assignment_timeliness": {
            **AGENCY,
            "due": "Due",
            "met": "Assigned in time",
            "pct_met": Column("Share", "percent"),
            **interval_columns(rules),
        },
        "monitoring_status_table": {
            **PROGRAM,
            "last_visit_on": "Last visit",
            "next_due_on": "Next due",
            "status": Column("Status", words=monitoring_words(rules)),
            "due": "When",
            "days_until_due": None,
            "agency_id": None,
        },
        "documentation_status": {
            **PROGRAM,
            "review_due": "Review due",
            "last_completed_on": "Last completed",
            "review_year": "Latest review year",
            "requested_on": "Requested",
            "materials_due_on": "Materials due",
            "materials_received_on": "Materials received",
            "materials_late": "Materials late",
            "review_due_on": "Review due by",
            "completed_on": "Completed",
            "review_late": "Review late",
            "outcome": Column("Outcome", words=OUTCOME_WORDS),
            "population_size": Column("Population (recorded)", "%d", "As the review record gives it. The "
                                      "Documentation sample page counts it from the enrollments, and says "
                                      "when the two differ."),
            "sample_size": Column("Sample (recorded)", "%d"),
            "agency_id": None,
        },
        "action_plans": {
            **AGENCY,
            "plan_id": "Plan",
            "kind": Column("Kind", words=PLAN_KINDS),
            "parent_plan_id": "Escalates plan",
            "source": Column("From", words=PLAN_SOURCES),
            "issued_on": "Issued",
            "due_on": "Due",
            "status": Column("Status", words=PLAN_WORDS),
            "days_overdue": Column("Days overdue", "%d"),
            "completed_on": "Completed",
            "response_status": Column("Response", words=RESPONSE_WORDS),
            "response_due_on": "Response due",
            "response_on": "Response received",
            "agency_id": None,
        },
        "corrective_actions": {
            **AGENCY,
            "plan_id": "Corrective action",
            "parent_plan_id": "Plan of action",
            "issued_on": "Issued",
            "response_due_on": "Response due",
            "response_on": "Response received",
            "response_status": Column("Response", words=RESPONSE_WORDS),
            "status": Column("Status", words=PLAN_WORDS),
        },
        "deadlines": deadlines,
        "deadlines_later": deadlines,
        "orientation_agency": {
            **PROGRAM,
            "staff": "Staff",
            "not_met": "Not met",
            "in_window": "Within window",
            "met": "Met",
            "agency_id": None,
        },
        "orientation_staff": {
            **PROGRAM,
            "staff_id": "Staff id",
            "role": Column("Role", words=ROLE_WORDS),
            "hired_on": "Hired",
            "deadline_on": f"{months} months end",
            "hours": Column(
                "Hours by then",
                "%.1f",
                "Hours completed by the end of the window (or by the report date while it is open), exempt hours "
                "included.",
            ),
            "exempt_hours": Column("Of which exempt", "%.1f"),
            "hours_short": Column("Hours short", "%.1f"),
            "state": "Status",
            "status": None,
            "agency_id": None,
        },
        "incidents": {
            **PROGRAM,
            "category": "Category",
            "incidents": "Incidents",
            "median_days_to_report": Column("Median days to report", "%.1f"),
            "max_days_to_report": Column("Longest days to report", "%d"),
            "first_occurred_on": "First occurred",
            "last_occurred_on": "Last occurred",
            "agency_id": None,
        },
        "documentation_sample": {
            "draw": "Drawn",
            "client_id": "Participant",
            "enrolled_on": "Enrolled",
            "recertified_on": "Recertified",
            "discharged_on": "Discharged in the window",
            "agency_id": None,
            "seed": None,
        },
        "sample_materials": {
            "draw": "Drawn",
            "agency_id": None,
            "client_id": "Participant",
            "discharged_on": "Discharged",
            "material": "Material",
            "seed": None,
        },
        "sample_population": population,
        "referrals_waiting": {
            **AGENCY,
            "episode_id": "Episode",
            "service_level": "Level",
            "staff_id": "Worker",
            "referred_at": "Referred",
            "emergency": "Emergency",
            "waited": "Waiting for",
            "standard_hours": Column("Standard (hours)", "%g"),
            "overdue": "Past the standard",
            "hours_waiting": None,
            "agency_id": None,
        },
        "contacts_due": contacts,
        "contacts_to_make": contacts,
        "milestones_due": {
            "staff_id": "Worker",
            **AGENCY,
            "episode_id": "Episode",
            "service_level": "Level",
            "milestone": Column("Milestone", words=milestone_words(rules)),
            "due_on": "Due on",
            "due": "When",
            "days_left": None,
            "overdue": None,
            "agency_id": None,
        },
        "plans_due": {
            **PROGRAM,
            "reference": "Plan",
            "kind": Column("Deadline", words=DEADLINE_KINDS),
            "what": "What is due",
            "due_on": "Due on",
            "due": "When",
            "days_left": None,
            "overdue": None,
            "agency_id": None,
        },
        "load_summary": {
            "table": "Table",
            "core": "Core",
            "present": "Present",
            "rows_read": "Read",
            "accepted": "Accepted",
            "rejected": "Rejected",
            "warnings": "Warnings",
            "blank_lines": "Blank lines",
            "extra_columns": "Extra columns ignored",
        },
        "root_causes": {
            "cause": "Cause",
            "rows": "Rows recovered",
            "agencies": "Agencies",
            "measures": "Counted without them",
            "tables": "Rows per table",
        },
        "rejected_reasons": {
            "table": "Table",
            "column": "Column",
            "rows": "Rows",
            "example": "Example reason",
            "first_line": "First line",
        },
        # The catalogue of checks (metrics.extract.checks): its ids are for the downloads.
        "checks": {
            "check": None,
            "severity": Column("Kind", words={"rejected": "Rejected", "warning": "Warning"}),
            "rule": "Rule",
            "guidance": "What the supplier should do",
            "rows": Column("Rows", "%d"),
            "agencies": Column("Agencies", "%d"),
        },
        "checks_by_agency": {
            "agency_id": None,
            "agency": "Agency",
            "check": None,
            "severity": Column("Kind", words={"rejected": "Rejected", "warning": "Warning"}),
            "rule": "Rule",
            "rows": Column("Rows", "%d"),
        },
        # A row rejected in cascade: the rejected row it went with, whose fixing recovers it.
        "rejected_rows": {**rows, "cause": "Rejected with"},
        "warnings": rows,
    }
    return dict(tables[table])
