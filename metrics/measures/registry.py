"""Every measure, declared once: the tables `oversight metrics` writes, what each counts, where
it is explained and shown, and the headlines and slides it carries.

Everything else is derived from ``MEASURES``: the files of `oversight metrics`, what presentation
mode and the deck suppress (``COUNTED``), the overview's figures (``HEADLINES``), the deck's
slides (``SLIDES``), the page each figure links to (``PAGE_OF_MEASURE``), and the checks that
every measure has a definition in docs/measures.md and a row in the README. Adding a measure is
adding an entry here (CONTRIBUTING.md has the recipe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import duckdb
import polars as pl

from metrics.disclosure.suppression import Counted
from metrics.measures import action_plans, adherence, caseload, deadlines, first_contact, monitoring, training
from metrics.measures.measure import (
    DueDates,
    Headline,
    Measure,
    MilestoneBars,
    Organisations,
    People,
    PerPerson,
    RatesWithIntervals,
    ShownWith,
    Slide,
    StackedBars,
    SurvivalCurves,
    UtilizationBars,
    count_rows,
    people_headline,
    rate_headline,
)
from metrics.policy import wording
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings, settings

CASELOAD, ADHERENCE, FIRST_CONTACT = "app_pages/caseload.py", "app_pages/adherence.py", "app_pages/first_contact.py"
MONITORING, PLANS = "app_pages/monitoring.py", "app_pages/action_plans.py"
DEADLINES, TRAINING = "app_pages/deadlines.py", "app_pages/training.py"
# The oversight each page serves: BHD's care coordination or DCTS's CRS programs.
OVERSIGHT_OF_PAGE = {
    CASELOAD: "BHD", ADHERENCE: "BHD", FIRST_CONTACT: "BHD",
    MONITORING: "DCTS", PLANS: "DCTS", DEADLINES: "DCTS", TRAINING: "DCTS",
}

# How the figures rest on people (metrics.disclosure.suppression): the counts, the pairs of a
# part and its whole, and what is computed from them on the same row.
PERIODS = Counted(
    ("periods_met", "periods_due"), (("periods_met", "periods_due"),), ("adherence", "ci_low", "ci_high")
)
MET_OF_DUE = Counted(("met", "due"), (("met", "due"),), ("pct_met", "rate", "ci_low", "ci_high"))
# A caseload's capacity is FTE times the standard, not a count of people; its utilization and
# the staff over standard would narrow a hidden caseload down, so they go with it.
CASELOADS = Counted(("caseload",), derived=("utilization", "staff_over"))


def _periods_met(requirement: str, noun: str) -> Callable[[Settings], str]:
    """'Client-contact periods met: weekly for RSC, every 14 days for CM.', from the contact rules."""

    def words(rules: Settings) -> str:
        return f"{noun} periods met: {wording.contact_rhythm(rules, requirement)}."

    return words


def _reviews_due(rules: Settings) -> str:
    """'Programs due for their annual documentation review'."""
    return f"Programs due for their {wording.every_months(rules.documentation_interval_months)} documentation review"


def _orientation_missed(rules: Settings) -> str:
    """'Staff under 10 hours of orientation after 3 months'."""
    return (f"Staff under {wording.plural(rules.orientation_hours, 'hour')} of orientation after "
            f"{rules.orientation_months} months")


def _plans_by_agency(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    return action_plans.action_plans_agency(action_plans.action_plans(con, filters))


MEASURES: tuple[Measure, ...] = (
    Measure(
        "caseload_agency", caseload.caseload_agency, People(CASELOADS), "caseload-utilization", CASELOAD,
        "caseload per agency and role on the as-of date",
        ("as_of", "agency_id", "role", "staff", "caseload", "capacity", "utilization", "staff_over"),
        headlines=(
            Headline(
                "agencies_over",
                "Agencies over caseload standard",
                lambda f: int(f.filter(pl.col("utilization") > settings().band_over_above)["agency_id"].n_unique()),
                higher_is_better=False,
                help="Agencies with at least one role over its caseload standard.",
            ),
        ),
        slides=(Slide("Caseload utilization", "agencies_over", UtilizationBars()),),
        reads=("staff", "clients", "episodes", "assignments"),
    ),
    Measure(
        "caseload_staff", caseload.caseload_staff,
        PerPerson("each staff member's own caseload, for the agency's supervisors"),
        "caseload-utilization", CASELOAD,
        "caseload of each active staff member against the standard on the as-of date",
        ("as_of", "agency_id", "staff_id", "role", "fte", "caseload", "capacity", "utilization", "band"),
        headlines=(
            Headline("staff_over", "Staff over caseload standard", count_rows(pl.col("band") == "over"),
                     higher_is_better=False),
        ),
        reads=("staff", "clients", "episodes", "assignments"),
    ),
    Measure(
        "adherence_agency", adherence.adherence_agency, People(PERIODS), "contact-adherence", ADHERENCE,
        "contact-frequency adherence per agency, service level and requirement",
        ("as_of", "agency_id", "service_level", "requirement", "periods_due", "periods_met", "adherence",
         "ci_low", "ci_high"),
        headlines=(
            rate_headline("client_contact", "Contact periods met", pl.col("requirement") == "client_contact",
                          "periods_met", "periods_due", "period",
                          help=_periods_met("client_contact", "Client-contact")),
            rate_headline("rst_meeting", "RST-meeting periods met", pl.col("requirement") == "rst_meeting",
                          "periods_met", "periods_due", "period", help=_periods_met("rst_meeting", "RST-meeting")),
        ),
        slides=(
            Slide("Contact with clients", "client_contact",
                  RatesWithIntervals(pl.col("requirement") == "client_contact", "adherence",
                                     "Client-contact periods met", "periods met")),
            Slide("Recovery Support Team meetings", "rst_meeting",
                  RatesWithIntervals(pl.col("requirement") == "rst_meeting", "adherence", "RST-meeting periods met",
                                     "periods met")),
        ),
        reads=("episodes", "assignments", "contacts"),
    ),
    # Beyond the definitions' files, like every measure after action_plans_agency; declared here
    # so that their headlines and slides sit with the other BHD measures.
    Measure(
        "milestones", adherence.milestones, People(MET_OF_DUE), "care-coordination-milestones", ADHERENCE,
        "RST formed, final SCCP, SCCP reviews, RST meeting at CM discharge",
        headlines=(
            rate_headline("milestones_met", "Care-coordination milestones met", pl.lit(True), "met", "due", "milestone",
                          help="RST formed, final SCCP, SCCP reviews and the RST meeting at CM discharge, each on "
                               "time, over the milestones whose deadline fell in the counting window."),
        ),
        slides=(Slide("Care-coordination milestones", "milestones_met", MilestoneBars("Milestones met on time")),),
        reads=("episodes", "contacts", "care_plans"),
    ),
    Measure(
        "safety_plans", adherence.safety_plans,
        People(Counted(
            ("final_plans", "due", "met"),
            (("met", "due"), ("due", "final_plans")),
            ("rate", "ci_low", "ci_high", "not_recorded"),
        )),
        "safety-crisis-plans", ADHERENCE,
        "final care plans (SCCPs) that include a written Safety/Crisis Plan",
        headlines=(
            rate_headline("safety_plans", "SCCPs with a Safety/Crisis Plan", pl.lit(True), "met", "due",
                          "final care plan",
                          help="Final SCCPs completed in the counting window that record a Safety/Crisis Plan."),
        ),
        slides=(Slide(
            "Safety/Crisis Plans",
            "safety_plans",
            RatesWithIntervals(pl.lit(True), "rate", "Final care plans with a Safety/Crisis Plan", "plans with one"),
        ),),
        reads=("episodes", "care_plans"),
    ),
    Measure(
        "first_contact_episodes", first_contact.first_contact_episodes,
        PerPerson("one row per referral, the agency's list to follow up"),
        "time-to-first-contact", FIRST_CONTACT,
        "time to first contact of every referral",
        ("episode_id", "agency_id", "service_level", "emergency", "referred_at", "first_contact_at", "hours",
         "standard_hours", "due", "met"),
        reads=("episodes", "contacts"),
    ),
    Measure(
        "first_contact_agency", first_contact.first_contact_agency,
        People(Counted(
            ("referrals", "due", "met"),
            (("met", "due"), ("due", "referrals")),
            ("pct_met", "ci_low", "ci_high", "median_hours", "p90_hours"),
        )),
        "time-to-first-contact", FIRST_CONTACT,
        "share of referrals reached within the standard, and Kaplan–Meier percentiles",
        ("as_of", "agency_id", "emergency", "referrals", "due", "met", "pct_met", "ci_low", "ci_high",
         "median_hours", "p90_hours"),
        headlines=(
            rate_headline(
                "reached_24h",
                lambda rules: f"Referrals reached within {wording.duration(rules.first_contact_standard_hours)}",
                ~pl.col("emergency"), "met", "due", "referral",
                help=lambda rules: ("Non-emergency referrals whose first contact came within "
                                    f"{wording.duration(rules.first_contact_standard_hours)}."),
            ),
            rate_headline(
                "reached_30min",
                lambda rules: f"Emergencies reached within {wording.duration(rules.first_contact_emergency_hours)}",
                pl.col("emergency"), "met", "due", "emergency referral",
            ),
        ),
        reads=("episodes", "contacts"),
    ),
    Measure(
        "monitoring_status", monitoring.monitoring_status, Organisations("one row per DCTS program"),
        "biennial-monitoring", MONITORING,
        "biennial monitoring status of each DCTS program",
        ("as_of", "agency_id", "last_visit_on", "next_due_on", "status", "days_until_due"),
        headlines=(
            Headline("programs_overdue", "Programs overdue for monitoring", count_rows(pl.col("status") == "overdue"),
                     higher_is_better=False),
        ),
        slides=(Slide("Biennial monitoring", "programs_overdue", DueDates("Next monitoring visit due")),),
        reads=("agencies", "monitoring_visits"),
    ),
    # Beyond the definitions' files; declared here so that its headline and slide follow monitoring's.
    Measure(
        "documentation_status", monitoring.documentation_status,
        # The sample size is the policy's share of the population and is hidden with it.
        People(Counted(("population_size",), derived=("sample_size",))),
        "documentation-oversight", MONITORING,
        "annual documentation oversight of each DCTS program and its deadlines",
        headlines=(
            # A count of programs: shown whatever their population.
            Headline("reviews_due", _reviews_due, count_rows(pl.col("review_due")), higher_is_better=False,
                     help=lambda rules: ("DCTS programs with no documentation review completed in the "
                                         f"{wording.plural(rules.documentation_interval_months, 'month')} before "
                                         "the report date, or none at all.")),
        ),
        slides=(Slide("Documentation oversight", "reviews_due",
                      DueDates("Next documentation review due", review=True)),),
        reads=("agencies", "documentation_reviews"),
        needs=("documentation_reviews",),
    ),
    Measure(
        "action_plans", action_plans.action_plans, Organisations("plans issued to programs"),
        "plans-of-action", PLANS,
        "every plan of action and corrective action issued by the as-of date",
        ("as_of", "plan_id", "agency_id", "kind", "issued_on", "due_on", "completed_on", "status",
         "days_overdue", "response_status"),
        headlines=(
            Headline("plans_open", "Open plans and corrective actions",
                     count_rows(pl.col("status").is_in(["open", "overdue"])), higher_is_better=False),
            Headline("plans_overdue", "Overdue plans", count_rows(pl.col("status") == "overdue"),
                     higher_is_better=False),
        ),
        slides=(Slide("Plans of action", "plans_overdue",
                      StackedBars("Plans by agency and status", "plans", "plan_status")),),
        reads=("action_plans",),
        needs=("action_plans",),
    ),
    Measure(
        "action_plans_agency", _plans_by_agency, Organisations("plans issued to programs, per program"),
        "plans-of-action", PLANS,
        "plans per agency: open, overdue, escalated, days to complete",
        ("as_of", "agency_id", "open_plans_of_action", "open_corrective_actions", "overdue", "escalated",
         "median_days_to_complete"),
        reads=("action_plans",),
        needs=("action_plans",),
    ),
    # Beyond the definitions' eight files:
    Measure(
        "caseload_trend", caseload.caseload_trend, People(CASELOADS), "caseload-utilization", CASELOAD,
        "caseload per agency and role at each month end",
        reads=("staff", "clients", "episodes", "assignments"),
    ),
    Measure(
        "adherence_staff", adherence.adherence_staff, People(PERIODS), "contact-adherence", ADHERENCE,
        "contact adherence per staff member (the one assigned on each period's last day)",
        reads=("episodes", "assignments", "contacts"),
    ),
    Measure(
        "adherence_trend", adherence.adherence_trend, People(PERIODS), "contact-adherence", ADHERENCE,
        "contact adherence by month of the period's last day",
        reads=("episodes", "assignments", "contacts"),
    ),
    Measure(
        "first_contact_curve", first_contact.first_contact_curve,
        ShownWith("first_contact_agency", ("agency_id", "emergency")),
        "time-to-first-contact", FIRST_CONTACT,
        "Kaplan–Meier share of referrals not yet reached, by hours since referral",
        slides=(
            Slide("Time to first contact", "reached_24h",
                  SurvivalCurves(~pl.col("emergency"), "Share of referrals not yet reached")),
            Slide("Emergencies: time to first contact", "reached_30min",
                  SurvivalCurves(pl.col("emergency"), "Share of emergency referrals not yet reached", emergency=True)),
        ),
        reads=("episodes", "contacts"),
    ),
    Measure(
        "first_contact_trend", first_contact.first_contact_trend, People(MET_OF_DUE), "time-to-first-contact",
        FIRST_CONTACT,
        "share reached within the standard by month of referral",
        reads=("episodes", "contacts"),
    ),
    Measure(
        "assignment_timeliness", first_contact.assignment_timeliness, People(MET_OF_DUE),
        "assignment-within-one-business-day", FIRST_CONTACT,
        "non-emergency referrals assigned within one business day",
        reads=("episodes",),
    ),
    Measure(
        "deadlines", deadlines.deadlines, Organisations("deadlines of programs and of the state"),
        "deadlines", DEADLINES,
        "DCTS oversight deadlines still open: materials, reviews, responses, plans, visits",
        headlines=(
            Headline("deadlines_late", "DCTS deadlines past due", count_rows(pl.col("status") == "late"),
                     higher_is_better=False,
                     help="Documentation materials, reviews, corrective-action responses, plans and monitoring "
                          "visits still open after their date."),
        ),
        # Counted from whichever of its tables the extract has: the deadlines page, like the deck's
        # data notes, names the ones it lacks.
        slides=(Slide("DCTS deadlines", "deadlines_late",
                      StackedBars("Open deadlines by program and status", "deadlines", "deadline_status")),),
        reads=("agencies", "monitoring_visits", "documentation_reviews", "action_plans"),
    ),
    Measure(
        "orientation_staff", training.orientation_staff,
        PerPerson("each program staff member's orientation hours, for the program"),
        "orientation-training", TRAINING,
        "orientation hours of DCTS program staff within three months of hire",
        headlines=(
            Headline("orientation_missed", _orientation_missed, count_rows(pl.col("status") == "not_met"),
                     higher_is_better=False,
                     help=lambda rules: (f"Staff of DCTS programs whose first {rules.orientation_months} months are "
                                         f"over with under {wording.plural(rules.orientation_hours, 'hour')} of "
                                         "orientation training, exemptions counted.")),
        ),
        # Staff counted per program by status: no one is named.
        slides=(Slide("Orientation training", "orientation_missed",
                      StackedBars("Staff by program and orientation status", "staff", "orientation_status")),),
        reads=("agencies", "staff", "trainings"),
        needs=("trainings",),
    ),
    Measure(
        "incidents", training.incidents_summary,
        People(Counted(
            ("incidents",),
            derived=("median_days_to_report", "max_days_to_report", "first_occurred_on", "last_occurred_on"),
        )),
        "incidents", TRAINING,
        "incidents by program and category, with days from occurrence to report",
        headlines=(
            people_headline("incidents_reported", "Incidents reported", "incidents",
                            help="Incidents that occurred in the counting window and were reported by the report "
                                 "date."),
        ),
        slides=(Slide("Incidents", "incidents_reported",
                      StackedBars("Incidents by program and category", "incidents", "incident_category",
                                  column="category", value="incidents")),),
        reads=("incidents",),
        needs=("incidents",),
    ),
)

BY_NAME: dict[str, Measure] = {measure.name: measure for measure in MEASURES}
COUNTED: dict[str, Counted] = {m.name: m.counts.counted for m in MEASURES if isinstance(m.counts, People)}
HEADLINES: tuple[Headline, ...] = tuple(replace(h, measure=m.name) for m in MEASURES for h in m.headlines)
HEADLINE_BY_KEY: dict[str, Headline] = {headline.key: headline for headline in HEADLINES}
# A slide takes its headline's place on the overview.
SLIDES: tuple[Slide, ...] = tuple(sorted(
    (replace(slide, measure=m.name) for m in MEASURES for slide in m.slides),
    key=lambda slide: HEADLINES.index(HEADLINE_BY_KEY[slide.headline]),
))
PAGE_OF_MEASURE: dict[str, str] = {m.name: m.page for m in MEASURES if m.page is not None}


def contract_first(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """The definitions' columns first, in their order, then whatever else the table has."""
    return frame.select(*columns, *[c for c in frame.columns if c not in columns])


def compute(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, pl.DataFrame]:
    return {m.name: contract_first(m.compute(con, filters), m.contract_columns) for m in MEASURES}
