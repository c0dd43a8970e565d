"""Contacts: the first contact after a referral and the attempts before it; while enrolled, the
contacts that meet the settings' contact requirements in most of their periods, attempts in
missed ones, RST meetings before CM discharges and collateral contacts; the contacts table.

The requirements (which contact kind, every how many days, for which service levels) are read
from ``Settings.contact_requirements``, the one place that declares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from metrics.demo.agencies import County
from metrics.demo.assignments import Carried
from metrics.demo.columns import gather, id_width, ids, table_frame, timestamps
from metrics.demo.common import CM, DAY, END_DAY, END_TS, HOUR, NONE, SETTINGS, weekday
from metrics.demo.episodes import OUTREACH_DAYS, Episodes, Units
from metrics.extract.schema import CONTACT_KINDS, CONTACT_MODES, SERVICE_LEVELS


@dataclass(frozen=True)
class _Requirement:
    """One requirement of the settings: its qualifying contact kind and, by service level, the
    days between required contacts (0 for a level it does not apply to)."""

    kind: int  # index into CONTACT_KINDS
    days: np.ndarray


def _requirements() -> dict[str, _Requirement]:
    """The settings' contact requirements by name."""
    kinds: dict[str, int] = {}
    days: dict[str, np.ndarray] = {}
    for level, requirement, period, kind in SETTINGS.contact_periods():
        kinds[requirement] = CONTACT_KINDS.index(kind)
        days.setdefault(requirement, np.zeros(len(SERVICE_LEVELS), np.int64))[SERVICE_LEVELS.index(level)] = period
    return {requirement: _Requirement(kinds[requirement], days[requirement]) for requirement in days}


# Client contacts and RST meetings, each met the way agencies meet them (below); the first
# contact after a referral is a contact of the client-contact kind.
CLIENT_CONTACT, RST_MEETING = (_requirements()[name] for name in ("client_contact", "rst_meeting"))
# Kinds no requirement asks for: unsuccessful attempts, and contacts with others than the client.
ATTEMPT, COLLATERAL = CONTACT_KINDS.index("attempt"), CONTACT_KINDS.index("collateral")

# Mode shares by contact kind, in the order of CONTACT_MODES (in_person, phone, video, text, other).
MODE_P = {
    "client": (0.55, 0.28, 0.09, 0.06, 0.02),
    "attempt": (0.10, 0.65, 0.0, 0.22, 0.03),
    "rst_meeting": (0.62, 0.05, 0.33, 0.0, 0.0),
    "collateral": (0.15, 0.62, 0.13, 0.04, 0.06),
}
FIRST_CONTACT_MODE_P = (0.35, 0.60, 0.05, 0.0, 0.0)
STAFF_ID_MISSING = 0.04

# Contacts happen mostly in business hours, some in the evening; meetings in office hours.
CONTACT_HOURS = np.arange(8, 21)
CONTACT_HOUR_P = np.array([6, 10, 12, 11, 7, 10, 11, 10, 8, 4, 3, 2, 1], float) / 95
MEETING_HOURS = np.arange(9, 17)
MEETING_HOUR_P = np.full(MEETING_HOURS.size, 1 / MEETING_HOURS.size)


def _at_time_of_day(rng: np.random.Generator, days: npt.NDArray[np.int64],
                    hours: npt.NDArray[np.integer[Any]] = CONTACT_HOURS,
                    hour_p: npt.NDArray[np.float64] = CONTACT_HOUR_P) -> npt.NDArray[np.int64]:
    hour = rng.choice(hours, days.size, p=hour_p)
    timestamp: npt.NDArray[np.int64] = days * DAY + hour * HOUR + rng.integers(0, 60, days.size) * 60
    return timestamp


def _uniform_day(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> npt.NDArray[np.int64]:
    day: npt.NDArray[np.int64] = first + np.floor(rng.random(first.size) * (last - first + 1)).astype(np.int64)
    return day


def _to_weekday(rng: np.random.Generator, days: np.ndarray, first: np.ndarray, last: np.ndarray,
                share: float) -> npt.NDArray[np.int64]:
    """Move ``share`` of the weekend days to the Friday before or the Monday after, within [first, last]."""
    day_of_week = weekday(days)
    move = rng.random(days.size) < share
    moved = days + np.where(move & (day_of_week == 5), -1, 0) + np.where(move & (day_of_week == 6), 1, 0)
    clipped: npt.NDArray[np.int64] = np.clip(moved, first, last)
    return clipped


def _periods(first: np.ndarray, last: np.ndarray, length: np.ndarray) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The consecutive periods of ``length`` days from each ``first`` that begin by ``last``.

    Returns (owner, k, first day, last day) per period; the last period may be cut short. A
    ``length`` of 0 (a requirement that does not apply) gives no periods.
    """
    count = np.where(length > 0, np.maximum((last - first) // np.maximum(length, 1) + 1, 0), 0)
    owner = np.repeat(np.arange(first.size), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    begins = first[owner] + k * length[owner]
    return owner, k, begins, np.minimum(begins + length[owner] - 1, last[owner])


def _contacts(units: Units, episodes: Episodes, carried: Carried, county: County,
              rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Every contact as (episode, timestamp, kind, mode, staff or NONE), in order of time."""
    unit = episodes.unit
    level = units.level[unit]
    referred = units.referred[unit]
    first_contact = units.first_contact[unit]
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []  # episode, timestamp, kind, modes

    def add(episode: np.ndarray, timestamp: np.ndarray, kind: int, mode_p: tuple[float, ...] | None = None) -> None:
        modes = rng.choice(len(CONTACT_MODES), episode.size, p=mode_p or MODE_P[CONTACT_KINDS[kind]])
        parts.append((episode, timestamp, kind, modes))

    def add_during_stay(episode: np.ndarray, days: npt.NDArray[np.int64], kind: int,
                        hours: npt.NDArray[np.integer[Any]] = CONTACT_HOURS,
                        hour_p: npt.NDArray[np.float64] = CONTACT_HOUR_P) -> None:
        # Nothing during the stay comes before the first contact (on the day of the referral).
        timestamp = _at_time_of_day(rng, days, hours, hour_p)
        add(episode, np.maximum(timestamp, first_contact[episode] + 15 * 60), kind)

    # Before enrollment: the first client contact, and attempts while trying to reach the client.
    reached = np.flatnonzero(first_contact != NONE)
    add(reached, first_contact[reached], CLIENT_CONTACT.kind, FIRST_CONTACT_MODE_P)
    waited_hours = (first_contact[reached] - referred[reached]) / HOUR
    tries = rng.poisson(0.1 + np.minimum(waited_hours / 30, 3))
    owner = np.repeat(reached, tries)
    add(owner, referred[owner] + (rng.random(owner.size) * (first_contact[owner] - referred[owner])).astype(np.int64)
        // 60 * 60, ATTEMPT)
    # Never reached: the agency tries for about three weeks.
    never = np.flatnonzero(first_contact == NONE)
    owner = np.repeat(never, np.minimum(2 + rng.poisson(1.5, never.size), 7))
    add(owner, referred[owner] + rng.integers(10, OUTREACH_DAYS * 24 * 60, owner.size) * 60, ATTEMPT)

    # While enrolled.
    enrolled = np.flatnonzero(units.enrolled[unit] != NONE)
    first = units.enrolled[unit[enrolled]]
    last = units.stay_end[unit[enrolled]]
    agency_adherence = np.array([a.adherence for a in county.bhd])[units.agency[unit[enrolled]]]
    adherence = np.clip(agency_adherence + rng.normal(0, 0.05, enrolled.size)
                        - 0.08 * units.unplanned[unit[enrolled]], 0.2, 0.995)
    is_cm = level[enrolled] == CM

    # Client contacts: one in most periods of the requirement, now and then two.
    owner, _k, begins, ends = _periods(first, last, CLIENT_CONTACT.days[level[enrolled]])
    met = rng.random(owner.size) < adherence[owner]
    twice = met & (rng.random(owner.size) < np.where(is_cm[owner], 0.05, 0.12))
    rows = np.concatenate([np.flatnonzero(met), np.flatnonzero(twice)])
    days = _to_weekday(rng, _uniform_day(rng, begins[rows], ends[rows]), begins[rows], ends[rows], 0.85)
    add_during_stay(enrolled[owner[rows]], days, CLIENT_CONTACT.kind)
    # A missed period often shows an unsuccessful attempt.
    rows = np.flatnonzero(~met & (rng.random(owner.size) < 0.4))
    add_during_stay(enrolled[owner[rows]], _uniform_day(rng, begins[rows], ends[rows]), ATTEMPT)

    # RST meetings: one in most periods of the requirement, on a weekday.
    owner, k, begins, ends = _periods(first, last, RST_MEETING.days[level[enrolled]])
    rows = np.flatnonzero(rng.random(owner.size) < np.minimum(adherence[owner] + 0.02, 0.98))
    owner, k, begins, ends = owner[rows], k[rows], begins[rows], ends[rows]
    # RSC teams are formed with a first meeting within two weeks of enrollment, mostly.
    formed = SETTINGS.rst_formed_days
    forming = ~is_cm[owner] & (k == 0)
    in_time = rng.random(owner.size) < 0.85
    low = np.minimum(begins + np.where(forming & ~in_time, formed, 0), ends)
    high = np.minimum(np.where(forming & in_time, begins + formed - 1, ends), ends)
    days = _to_weekday(rng, _uniform_day(rng, low, high), begins, ends, 1.0)
    add_during_stay(enrolled[owner], days, RST_MEETING.kind, MEETING_HOURS, MEETING_HOUR_P)
    # CM discharges are mostly prepared in an RST meeting in the week before.
    leaving = np.flatnonzero(is_cm & (units.discharged[unit[enrolled]] != NONE) & (rng.random(enrolled.size) < 0.75))
    days = np.maximum(last[leaving] - rng.integers(0, SETTINGS.rst_at_discharge_days + 1, leaving.size),
                      first[leaving])
    add_during_stay(enrolled[leaving], days, RST_MEETING.kind, MEETING_HOURS, MEETING_HOUR_P)

    owner = np.repeat(np.arange(enrolled.size), rng.poisson((last - first + 1) / 60))
    add_during_stay(enrolled[owner], _uniform_day(rng, first[owner], last[owner]), COLLATERAL)

    episode = np.concatenate([p[0] for p in parts])
    timestamp = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([np.full(p[0].size, p[2]) for p in parts])
    mode = np.concatenate([p[3] for p in parts])
    kept = timestamp < END_TS
    episode, timestamp, kind, mode = episode[kept], timestamp[kept], kind[kept], mode[kept]

    staff = _contact_staff(carried, unit[episode], timestamp // DAY)
    staff = np.where(rng.random(staff.size) < STAFF_ID_MISSING, NONE, staff)
    order = np.lexsort((episode, timestamp))
    return episode[order], timestamp[order], kind[order], mode[order], staff[order]


def _contact_staff(carried: Carried, unit: np.ndarray, day: np.ndarray) -> npt.NDArray[np.int64]:
    """The staff member carrying the unit that day, or the one who reached out before enrollment."""
    stride = END_DAY + 2
    keys = carried.unit * stride + carried.start
    at = np.searchsorted(keys, unit * stride + day, side="right") - 1
    found = (at >= 0) & (carried.unit[np.maximum(at, 0)] == unit)
    staff: npt.NDArray[np.int64] = np.where(found, carried.staff[np.maximum(at, 0)], carried.first_staff[unit])
    return staff


def contacts_frame(units: Units, episodes: Episodes, carried: Carried, county: County, episode_ids: pl.Series,
                   staff_ids: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    episode, timestamp, kind, mode, contact_staff = _contacts(units, episodes, carried, county, rng)
    return table_frame("contacts", {
        "contact_id": ids("K", episode.size, id_width(episode.size)),
        "episode_id": episode_ids.gather(episode),
        "staff_id": gather(staff_ids, contact_staff),
        "contact_at": timestamps(timestamp),
        "kind": pl.Series(CONTACT_KINDS).gather(kind),
        "mode": pl.Series(CONTACT_MODES).gather(mode),
    })
