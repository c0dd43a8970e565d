"""Every table `oversight metrics` writes, computed by the same functions the dashboard calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from metrics.measures import action_plans, adherence, caseload, deadlines, first_contact, monitoring, training
from metrics.policy.filters import Filters
from metrics.report.export import write_csv


@dataclass(frozen=True)
class Output:
    name: str
    compute: Callable[[duckdb.DuckDBPyConnection, Filters], pl.DataFrame]
    # The columns the metric definitions fix, in their order; more may follow.
    contract_columns: tuple[str, ...] = ()
    description: str = ""


def _plans_by_agency(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return action_plans.action_plans_agency(action_plans.action_plans(con, filters))


OUTPUTS: tuple[Output, ...] = (
    Output("caseload_staff", caseload.caseload_staff,
           ("as_of", "agency_id", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band"),
           "caseload of each active staff member against the standard on the as-of date"),
    Output("caseload_agency", caseload.caseload_agency,
           ("as_of", "agency_id", "role", "staff", "caseload", "capacity", "utilization", "staff_over"),
           "caseload per agency and role on the as-of date"),
    Output("adherence_agency", adherence.adherence_agency,
           ("as_of", "agency_id", "service_level", "requirement", "periods_due", "periods_met", "adherence",
            "ci_low", "ci_high"),
           "contact-frequency adherence per agency, service level and requirement"),
    Output("first_contact_episodes", first_contact.first_contact_episodes,
           ("episode_id", "agency_id", "service_level", "emergency", "referred_at", "first_contact_at", "hours",
            "standard_hours", "due", "met"),
           "time to first contact of every referral"),
    Output("first_contact_agency", first_contact.first_contact_agency,
           ("as_of", "agency_id", "emergency", "referrals", "due", "met", "pct_met", "ci_low", "ci_high",
            "median_hours", "p90_hours"),
           "share of referrals reached within the standard, and Kaplan–Meier percentiles"),
    Output("monitoring_status", monitoring.monitoring_status,
           ("as_of", "agency_id", "last_visit_on", "next_due_on", "status", "days_until_due"),
           "biennial monitoring status of each DCTS program"),
    Output("action_plans", action_plans.action_plans,
           ("as_of", "plan_id", "agency_id", "kind", "issued_on", "due_on", "completed_on", "status",
            "days_overdue", "response_status"),
           "every plan of action and corrective action issued by the as-of date"),
    Output("action_plans_agency", _plans_by_agency,
           ("as_of", "agency_id", "open_plans_of_action", "open_corrective_actions", "overdue", "escalated",
            "median_days_to_complete"),
           "plans per agency: open, overdue, escalated, days to complete"),
    # Beyond the definitions' eight files:
    Output("caseload_trend", caseload.caseload_trend, description="caseload per agency and role at each month end"),
    Output("adherence_staff", adherence.adherence_staff,
           description="contact adherence per staff member (the one assigned on each period's last day)"),
    Output("adherence_trend", adherence.adherence_trend,
           description="contact adherence by month of the period's last day"),
    Output("milestones", adherence.milestones,
           description="RST formed, final SCCP, SCCP reviews, RST meeting at CM discharge"),
    Output("first_contact_curve", first_contact.first_contact_curve,
           description="Kaplan–Meier share of referrals not yet reached, by hours since referral"),
    Output("first_contact_trend", first_contact.first_contact_trend,
           description="share reached within the standard by month of referral"),
    Output("assignment_timeliness", first_contact.assignment_timeliness,
           description="non-emergency referrals assigned within one business day"),
    Output("documentation_status", monitoring.documentation_status,
           description="annual documentation oversight of each DCTS program and its deadlines"),
    Output("deadlines", deadlines.deadlines,
           description="DCTS oversight deadlines still open: materials, reviews, responses, plans, visits"),
    Output("orientation_staff", training.orientation_staff,
           description="orientation hours of DCTS program staff within three months of hire"),
    Output("incidents", training.incidents_summary,
           description="incidents by program and category, with days from occurrence to report"),
)


def contract_first(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """The definitions' columns first, in their order, then whatever else the table has."""
    return frame.select(*columns, *[c for c in frame.columns if c not in columns])


def compute(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, pl.DataFrame]:
    return {out.name: contract_first(out.compute(con, filters), out.contract_columns) for out in OUTPUTS}


def write_all(tables: dict[str, pl.DataFrame], out_dir: Path) -> list[Path]:
    paths = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        write_csv(frame, path)
        paths.append(path)
    return paths
