"""Who carries each referral: supervisors assign it by load to staff of its agency and level,
and move it on when staff leave and now and then otherwise; the assignments table, with one row
per member of a family."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from metrics.demo.columns import dates, table_frame
from metrics.demo.common import DAY, END_DAY, NONE, SETTINGS, SIMULATION_DAY
from metrics.demo.episodes import OUTREACH_DAYS, Episodes, Units
from metrics.demo.staff import Staff
from metrics.extract.schema import SERVICE_LEVELS, STAFF_ROLES

TRANSFER_SHARE = 0.05  # episodes moved to another staff member for reasons other than leaving
# Supervisors sometimes pick a staff member by continuity or language rather than by load.
RANDOM_PICK_SHARE = 0.2


@dataclass(frozen=True)
class Carried:
    """Who carried each referral unit: assignment segments, and the staff member who reached out first."""

    unit: np.ndarray
    staff: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NONE while open
    first_staff: np.ndarray  # by unit


def _assignment_start(units: Units) -> npt.NDArray[np.int64]:
    """An enrolled unit is on the caseload from its assignment, or from enrollment if that came first."""
    assigned_day = np.where(units.assigned == NONE, units.enrolled, units.assigned // DAY)
    start: npt.NDArray[np.int64] = np.minimum(assigned_day, units.enrolled)
    return start


class _Team:
    """The staff of one agency and role, and how many units each carries on every day."""

    def __init__(self, staff: Staff, separated: np.ndarray, agency: int, level: int) -> None:
        role = STAFF_ROLES.index(SERVICE_LEVELS[level])
        self.members = np.flatnonzero((staff.agency == agency) & (staff.role == role))
        self.hired, self.leaves = staff.hired[self.members], separated[self.members]
        self.leaves_list = self.leaves.tolist()
        self.employed_at_end = (staff.separated[self.members] == NONE).tolist()
        self.capacity = (SETTINGS.caseload_standard[SERVICE_LEVELS[level]] * staff.fte[self.members]).tolist()
        self.load = np.zeros((self.members.size, END_DAY - SIMULATION_DAY + 2), np.int32)

    def employed(self, first: int, last: int) -> np.ndarray:
        return np.flatnonzero((self.hired <= first) & (self.leaves >= last))

    def pick(self, candidates: np.ndarray, day: int, draws: list[float]) -> int:
        """Of two candidates drawn at random, the one further below the standard (or just the first)."""
        first = int(candidates[int(draws[0] * candidates.size)])
        second = int(candidates[int(draws[1] * candidates.size)])
        if draws[2] < RANDOM_PICK_SHARE:
            return first
        column = day - SIMULATION_DAY
        load, capacity = self.load, self.capacity
        return first if load[first, column] / capacity[first] <= load[second, column] / capacity[second] else second

    def successor(self, day: int, leaving: int, rng: np.random.Generator) -> int | None:
        candidates = self.employed(day, day)
        candidates = candidates[candidates != leaving]
        return self.pick(candidates, day, rng.random(3).tolist()) if candidates.size else None

    def carry(self, member: int, first: int, last: int) -> None:
        self.load[member, first - SIMULATION_DAY:last - SIMULATION_DAY + 1] += 1


def carry(units: Units, staff: Staff, rng: np.random.Generator) -> Carried:
    """Give every referral a staff member of its agency and level, and move it on when staff leave.

    Supervisors assign by load: of two staff members active at the time, the one further
    below their caseload standard (families count once for RSC-F), with some exceptions.
    Units are taken in order of their start, so the load seen is the one of that day.
    """
    first_staff = np.full(units.agency.size, NONE)
    segments: list[tuple[int, int, int, int]] = []
    referred_day = units.referred_day
    start_day = np.where(units.enrolled == NONE, referred_day, _assignment_start(units))
    # Whoever reaches out stays employed until the unit is on a caseload, or through the outreach.
    busy_until = np.where(units.enrolled == NONE, np.minimum(referred_day + OUTREACH_DAYS, END_DAY), start_day)
    separated = np.where(staff.separated == NONE, END_DAY + 1, staff.separated)
    # Plain lists: this loop runs once per referral, and list lookups are much faster than numpy's.
    draws = rng.random((units.agency.size, 5)).tolist()
    referred_list, start_list, end_list = referred_day.tolist(), start_day.tolist(), units.stay_end.tolist()
    busy_list = busy_until.tolist()
    enrolled_list, open_list = (units.enrolled != NONE).tolist(), (units.discharged == NONE).tolist()

    order = np.lexsort((start_day, units.level, units.agency))
    group_key = units.agency[order] * len(SERVICE_LEVELS) + units.level[order]
    for group in np.split(order, np.flatnonzero(np.diff(group_key)) + 1):
        team = _Team(staff, separated, int(units.agency[group[0]]), int(units.level[group[0]]))
        for u in group.tolist():
            # Position 0, employed throughout, is always among the candidates.
            start = start_list[u]
            carrier = team.pick(team.employed(referred_list[u], busy_list[u]), start, draws[u])
            first_staff[u] = team.members[carrier]
            if not enrolled_list[u]:
                continue
            end = end_list[u]
            transfer = start + 30 + int(draws[u][3] * (end - start - 60)) \
                if draws[u][4] < TRANSFER_SHARE and end - start > 60 else None
            while True:
                segment_end, next_carrier = min(end, team.leaves_list[carrier]), None
                if transfer is not None and start < transfer < segment_end:
                    next_carrier = team.successor(transfer + 1, carrier, rng)
                    if next_carrier is not None:
                        segment_end = transfer
                    transfer = None
                if next_carrier is None and segment_end < end:
                    # The carrier left; the stable position 0 guarantees someone is there.
                    next_carrier = team.successor(segment_end + 1, carrier, rng)
                still_open = segment_end == END_DAY and open_list[u] and team.employed_at_end[carrier]
                segments.append((u, int(team.members[carrier]), start, NONE if still_open else segment_end))
                team.carry(carrier, start, segment_end)
                if segment_end >= end:
                    break
                assert next_carrier is not None  # a transfer, or the carrier left and position 0 took over
                start, carrier = segment_end + 1, next_carrier

    unit, staff_index, start, end = (np.array(column, np.int64) for column in zip(*segments, strict=True))
    order = np.lexsort((start, unit))
    return Carried(unit[order], staff_index[order], start[order], end[order], first_staff)


def assignments_frame(carried: Carried, units: Units, episodes: Episodes, episode_ids: pl.Series,
                      staff_ids: pl.Series) -> pl.DataFrame:
    # A family's assignment is one row per member.
    members = units.members[carried.unit]
    segment = np.repeat(np.arange(carried.unit.size), members)
    member = np.arange(segment.size) - np.repeat(np.cumsum(members) - members, members)
    episode = episodes.first_of_unit[carried.unit[segment]] + member
    order = np.lexsort((episode, carried.start[segment]))
    segment, episode = segment[order], episode[order]
    return table_frame("assignments", {
        "episode_id": episode_ids.gather(episode),
        "staff_id": staff_ids.gather(carried.staff[segment]),
        "start_on": dates(carried.start[segment]),
        "end_on": dates(carried.end[segment]),
    })
