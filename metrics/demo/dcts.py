"""DCTS oversight of the CRS programs: participants' enrollments, incidents, biennial monitoring
visits, annual documentation reviews, plans of action and corrective actions, and the providers'
orientation trainings; their six tables."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias, TypedDict

import numpy as np
import polars as pl

from metrics.demo.agencies import County, PlanScript, Program
from metrics.demo.columns import id_width
from metrics.demo.common import END_DAY, EXTRACT_END, SETTINGS, START_DAY, business_day, to_date, to_day
from metrics.demo.staff import Staff
from metrics.extract.schema import TABLES_BY_NAME
from metrics.policy.window import year_before

# Plans of action are due 60 days after issue, corrective actions 30.
PLAN_OF_ACTION_DAYS = 60
CORRECTIVE_ACTION_DAYS = 30

INCIDENT_CATEGORIES = ("medication error", "fall", "behavioral", "hospitalization", "death")
INCIDENT_CATEGORY_P = (0.3, 0.2, 0.27, 0.2, 0.03)

# Orientation outcomes of CRS providers, in fixed shares so that each occurs at any scale:
# most finish the required hours within the deadline, some late, some stop short of them,
# and some are granted the hours by exemption.
ORIENTATION_OUTCOMES = ("exempt",) + ("in_time",) * 7 + ("late", "short")

# Rows of the DCTS tables, in contract column order without the ids filled later.
Enrollment: TypeAlias = tuple[str, dt.date, dt.date | None, dt.date | None]  # agency, enrolled, recertified, discharged
Visit: TypeAlias = tuple[str, dt.date]  # agency, visited
# agency, year, requested, received, population, sample, completed, outcome
Review: TypeAlias = tuple[str, int, dt.date, dt.date | None, int, int, dt.date | None, str | None]
Incident: TypeAlias = tuple[str, dt.date, dt.date, str]  # agency, occurred, reported, category
Training: TypeAlias = tuple[int, dt.date, float, bool]  # staff index, completed, hours, exempt


class Plan(TypedDict):
    """A plan of action or corrective action; ``parent`` is the plan a corrective action names."""

    agency_id: str
    kind: str
    source: str
    issued_on: dt.date
    due_on: dt.date
    response_on: dt.date | None
    completed_on: dt.date | None
    parent: Plan | None


@dataclass(frozen=True)
class Oversight:
    """The DCTS tables, as rows of Python values in contract column order (ids filled later)."""

    enrollments: list[Enrollment]  # a new client each
    visits: list[Visit]
    reviews: list[Review]
    plans: list[Plan]
    incidents: list[Incident]
    trainings: list[Training]


def _add_years(day: dt.date, years: int) -> dt.date:
    """The same month and day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _crs_enrollments(rng: np.random.Generator, agency_id: str, start: int, participants: int) -> list[Enrollment]:
    """Participants of one program: a steady population with an average stay of three years."""
    stay_mean = 3 * 365.25
    first = max(start, START_DAY - 6 * 365)
    count = rng.poisson(participants / stay_mean * (END_DAY - first + 1))
    enrolled = np.sort(rng.integers(first, END_DAY + 1, count))
    discharged = enrolled + 30 + np.round(rng.exponential(stay_mean, count)).astype(np.int64)
    rows: list[Enrollment] = []
    for begin_day, end_day, recorded in zip(enrolled.tolist(), discharged.tolist(), rng.random(count) < 0.9,
                                            strict=True):
        if end_day < START_DAY:
            continue
        begin = to_date(begin_day)
        end = to_date(end_day) if end_day <= END_DAY else None
        # The latest anniversary of enrollment while enrolled; a tenth of them were not recorded.
        limit = end or EXTRACT_END
        years = limit.year - begin.year - ((limit.month, limit.day) < (begin.month, begin.day))
        recertified = _add_years(begin, years) if years >= 1 and recorded else None
        rows.append((agency_id, begin, recertified, end))
    return rows


def _review_population(enrollments: list[Enrollment], agency_id: str, requested: dt.date) -> int:
    """The participants a review's sample is drawn from, as the contract counts them: enrolled or
    discharged in the 12 months before the request (each enrollment is a participant of its own)."""
    start, end = year_before(requested)
    return sum(1 for agency, begin, _r, discharged in enrollments
               if agency == agency_id
               and (start <= begin <= end or (discharged is not None and start <= discharged <= end)))


def _reviews(rng: np.random.Generator, agency_id: str, program: Program, start: int, enrollments: list[Enrollment],
             not_met: set[int]) -> list[Review]:
    """Annual documentation oversight: sample list, materials, debrief."""
    rows: list[Review] = []
    for year in (2024, 2025, 2026):
        requested = to_date(int(business_day(to_day(dt.date(year, program.review_month, 1))
                                             + int(rng.integers(0, 10)))))
        if to_day(requested) < start + 365:
            continue
        due = SETTINGS.materials_due_business_days
        late = rng.random() < 0.2
        received = to_date(int(business_day(to_day(requested),
                                            int(rng.integers(due + 1, 31) if late else rng.integers(4, due + 1)))))
        slow = rng.random() < 0.2
        completion = SETTINGS.review_complete_days
        completed = received + dt.timedelta(days=int(rng.integers(completion + 1, 141) if slow
                                                      else rng.integers(30, 81)))
        received_on = received if received <= EXTRACT_END else None
        completed_on = completed if received_on is not None and completed <= EXTRACT_END else None
        population = _review_population(enrollments, agency_id, requested)
        sample = math.ceil(SETTINGS.documentation_sample_fraction * population)
        outcome = None if completed_on is None else "not_met" if year in not_met else "met"
        rows.append((agency_id, year, requested, received_on, population, sample, completed_on, outcome))
    return rows


def _plans(rng: np.random.Generator, agency_id: str, script: PlanScript, anchor: dt.date) -> list[Plan]:
    """A plan of action and, when it escalates, the corrective action naming it as ``parent``."""

    def days(low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=int(rng.integers(low, high + 1)))

    def by_end(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= EXTRACT_END else None

    issued = anchor + days(7, 14)
    due = issued + dt.timedelta(days=PLAN_OF_ACTION_DAYS)
    completed = {"on_time": due - days(1, 25), "late": due + days(5, 40)}.get(script.fate)
    response = issued + days(5, 20) if rng.random() < 0.7 else None
    plan: Plan = {"agency_id": agency_id, "kind": "plan_of_action", "source": script.source, "issued_on": issued,
                  "due_on": due, "response_on": by_end(response), "completed_on": by_end(completed), "parent": None}
    if script.fate != "escalated":
        return [plan]
    ca_issued = due + days(7, 21)
    ca_due = ca_issued + dt.timedelta(days=CORRECTIVE_ACTION_DAYS)
    respond_within = SETTINGS.corrective_action_response_days
    # By the response's fate; keyed by str | None, as PlanScript.response may be None.
    ca_responses: dict[str | None, dt.date] = {"on_time": ca_issued + days(2, respond_within),
                                               "late": ca_issued + days(respond_within + 2, respond_within + 15)}
    ca_completions: dict[str | None, dt.date] = {"on_time": ca_due - days(0, 10), "late": ca_due + days(5, 30)}
    ca_response, ca_completed = ca_responses.get(script.response), ca_completions.get(script.response)
    corrective: Plan = {"agency_id": agency_id, "kind": "corrective_action", "source": script.source,
                        "issued_on": ca_issued, "due_on": ca_due, "response_on": by_end(ca_response),
                        "completed_on": by_end(ca_completed), "parent": plan}
    return [plan, corrective]


def _trainings(rng: np.random.Generator, staff_index: int, hired: int, outcome: str) -> list[Training]:
    """Orientation sessions of one CRS provider."""
    hire = to_date(hired)
    required = SETTINGS.orientation_hours
    if outcome == "exempt":
        return [(staff_index, hire + dt.timedelta(days=int(rng.integers(0, 15))), required, True)]
    deadline = (SETTINGS.orientation_months * 365) // 12
    window = deadline + 60 if outcome == "late" else deadline - 5
    target = required - float(rng.choice([2.0, 3.5, 4.0])) if outcome == "short" else required
    rows: list[Training] = []
    hours = 0.0
    while hours < target:
        session = float(min(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0]), target - hours))
        rows.append((staff_index, hire + dt.timedelta(days=int(rng.integers(1, window))), session, False))
        hours += session
    if outcome == "late":
        # The hours are reached only after the deadline.
        rows[-1] = (staff_index, hire + dt.timedelta(days=deadline + int(rng.integers(5, 60))), *rows[-1][2:])
    return [row for row in rows if row[1] <= EXTRACT_END]


def draw_oversight(county: County, shifts: np.ndarray, staff: Staff, rng: np.random.Generator) -> Oversight:
    enrollments: list[Enrollment] = []
    visits: list[Visit] = []
    reviews: list[Review] = []
    plans: list[Plan] = []
    incidents: list[Incident] = []
    first_dcts = len(county.bhd)
    for p, (program, shift) in enumerate(zip(county.dcts, shifts.tolist(), strict=True)):
        agency_id = f"CRS{p + 1:02d}"
        moved = dt.timedelta(days=shift)
        start = county.dcts_starts[p]
        program_enrollments = _crs_enrollments(rng, agency_id, start, program.participants)
        enrollments += program_enrollments
        visits += [(agency_id, visit + moved) for visit in program.visits]
        # Plans after documentation oversight are anchored on the year of the review.
        not_met = {s.anchor for s in program.plans
                   if s.source == "documentation_oversight" and isinstance(s.anchor, int)}
        program_reviews = _reviews(rng, agency_id, program, start, program_enrollments, not_met)
        reviews += program_reviews
        # The plans are scripted on reviews completed by the end.
        completed_by_year = {row[1]: row[6] for row in program_reviews if row[6] is not None}
        for script in program.plans:
            anchor = completed_by_year[script.anchor] if isinstance(script.anchor, int) else script.anchor + moved
            plans += _plans(rng, agency_id, script, anchor)

        participant_years = program.participants * (END_DAY - START_DAY + 1) / 365.25
        occurred = np.sort(rng.integers(max(start, START_DAY), END_DAY + 1, rng.poisson(0.25 * participant_years)))
        delay = rng.choice([0, 1, 2, 3, 4, 5, 7, 10], occurred.size, p=[.4, .25, .12, .07, .05, .03, .05, .03])
        category = rng.choice(len(INCIDENT_CATEGORIES), occurred.size, p=INCIDENT_CATEGORY_P)
        incidents += [(agency_id, to_date(o), to_date(o + d), INCIDENT_CATEGORIES[c])
                      for o, d, c in zip(occurred.tolist(), delay.tolist(), category.tolist(), strict=True)
                      if o + d <= END_DAY]

    providers = np.flatnonzero(staff.agency >= first_dcts)
    outcomes = rng.permutation(np.resize(ORIENTATION_OUTCOMES, providers.size))
    trainings = [row for s, outcome in zip(providers.tolist(), outcomes.tolist(), strict=True)
                 for row in _trainings(rng, s, int(staff.hired[s]), outcome)]
    trainings.sort(key=lambda row: (row[1], row[0]))
    enrollments.sort(key=lambda row: (row[1], row[0]))
    plans.sort(key=lambda plan: (plan["issued_on"], plan["agency_id"]))
    incidents.sort(key=lambda row: (row[1], row[0]))
    return Oversight(enrollments, visits, reviews, plans, incidents, trainings)


def _rows_frame(table: str, rows: Sequence[tuple[object, ...]]) -> pl.DataFrame:
    columns = [c.name for c in TABLES_BY_NAME[table].columns]
    types = {c.name: {"date": pl.Date, "integer": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}
             .get(c.type, pl.String) for c in TABLES_BY_NAME[table].columns}
    return pl.DataFrame(rows, schema=types, orient="row").select(columns)


def dcts_frames(oversight: Oversight, crs_client_ids: pl.Series, staff_ids: pl.Series) -> dict[str, pl.DataFrame]:
    """The six DCTS tables; ``crs_client_ids`` are the participants' ids, one per enrollment."""
    plan_ids = {id(plan): f"AP{i + 1:04d}" for i, plan in enumerate(oversight.plans)}
    incident_width = id_width(len(oversight.incidents))
    return {
        "monitoring_visits": _rows_frame("monitoring_visits", sorted(oversight.visits, key=lambda r: (r[1], r[0]))),
        "documentation_reviews": _rows_frame("documentation_reviews",
                                             sorted(oversight.reviews, key=lambda r: (r[1], r[2], r[0]))),
        "action_plans": _rows_frame("action_plans", [
            (plan_ids[id(p)], p["agency_id"], p["kind"], p["source"], p["issued_on"], p["due_on"],
             p["response_on"], p["completed_on"], p["parent"] and plan_ids[id(p["parent"])])
            for p in oversight.plans]),
        "crs_enrollments": _rows_frame("crs_enrollments", [
            (client, *row) for client, row in zip(crs_client_ids.to_list(), oversight.enrollments, strict=True)]),
        "incidents": _rows_frame("incidents", [(f"IN{i + 1:0{incident_width}d}", *row)
                                               for i, row in enumerate(oversight.incidents)]),
        "trainings": _rows_frame("trainings", [(staff_ids[s], day, hours, exempt)
                                               for s, day, hours, exempt in oversight.trainings]),
    }
