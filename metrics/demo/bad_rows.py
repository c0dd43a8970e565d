"""The deliberately bad rows: one of every kind the extract contract rejects, and the rows that
hang off a bad episode, each made from a good row of its table and placed among the good rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from metrics.demo.dcts import CORRECTIVE_ACTION_DAYS, PLAN_OF_ACTION_DAYS


@dataclass(frozen=True)
class BadRow:
    index: int  # written before the good row with this index
    cells: tuple[str, ...]
    column: str | None
    reason_kind: str


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# A maker turns the good row just before its slot into a bad row: (cells, column, reason kind).
_Maker = Callable[[dict[str, Any]], tuple[list[str], str | None, str]]


def _changed(row: dict[str, Any], **values: object) -> list[str]:
    return [_cell(values[name]) if name in values else _cell(value) for name, value in row.items()]


def _spread(frame: pl.DataFrame, makers: list[_Maker]) -> list[BadRow]:
    """Each maker's row, at evenly spread positions of the table (never before the first good row)."""
    bad = []
    for k, make in enumerate(makers):
        index = max(1, round(frame.height * (k + 1) / (len(makers) + 1)))
        cells, column, reason = make(frame.row(index - 1, named=True))
        bad.append(BadRow(index, tuple(cells), column, reason))
    return bad


def _fresh(frame: pl.DataFrame, key: str, prefix: str, offset: int) -> str:
    """An id of the table's pattern that no good row uses."""
    width = len(frame[key][0]) - len(prefix)
    return f"{prefix}{frame.height + offset:0{width}d}"


def planted_rows(frames: dict[str, pl.DataFrame]) -> dict[str, list[BadRow]]:
    """One bad row of every kind the contract rejects, and the rows hanging off a bad episode."""
    staff, episodes, contacts = frames["staff"], frames["episodes"], frames["contacts"]
    plans = frames["action_plans"]

    def new_staff(k: int) -> str:
        return _fresh(staff, "staff_id", "S", 1 + k)

    def new_episode(k: int) -> str:
        return _fresh(episodes, "episode_id", "EP", 1 + k)

    def new_contact(k: int) -> str:
        return _fresh(contacts, "contact_id", "K", 1 + k)

    def hired(row: dict[str, Any], **values: object) -> list[str]:
        return _changed(row, **{"separated_on": None, **values})

    staff_makers: list[_Maker] = [
        lambda r: (hired(r, staff_id=""), "staff_id", "missing_required"),
        lambda r: (hired(r, staff_id=new_staff(0), fte="0"), "fte", "out_of_range"),
        lambda r: (hired(r, staff_id=new_staff(1), fte="0.5.1"), "fte", "bad_decimal"),
        lambda r: (hired(r, staff_id=new_staff(2), role="RSC"), "role", "bad_enum"),
        lambda r: (hired(r, staff_id=new_staff(3), hired_on="2025-03-03", separated_on="2025-02-28"),
                   "separated_on", "not_before"),
        lambda r: (hired(r, staff_id=new_staff(4), hired_on="03/15/2026"), "hired_on", "bad_date"),
        lambda r: (hired(r, staff_id=new_staff(5), fte="1.5"), "fte", "out_of_range"),
        lambda r: (_changed(r), "staff_id", "duplicate_key"),
    ]

    # Planted episodes copy their neighbour's client, agency, level and referral, and are
    # otherwise complete: assigned two hours later, enrolled the next day, still open.
    def episode(row: dict[str, Any], k: int, **values: object) -> list[str]:
        referred = row["referred_at"]
        base = {"episode_id": new_episode(k), "emergency": False, "assigned_at": referred + dt.timedelta(hours=2),
                "enrolled_on": referred.date() + dt.timedelta(days=1), "discharged_on": None,
                "discharge_type": None}
        return _changed(row, **{**base, **values})

    cascade_parent = new_episode(1)
    episode_makers: list[_Maker] = [
        lambda r: (episode(r, 0, service_level="rsc-i"), "service_level", "bad_enum"),
        lambda r: (episode(r, 1, referred_at="2026-02-30 09:15:00", assigned_at="2026-03-02 10:00:00",
                           enrolled_on="2026-03-03"), "referred_at", "bad_timestamp"),
        lambda r: (episode(r, 2, referred_at="2026-03-01T10:00:00-06:00", assigned_at="2026-03-02 09:00:00",
                           enrolled_on="2026-03-03"), "referred_at", "timestamp_offset"),
        lambda r: (episode(r, 3, emergency="maybe"), "emergency", "bad_bool"),
        lambda r: (episode(r, 4, assigned_at=r["referred_at"] - dt.timedelta(hours=3)), "assigned_at", "not_before"),
        lambda r: (episode(r, 5, enrolled_on=r["referred_at"].date() - dt.timedelta(days=2)),
                   "enrolled_on", "not_before"),
        lambda r: (episode(r, 6, enrolled_on=None, discharged_on=r["referred_at"].date() + dt.timedelta(days=40),
                           discharge_type="planned"), "discharged_on", "only_with"),
        lambda r: (episode(r, 7, enrolled_on=r["referred_at"].date() + dt.timedelta(days=5),
                           discharged_on=r["referred_at"].date() + dt.timedelta(days=2), discharge_type="unplanned"),
                   "discharged_on", "not_before"),
        lambda r: (episode(r, 8, discharged_on=r["referred_at"].date() + dt.timedelta(days=60)),
                   "discharge_type", "required_when"),
        lambda r: (episode(r, 9, discharge_type="planned"), "discharge_type", "only_with"),
        lambda r: (episode(r, 10, client_id=_fresh(frames["clients"], "client_id", "C", 500)),
                   "client_id", "missing_parent"),
    ]
    assignment_makers: list[_Maker] = [
        lambda r: (_changed(r, end_on=r["start_on"] - dt.timedelta(days=10)), "end_on", "not_before"),
        lambda r: (_changed(r, staff_id=new_staff(500)), "staff_id", "missing_parent"),
        lambda r: (_changed(r, episode_id=cascade_parent, start_on="2026-03-03", end_on=None),
                   "episode_id", "rejected_parent"),
    ]

    def contact(row: dict[str, Any], k: int, **values: object) -> list[str]:
        return _changed(row, contact_id=new_contact(k), **values)

    contact_makers: list[_Maker] = [
        lambda r: (contact(r, 0, kind="visit"), "kind", "bad_enum"),
        lambda r: (contact(r, 1, episode_id=cascade_parent, contact_at="2026-03-02 11:20:00", kind="client",
                           mode="phone"), "episode_id", "rejected_parent"),
        lambda r: (contact(r, 2, mode="email"), "mode", "bad_enum"),
        lambda r: (contact(r, 3) + ["left a message"], None, "too_many_columns"),
        lambda r: (contact(r, 4, episode_id=cascade_parent, contact_at="2026-03-09 14:00:00", kind="client",
                           mode="in_person"), "episode_id", "rejected_parent"),
        lambda r: (contact(r, 5)[:-1], None, "too_few_columns"),
        lambda r: (_changed(r), "contact_id", "duplicate_key"),
        lambda r: (contact(r, 6, episode_id=new_episode(500)), "episode_id", "missing_parent"),
    ]
    care_plan_makers: list[_Maker] = [
        lambda r: (_changed(r, episode_id=cascade_parent, plan_kind="preliminary", completed_on="2026-03-04",
                            safety_plan=True), "episode_id", "rejected_parent"),
    ]

    # Planted plans of action are open plans issued on their neighbour's day.
    def plan(row: dict[str, Any], k: int, **values: object) -> list[str]:
        issued = row["issued_on"]
        base = {"plan_id": _fresh(plans, "plan_id", "AP", 1 + k), "kind": "plan_of_action",
                "due_on": issued + dt.timedelta(days=PLAN_OF_ACTION_DAYS), "response_on": None,
                "completed_on": None, "parent_plan_id": None}
        return _changed(row, **{**base, **values})

    plan_makers: list[_Maker] = [
        lambda r: (plan(r, 0, due_on=r["issued_on"] - dt.timedelta(days=5)), "due_on", "not_before"),
        lambda r: (plan(r, 1, kind="corrective_action", parent_plan_id=_fresh(plans, "plan_id", "AP", 500),
                        due_on=r["issued_on"] + dt.timedelta(days=CORRECTIVE_ACTION_DAYS)),
                   "parent_plan_id", "missing_parent"),
        lambda r: (plan(r, 2, completed_on=r["issued_on"] - dt.timedelta(days=7)), "completed_on", "not_before"),
    ]
    incidents = frames["incidents"]
    return {
        "staff": _spread(staff, staff_makers),
        "clients": _spread(frames["clients"], [
            lambda r: (_changed(r, client_id=_fresh(frames["clients"], "client_id", "C", 1), family_id=None,
                                birth_year="1850"), "birth_year", "out_of_range")]),
        "episodes": _spread(episodes, episode_makers),
        "assignments": _spread(frames["assignments"], assignment_makers),
        "contacts": _spread(contacts, contact_makers),
        "care_plans": _spread(frames["care_plans"], care_plan_makers),
        "monitoring_visits": _spread(frames["monitoring_visits"], [
            lambda r: (_changed(r, visited_on="2026-02-30"), "visited_on", "bad_date")]),
        "documentation_reviews": _spread(frames["documentation_reviews"], [
            lambda r: (_changed(r, population_size="12.5"), "population_size", "bad_integer")]),
        "action_plans": _spread(plans, plan_makers),
        "crs_enrollments": _spread(frames["crs_enrollments"], [
            lambda r: (_changed(r, recertified_on=None, discharged_on=r["enrolled_on"] - dt.timedelta(days=20)),
                       "discharged_on", "not_before")]),
        "incidents": _spread(incidents, [
            lambda r: (_changed(r, incident_id=_fresh(incidents, "incident_id", "IN", 1),
                                reported_on=r["occurred_on"] - dt.timedelta(days=3)), "reported_on", "not_before")]),
        "trainings": _spread(frames["trainings"], [lambda r: (_changed(r, hours="1,5"), "hours", "bad_decimal")]),
    }
