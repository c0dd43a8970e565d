"""A synthetic extract that looks like a county's, for demonstrations, tests and benchmarks.

``write_demo`` writes all thirteen tables of the extract contract (``metrics.extract.schema``) as
``<table>.csv``. The extract ends on 2026-10-31 whatever the date today, and a given
(seed, scale) always gives the same bytes: everything is drawn from
``numpy.random.default_rng(seed)``.

What it holds at scale 1:

* BHD: seven Recovery Support Agencies in Milwaukee of clearly different sizes, with
  RSC-I, RSC-F and CM staff and their supervisors (role ``other``). Staff are full- or
  part-time, join and leave; teams are sized so that most caseloads sit at or under the
  standard and some over it.
* About 2,400 CIU referrals since 2023-11-01 (about 10% emergency), plus some 600 earlier
  ones still open on that day, so that caseloads are full from the start. RSC-F referrals are
  families of 2 to 4 clients. Most are assigned within a business day and reached within
  24 hours (emergencies within 30 minutes); some are late and some are never reached (only
  unsuccessful attempts, never enrolled). Enrolled episodes are carried by staff of the
  matching role, transferred when staff leave and now and then otherwise, and discharged
  planned or unplanned, or still open at the end.
* About 120,000 contacts: client contacts weekly (RSC) or bi-weekly (CM) with adherence
  from about 60% to 95% of periods depending on the agency, RST meetings monthly (RSC) or
  every 90 days (CM) with gaps, collateral contacts and attempts; care-plan events.
* DCTS: six county and tribal CRS programs with their CRS providers (role ``other``) and
  orientation trainings, participants, incidents, biennial monitoring visits (one program
  overdue, one due soon, one never visited, one visited on 2024-02-29), annual documentation
  reviews and plans of action of every status, three escalated to corrective actions whose
  responses came on time, late or not at all.
* A fixed handful of bad rows, one of every kind the contract rejects, listed in
  ``DemoSummary.planted`` with their line numbers.

``scale`` multiplies staff, clients, episodes and contacts; the number of agencies and
programs, and with it the DCTS tables, grows with ceil(sqrt(scale)).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from metrics.extract.folder import MANIFEST
from metrics.extract.schema import CONTACT_KINDS, CONTACT_MODES, SERVICE_LEVELS, STAFF_ROLES, TABLES, TABLES_BY_NAME
from metrics.policy.calendar import holiday_dates
from metrics.policy.settings import Settings

EXTRACT_END = dt.date(2026, 10, 31)
HISTORY_START = dt.date(2023, 11, 1)
# Referrals are simulated from two years earlier so that the caseloads open on
# HISTORY_START are already full; of those, only the episodes still open then are kept.
SIMULATION_START = dt.date(2021, 11, 1)

# The policy's standards, not a deployment's overrides: the demo must not depend on them.
SETTINGS = Settings()

DAY = 86_400
HOUR = 3_600
NONE = -1  # a missing day or timestamp in the integer arrays
_EPOCH = dt.date(1970, 1, 1)


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


def _date(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


END_DAY = _day(EXTRACT_END)
START_DAY = _day(HISTORY_START)
SIMULATION_DAY = _day(SIMULATION_START)
END_TS = (END_DAY + 1) * DAY  # the first instant after the extract

RSC_I, RSC_F, CM = (SERVICE_LEVELS.index(level) for level in ("RSC-I", "RSC-F", "CM"))
OTHER = STAFF_ROLES.index("other")
CLIENT, ATTEMPT, RST_MEETING, COLLATERAL = (CONTACT_KINDS.index(k) for k in
                                            ("client", "attempt", "rst_meeting", "collateral"))

# Volume at scale 1: referral units (a client, or a family for RSC-F) a year, all agencies.
UNITS_PER_YEAR = 720
EMERGENCY_SHARE = 0.10
FAMILY_SIZES, FAMILY_SIZE_P = (2, 3, 4), (0.5, 0.35, 0.15)
# Mean days from enrollment to discharge, by service level.
MEAN_STAY = {RSC_I: 240, RSC_F: 270, CM: 420}
FTE_CHOICES, FTE_P = (1.0, 0.8, 0.6, 0.5), (0.76, 0.10, 0.07, 0.07)
MEAN_FTE = 0.93  # of a caseload-carrying position, the stable full-time one included
TURNOVER = 0.2  # share of staff leaving a year
TRANSFER_SHARE = 0.05  # episodes moved to another staff member for reasons other than leaving
# Supervisors sometimes pick a staff member by continuity or language rather than by load.
RANDOM_PICK_SHARE = 0.2
STAFF_ID_MISSING = 0.04
# Agencies try to reach a referred client for about three weeks before giving up.
OUTREACH_DAYS = 21

# Plans of action are due 60 days after issue, corrective actions 30.
PLAN_OF_ACTION_DAYS = 60
CORRECTIVE_ACTION_DAYS = 30

INCIDENT_CATEGORIES = ("medication error", "fall", "behavioral", "hospitalization", "death")
INCIDENT_CATEGORY_P = (0.3, 0.2, 0.27, 0.2, 0.03)


# ---------------------------------------------------------------------------
# What write_demo returns


@dataclass(frozen=True)
class PlantedReject:
    """A deliberately bad row: where it is and what it breaks.

    ``line`` is the physical line in the CSV (header = line 1); ``column`` is None for a
    line that cannot be split into the header's columns. ``reason_kind`` is a short tag:
    missing_required, duplicate_key, bad_date, bad_timestamp, timestamp_offset, bad_bool,
    bad_decimal, bad_integer, bad_enum, out_of_range, missing_parent, rejected_parent (a
    row whose parent is a planted row), not_before, only_with, required_when,
    too_many_columns, too_few_columns.
    """

    table: str
    line: int
    column: str | None
    reason_kind: str


@dataclass(frozen=True)
class DemoSummary:
    rows: dict[str, int]  # rows written per table, bad rows included
    planted: tuple[PlantedReject, ...]


# ---------------------------------------------------------------------------
# The county


@dataclass(frozen=True)
class _Agency:
    """A BHD Recovery Support Agency and how it works."""

    name: str
    share: float  # of all referrals
    mix: tuple[float, float, float]  # share of its referral units by RSC-I, RSC-F, CM
    adherence: float  # share of contact periods met
    timeliness: float  # share of routine referrals reached within the standard
    unreached: float  # share of referrals never reached
    utilisation: float  # positions are sized for caseloads at this share of the standard
    started: dt.date | None


BHD_AGENCIES = (
    _Agency("Lakeshore Recovery Partners", 0.31, (0.52, 0.10, 0.38), 0.85, 0.86, 0.06, 1.0, dt.date(2009, 7, 1)),
    _Agency("Kinnickinnic Care Coordination", 0.18, (0.55, 0.0, 0.45), 0.95, 0.94, 0.04, 0.92, dt.date(2012, 1, 3)),
    _Agency("Three Bridges Recovery Network", 0.16, (0.45, 0.12, 0.43), 0.80, 0.84, 0.06, 0.95, dt.date(2014, 10, 1)),
    _Agency("North Point Wellness Collaborative", 0.14, (0.50, 0.0, 0.50), 0.78, 0.80, 0.07, 0.95,
            dt.date(2016, 4, 4)),
    _Agency("Root River Recovery Alliance", 0.09, (0.45, 0.15, 0.40), 0.88, 0.88, 0.05, 0.90, None),
    _Agency("Sunrise Meadow Support Services", 0.07, (0.60, 0.0, 0.40), 0.60, 0.66, 0.11, 1.15,
            dt.date(2019, 9, 3)),
    _Agency("Cedar Hollow Coordination Group", 0.05, (0.50, 0.0, 0.50), 0.90, 0.90, 0.05, 0.85, None),
)
# Copies of the agencies at larger scales are told apart by the part of the county they serve.
AREAS = ("North", "South", "West", "East", "Central", "Lakefront", "Valley", "Heights", "Park")


@dataclass(frozen=True)
class _PlanScript:
    """A plan of action issued after ``anchor`` (a date, or the review of that year) and its fate."""

    source: str
    anchor: dt.date | int
    fate: str  # on_time, late, open, overdue or escalated
    response: str | None = None  # of the corrective action, when escalated: on_time, late, missing


@dataclass(frozen=True)
class _Program:
    """A county or tribal CRS program under DCTS oversight."""

    county: str
    tribal: bool
    started: dt.date
    visits: tuple[dt.date, ...]
    staff: int
    participants: int  # enrolled at a time
    review_month: int  # documentation oversight starts in this month every year
    plans: tuple[_PlanScript, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.county} Tribal CRS" if self.tribal else f"{self.county} County CRS"


# Visit dates are chosen against the extract's end (2026-10-31) and a two-year cycle.
DCTS_PROGRAMS = (
    _Program("Northwoods", False, dt.date(2013, 5, 1),
             (dt.date(2021, 3, 16), dt.date(2023, 3, 9), dt.date(2025, 3, 4)), 12, 40, 3,
             (_PlanScript("biennial_monitoring", dt.date(2023, 3, 9), "on_time"),
              _PlanScript("documentation_oversight", 2025, "late"))),
    # Last visited on 29 February 2024: due 28 February 2026, overdue at the end.
    _Program("Red Cedar", True, dt.date(2016, 9, 1),
             (dt.date(2020, 2, 25), dt.date(2022, 3, 1), dt.date(2024, 2, 29)), 6, 18, 4,
             (_PlanScript("biennial_monitoring", dt.date(2024, 2, 29), "escalated", "late"),
              _PlanScript("documentation_oversight", 2025, "overdue"))),
    # Next visit due 2026-12-10: within 90 days of the end.
    _Program("Driftless Hills", False, dt.date(2014, 2, 3),
             (dt.date(2020, 12, 8), dt.date(2022, 12, 13), dt.date(2024, 12, 10)), 10, 30, 5,
             (_PlanScript("documentation_oversight", 2024, "escalated", "on_time"),
              _PlanScript("biennial_monitoring", dt.date(2024, 12, 10), "on_time"))),
    # New program, never visited: its first visit is due two years after it started. Its
    # first documentation review starts in October 2026 and cannot be complete by the end.
    _Program("Blue Heron", False, dt.date(2025, 4, 1), (), 5, 12, 10),
    _Program("Prairie Wind", False, dt.date(2015, 6, 1),
             (dt.date(2021, 6, 22), dt.date(2023, 6, 13), dt.date(2025, 6, 17)), 9, 25, 3,
             (_PlanScript("biennial_monitoring", dt.date(2025, 6, 17), "escalated", "missing"),)),
    _Program("Timber Ridge", False, dt.date(2021, 1, 4),
             (dt.date(2023, 4, 11), dt.date(2025, 4, 8)), 8, 22, 5,
             (_PlanScript("biennial_monitoring", dt.date(2025, 4, 8), "on_time"),
              _PlanScript("other", dt.date(2026, 10, 6), "open"))),
)
# Counties for the copies of the programs at larger scales.
MORE_COUNTIES = ("Birch Lake", "Pine Barrens", "Maple Ridge", "Otter Creek", "Sandhill", "Eagle Bluff",
                 "Whitetail", "Stone Bridge", "Fox Hollow", "Willow Marsh", "Iron Range", "Heron Bay",
                 "Cranberry Flats", "Kettle Moraine West", "Lost Arrow", "Juniper Point", "Silver Creek",
                 "Tamarack", "Bear Paw", "Wild Rice")


def _unique_names(bases: list[str], count: int) -> list[str]:
    """``count`` distinct names cycling through ``bases``, numbered once they run out."""
    return [bases[i % len(bases)] + (f" {i // len(bases) + 1}" if i >= len(bases) else "") for i in range(count)]


@dataclass(frozen=True)
class _County:
    bhd: tuple[_Agency, ...]  # agencies RSA01.. in order
    dcts: tuple[_Program, ...]  # programs CRS01.. in order
    bhd_names: tuple[str, ...]
    dcts_starts: tuple[int, ...]  # program starts after the copy's shift


def _county(replicas: int, rng: np.random.Generator) -> tuple[_County, np.ndarray]:
    """The agencies: ``replicas`` copies of each BHD agency and DCTS program.

    Returns the county and each program's shift in days: copies move their fixed dates a
    little earlier so that they do not all coincide, keeping every status they were made for.
    """
    areas = [""] + [" " + area for area in _unique_names(list(AREAS), replicas - 1)]
    bhd = BHD_AGENCIES * replicas
    names = tuple(agency.name + area for area in areas for agency in BHD_AGENCIES)
    counties = _unique_names(list(MORE_COUNTIES), (replicas - 1) * len(DCTS_PROGRAMS))
    dcts = DCTS_PROGRAMS + tuple(replace(program, county=county)
                                 for program, county in zip(DCTS_PROGRAMS * (replicas - 1), counties, strict=True))
    shifts = np.concatenate([np.zeros(len(DCTS_PROGRAMS), np.int64)]
                            + [-rng.integers(0, 11, len(DCTS_PROGRAMS)) for _ in range(replicas - 1)])
    starts = tuple(_day(p.started) + int(s) for p, s in zip(dcts, shifts, strict=True))
    return _County(bhd, dcts, names, starts), shifts


def _agencies_frame(county: _County) -> pl.DataFrame:
    bhd_starts = [a.started for a in county.bhd]
    return pl.DataFrame({
        "agency_id": [f"RSA{i + 1:02d}" for i in range(len(county.bhd))]
                     + [f"CRS{i + 1:02d}" for i in range(len(county.dcts))],
        "agency_name": list(county.bhd_names) + [p.name for p in county.dcts],
        "oversight": ["BHD"] * len(county.bhd) + ["DCTS"] * len(county.dcts),
        "county": ["Milwaukee"] * len(county.bhd) + [p.county for p in county.dcts],
        "program_start_on": bhd_starts + [_date(d) for d in county.dcts_starts],
    }, schema_overrides={"program_start_on": pl.Date})


# ---------------------------------------------------------------------------
# Calendar helpers on integer days (days since 1970-01-01) and timestamps (seconds)


@cache
def _holidays() -> np.ndarray:
    return np.array(holiday_dates(2005, EXTRACT_END.year + 1, SETTINGS.calendar), dtype="datetime64[D]")


def _business_day(days, offset: int | np.ndarray = 0, roll: str = "forward") -> np.ndarray:
    """``offset`` business days after ``days``, each first rolled onto a business day."""
    return np.busday_offset(np.asarray(days).astype("datetime64[D]"), offset, roll=roll,
                            holidays=_holidays()).astype(np.int64)


def _is_business_day(days) -> np.ndarray:
    return np.is_busday(np.asarray(days).astype("datetime64[D]"), holidays=_holidays())


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0


def _uniform_day(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    return first + np.floor(rng.random(first.size) * (last - first + 1)).astype(np.int64)


def _to_weekday(rng: np.random.Generator, days: np.ndarray, first: np.ndarray, last: np.ndarray,
                share: float) -> np.ndarray:
    """Move ``share`` of the weekend days to the Friday before or the Monday after, within [first, last]."""
    weekday = _weekday(days)
    move = rng.random(days.size) < share
    moved = days + np.where(move & (weekday == 5), -1, 0) + np.where(move & (weekday == 6), 1, 0)
    return np.clip(moved, first, last)


# Contacts happen mostly in business hours, some in the evening; meetings in office hours.
CONTACT_HOURS = np.arange(8, 21)
CONTACT_HOUR_P = np.array([6, 10, 12, 11, 7, 10, 11, 10, 8, 4, 3, 2, 1], float) / 95
MEETING_HOURS = np.arange(9, 17)
MEETING_HOUR_P = np.full(MEETING_HOURS.size, 1 / MEETING_HOURS.size)


def _at_time_of_day(rng: np.random.Generator, days: np.ndarray, hours=CONTACT_HOURS, hour_p=CONTACT_HOUR_P):
    hour = rng.choice(hours, days.size, p=hour_p)
    return days * DAY + hour * HOUR + rng.integers(0, 60, days.size) * 60


# ---------------------------------------------------------------------------
# Staff


@dataclass(frozen=True)
class _Staff:
    """Every staff member, ordered by hiring date (their ids follow this order)."""

    agency: np.ndarray
    role: np.ndarray  # index into STAFF_ROLES
    fte: np.ndarray
    hired: np.ndarray
    separated: np.ndarray  # NONE while employed


def _holders(rng: np.random.Generator, first_hired: int, stable: bool, turnover: float) -> list[tuple[int, int]]:
    """(hired, separated) of the people who hold one position in turn.

    Separations happen only within the three years; the successor is hired two to
    ten weeks after the predecessor left.
    """
    holders, hired = [], first_hired
    while hired <= END_DAY:
        leaves = END_DAY + 1 if stable else max(hired, START_DAY) + 30 + int(rng.exponential(365.25 / turnover))
        if leaves > END_DAY:
            holders.append((hired, NONE))
            break
        # The last day employed is a working day, never before the first.
        leaves = int(_business_day(leaves, roll="backward"))
        holders.append((hired, leaves))
        hired = int(_business_day(leaves + int(rng.integers(14, 76))))
    return holders


def _positions(county: _County, scale: float, replicas: int) -> list[tuple[int, int, int, float | None]]:
    """(agency, role, positions, fte of each or None for mixed) for every BHD team carrying a caseload.

    A team has the positions its expected caseload needs at the agency's utilisation,
    rounded up unless only a little over, since referrals come in bursts. A small caseload
    is shared by two part-timers, so that even a small team sees staff come and go; a
    tiny one is one part-timer's.
    """
    groups = []
    for a, agency in enumerate(county.bhd):
        for level, share in enumerate(agency.mix):
            if share == 0:
                continue
            units_per_day = UNITS_PER_YEAR * scale * agency.share / replicas * share / 365.25
            caseload = units_per_day * (1 - agency.unreached) * MEAN_STAY[level]
            standard = SETTINGS.caseload_standard[SERVICE_LEVELS[level]]
            need = caseload / (standard * agency.utilisation * MEAN_FTE)
            role = STAFF_ROLES.index(SERVICE_LEVELS[level])
            if need < 0.8:
                groups.append((a, role, 1, min(f for f in FTE_CHOICES if f >= 0.9 * need or f == 1.0)))
            elif need < 1.6:
                groups.append((a, role, 2, min(f for f in FTE_CHOICES if f >= need / 2 or f == 1.0)))
            else:
                groups.append((a, role, math.ceil(need - 0.2), None))
    return groups


def _staff(county: _County, scale: float, replicas: int, rng: np.random.Generator) -> _Staff:
    rows: list[tuple[int, int, float, int, int]] = []
    early_hire = (_day(dt.date(2010, 1, 1)), SIMULATION_DAY - 30)

    def fill(agency: int, role: int, positions: int, turnover: float, growth: float, fte: float | None = None) -> None:
        # Position 0 is held by one person throughout, so that every team always has someone
        # to carry a new referral; some positions are only created during the years.
        for position in range(positions):
            stable = position == 0
            if not stable and rng.random() < growth:
                first = int(rng.integers(START_DAY, END_DAY - 120))
            else:
                first = int(rng.integers(*early_hire))
            for hired, separated in _holders(rng, int(_business_day(first)), stable, turnover):
                holder_fte = fte if fte is not None else 1.0 if stable else float(rng.choice(FTE_CHOICES, p=FTE_P))
                rows.append((agency, role, holder_fte, hired, separated))

    carrying: dict[int, int] = {}
    for agency, role, positions, fte in _positions(county, scale, replicas):
        fill(agency, role, positions, TURNOVER, 0.1, fte)
        carrying[agency] = carrying.get(agency, 0) + positions
    for agency, positions in carrying.items():
        fill(agency, OTHER, max(1, round(positions / 8)), TURNOVER / 2, 0.0)
    for p, program in enumerate(county.dcts):
        fill(len(county.bhd) + p, OTHER, program.staff, TURNOVER, 0.15)

    agency, role, fte, hired, separated = (np.array(column) for column in zip(*rows, strict=True))
    order = np.lexsort((role, agency, hired))
    return _Staff(agency[order], role[order], fte[order], hired[order], separated[order])


# ---------------------------------------------------------------------------
# Referrals and episodes


@dataclass(frozen=True)
class _Units:
    """CIU referrals, one per client or, for RSC-F, one per family (arrays by unit)."""

    agency: np.ndarray
    level: np.ndarray  # index into SERVICE_LEVELS
    members: np.ndarray  # clients referred together
    referred: np.ndarray  # timestamp
    emergency: np.ndarray
    assigned: np.ndarray  # timestamp or NONE
    first_contact: np.ndarray  # timestamp of the first client contact, NONE when never reached
    enrolled: np.ndarray  # day or NONE
    discharged: np.ndarray  # day or NONE
    unplanned: np.ndarray

    def take(self, index: np.ndarray) -> _Units:
        return _Units(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def referred_day(self) -> np.ndarray:
        return self.referred // DAY

    @property
    def stay_end(self) -> np.ndarray:
        """Last day of the observed enrollment: discharge, or the extract's end."""
        return np.where(self.discharged == NONE, END_DAY, self.discharged)


def _referral_times(rng: np.random.Generator, count: int, emergency: np.ndarray) -> np.ndarray:
    """Referral timestamps: routine ones in business hours on working days, emergencies any time."""
    days = np.arange(SIMULATION_DAY, END_DAY + 1)
    weekend = _weekday(days) >= 5
    growth = 1 + 0.04 * (days - SIMULATION_DAY) / 365.25
    routine_weight = np.where(_is_business_day(days), 1.0, np.where(weekend, 0.12, 0.3)) * growth
    urgent_weight = np.where(weekend, 0.7, 1.0) * growth
    day = np.where(emergency, rng.choice(days, count, p=urgent_weight / urgent_weight.sum()),
                   rng.choice(days, count, p=routine_weight / routine_weight.sum()))
    office = rng.integers(8 * HOUR, 17 * HOUR, count)
    seconds = np.where(emergency,
                       np.where(rng.random(count) < 0.55, office, rng.integers(0, DAY, count)),
                       np.where(rng.random(count) < 0.92, office, rng.integers(17 * HOUR, 21 * HOUR, count)))
    return day * DAY + seconds


def _first_contact(rng: np.random.Generator, referred, emergency, timeliness, unreached) -> np.ndarray:
    """When the client was first reached, NONE for those never reached."""
    n = referred.size
    routine_standard = SETTINGS.first_contact_standard_hours
    urgent_standard = SETTINGS.first_contact_emergency_hours
    routine_hours = np.where(rng.random(n) < timeliness,
                             routine_standard * rng.beta(1.3, 2.6, n),
                             routine_standard + np.minimum(rng.exponential(30, n), 13 * 24))
    urgent_hours = np.where(rng.random(n) < 0.55 + 0.4 * timeliness,
                            rng.uniform(2 / 60, urgent_standard, n),
                            urgent_standard + np.minimum(rng.exponential(4, n), 48))
    first = referred + np.round(np.where(emergency, urgent_hours, routine_hours) * 60).astype(np.int64) * 60
    # Routine first contacts are not made at night: they wait for the next morning.
    hour = first % DAY // HOUR
    morning = rng.integers(8 * HOUR, 10 * HOUR, n)
    night = ~emergency & ((hour < 7) | (hour >= 21))
    first = np.where(night, (first // DAY + (hour >= 21)) * DAY + morning, first)
    reached = rng.random(n) >= np.where(emergency, unreached / 2, unreached)
    return np.where(reached, first, NONE)


def _assigned(rng: np.random.Generator, referred, emergency, timeliness) -> np.ndarray:
    """When a supervisor assigned the referral: mostly the same or the next business day."""
    n = referred.size
    ref_day = referred // DAY
    morning = rng.integers(8 * HOUR, 16 * HOUR, n)
    late_share = 0.05 + 0.3 * np.maximum(0, 0.9 - timeliness)
    draw = rng.random(n)
    same_day = draw < 0.55
    next_day = (draw >= 0.55) & (draw < 1 - late_share - 0.03)
    missing = draw >= 0.97
    late_by = rng.integers(1, 5, n)  # business days after the first business day after the referral
    on_business_day = _is_business_day(ref_day)
    routine = np.select(
        [same_day & on_business_day, same_day, next_day],
        [referred + rng.integers(10, 240, n) * 60,
         _business_day(ref_day) * DAY + morning,
         _business_day(ref_day + 1) * DAY + morning],
        _business_day(ref_day + 1, late_by) * DAY + morning,
    )
    urgent = referred + np.where(rng.random(n) < 0.95, rng.integers(1, 20, n), rng.integers(20, 360, n)) * 60
    assigned = np.where(emergency, urgent, routine)
    return np.where(missing | (assigned >= END_TS), NONE, assigned)


def _referrals(county: _County, scale: float, replicas: int, rng: np.random.Generator) -> _Units:
    """Every referral unit of the simulated years, keeping those open at some time in the three years."""
    agency_parts, level_parts = [], []
    days_simulated = END_DAY - SIMULATION_DAY + 1
    for a, agency in enumerate(county.bhd):
        for level, share in enumerate(agency.mix):
            per_day = UNITS_PER_YEAR * scale * agency.share / replicas * share / 365.25
            count = rng.poisson(per_day * days_simulated)
            agency_parts.append(np.full(count, a))
            level_parts.append(np.full(count, level))
    agency = np.concatenate(agency_parts)
    level = np.concatenate(level_parts)
    n = agency.size
    timeliness = np.array([a.timeliness for a in county.bhd])[agency]
    unreached = np.array([a.unreached for a in county.bhd])[agency]

    emergency = rng.random(n) < EMERGENCY_SHARE
    referred = _referral_times(rng, n, emergency)
    first_contact = _first_contact(rng, referred, emergency, timeliness, unreached)
    assigned = _assigned(rng, referred, emergency, timeliness)
    members = np.where(level == RSC_F, rng.choice(FAMILY_SIZES, n, p=FAMILY_SIZE_P), 1)

    wait = rng.choice([0, 1, 2, 3, 4, 5, 7, 10, 14, 21], n, p=[.30, .2, .13, .09, .06, .05, .06, .05, .04, .02])
    enrolled = _business_day(first_contact // DAY + wait)
    enrolled = np.where((first_contact != NONE) & (enrolled <= END_DAY), enrolled, NONE)
    mean_stay = np.array([MEAN_STAY[i] for i in range(len(SERVICE_LEVELS))])[level]
    stay = 14 + np.round(rng.gamma(2.0, (mean_stay - 14) / 2)).astype(np.int64)
    discharged = np.where((enrolled != NONE) & (enrolled + stay <= END_DAY), enrolled + stay, NONE)
    # Early discharges are more often unplanned (the client stopped coming).
    unplanned = (discharged != NONE) & (rng.random(n) < np.where(stay < 90, 0.55, 0.25))

    units = _Units(agency, level, members, referred, emergency, assigned, first_contact, enrolled,
                   discharged, unplanned)
    kept = (referred >= START_DAY * DAY) | ((enrolled != NONE) & ((discharged == NONE) | (discharged >= START_DAY)))
    order = np.lexsort((agency, referred))
    return units.take(order[kept[order]])


@dataclass(frozen=True)
class _Carried:
    """Who carried each referral unit: assignment segments, and the staff member who reached out first."""

    unit: np.ndarray
    staff: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NONE while open
    first_staff: np.ndarray  # by unit


def _assignment_start(units: _Units) -> np.ndarray:
    """An enrolled unit is on the caseload from its assignment, or from enrollment if that came first."""
    assigned_day = np.where(units.assigned == NONE, units.enrolled, units.assigned // DAY)
    return np.minimum(assigned_day, units.enrolled)


class _Team:
    """The staff of one agency and role, and how many units each carries on every day."""

    def __init__(self, staff: _Staff, separated: np.ndarray, agency: int, level: int) -> None:
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


def _carry(units: _Units, staff: _Staff, rng: np.random.Generator) -> _Carried:
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
                start, carrier = segment_end + 1, next_carrier

    unit, staff_index, start, end = (np.array(column, np.int64) for column in zip(*segments, strict=True))
    order = np.lexsort((start, unit))
    return _Carried(unit[order], staff_index[order], start[order], end[order], first_staff)


@dataclass(frozen=True)
class _Episodes:
    """One episode per client referred; a family unit has one per member (arrays by episode)."""

    unit: np.ndarray
    first_of_unit: np.ndarray  # by unit: index of its first episode


def _episodes(units: _Units) -> _Episodes:
    first = np.cumsum(units.members) - units.members
    return _Episodes(np.repeat(np.arange(units.members.size), units.members), first)


def _birth_years(rng: np.random.Generator, year: np.ndarray, youth_share: float | np.ndarray) -> np.ndarray:
    """Birth years of adults 18-75 (and some youths 12-17); about 3% unknown (-1)."""
    n = year.size
    adult_age = np.minimum(18 + np.round(rng.gamma(2.2, 9.0, n)), 75)
    age = np.where(rng.random(n) < youth_share, rng.integers(12, 18, n), adult_age)
    return np.where(rng.random(n) < 0.03, NONE, year - age).astype(np.int64)


def _clients_frame(units: _Units, episodes: _Episodes, crs_client_years: np.ndarray,
                   rng: np.random.Generator) -> pl.DataFrame:
    """BHD clients (one per episode) followed by the CRS participants."""
    unit = episodes.unit
    family_units = np.flatnonzero(units.level == RSC_F)
    family_number = np.full(units.level.size, NONE)
    family_number[family_units] = np.arange(family_units.size)
    family = family_number[unit]
    # In a family, the first member referred is the adult participant; the others are
    # partners or adolescents.
    is_first = np.arange(unit.size) == episodes.first_of_unit[unit]
    youth_share = np.where((family != NONE) & ~is_first, 0.5, 0.0)
    years = _birth_years(rng, _year(units.referred_day[unit]), youth_share)
    crs_years = _birth_years(rng, crs_client_years, 0.0)
    count = unit.size + crs_years.size
    family_ids = _ids("F", family_units.size, _id_width(family_units.size))
    birth = np.concatenate([years, crs_years])
    return pl.DataFrame({
        "client_id": _ids("C", count, _id_width(count)),
        "family_id": _gather(family_ids, np.concatenate([family, np.full(crs_years.size, NONE)])),
        "birth_year": pl.Series(np.ma.masked_array(birth, birth == NONE), dtype=pl.Int64),
    })


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


# ---------------------------------------------------------------------------
# Contacts and care plans


def _periods(first: np.ndarray, last: np.ndarray, length: np.ndarray):
    """The consecutive periods of ``length`` days from each ``first`` that begin by ``last``.

    Returns (owner, k, first day, last day) per period; the last period may be cut short.
    """
    count = np.maximum((last - first) // length + 1, 0)
    owner = np.repeat(np.arange(first.size), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    begins = first[owner] + k * length[owner]
    return owner, k, begins, np.minimum(begins + length[owner] - 1, last[owner])


def _contact_rules() -> tuple[np.ndarray, np.ndarray]:
    """Days between required client contacts and between RST meetings, by service level."""
    client, rst = np.zeros(len(SERVICE_LEVELS), np.int64), np.zeros(len(SERVICE_LEVELS), np.int64)
    for level, _requirement, period, kind in SETTINGS.contact_periods():
        (client if kind == "client" else rst)[SERVICE_LEVELS.index(level)] = period
    return client, rst


# Mode shares by contact kind, in the order of CONTACT_MODES (in_person, phone, video, text, other).
MODE_P = {
    CLIENT: (0.55, 0.28, 0.09, 0.06, 0.02),
    ATTEMPT: (0.10, 0.65, 0.0, 0.22, 0.03),
    RST_MEETING: (0.62, 0.05, 0.33, 0.0, 0.0),
    COLLATERAL: (0.15, 0.62, 0.13, 0.04, 0.06),
}
FIRST_CONTACT_MODE_P = (0.35, 0.60, 0.05, 0.0, 0.0)


def _contacts(units: _Units, episodes: _Episodes, carried: _Carried, county: _County,
              rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Every contact as (episode, timestamp, kind, mode, staff or NONE), in order of time."""
    unit = episodes.unit
    level = units.level[unit]
    referred = units.referred[unit]
    first_contact = units.first_contact[unit]
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []  # episode, timestamp, kind, modes

    def add(episode: np.ndarray, timestamp: np.ndarray, kind: int, mode_p=None) -> None:
        modes = rng.choice(len(CONTACT_MODES), episode.size, p=mode_p or MODE_P[kind])
        parts.append((episode, timestamp, kind, modes))

    def add_during_stay(episode: np.ndarray, days: np.ndarray, kind: int, hours=CONTACT_HOURS,
                        hour_p=CONTACT_HOUR_P) -> None:
        # Nothing during the stay comes before the first contact (on the day of the referral).
        timestamp = _at_time_of_day(rng, days, hours, hour_p)
        add(episode, np.maximum(timestamp, first_contact[episode] + 15 * 60), kind)

    # Before enrollment: the first client contact, and attempts while trying to reach the client.
    reached = np.flatnonzero(first_contact != NONE)
    add(reached, first_contact[reached], CLIENT, FIRST_CONTACT_MODE_P)
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
    client_days, rst_days = _contact_rules()
    is_cm = level[enrolled] == CM

    owner, _k, begins, ends = _periods(first, last, client_days[level[enrolled]])
    met = rng.random(owner.size) < adherence[owner]
    twice = met & (rng.random(owner.size) < np.where(is_cm[owner], 0.05, 0.12))
    rows = np.concatenate([np.flatnonzero(met), np.flatnonzero(twice)])
    days = _to_weekday(rng, _uniform_day(rng, begins[rows], ends[rows]), begins[rows], ends[rows], 0.85)
    add_during_stay(enrolled[owner[rows]], days, CLIENT)
    # A missed week often shows an unsuccessful attempt.
    rows = np.flatnonzero(~met & (rng.random(owner.size) < 0.4))
    add_during_stay(enrolled[owner[rows]], _uniform_day(rng, begins[rows], ends[rows]), ATTEMPT)

    owner, k, begins, ends = _periods(first, last, rst_days[level[enrolled]])
    rows = np.flatnonzero(rng.random(owner.size) < np.minimum(adherence[owner] + 0.02, 0.98))
    owner, k, begins, ends = owner[rows], k[rows], begins[rows], ends[rows]
    # RSC teams are formed with a first meeting within two weeks of enrollment, mostly.
    formed = SETTINGS.rst_formed_days
    forming = ~is_cm[owner] & (k == 0)
    in_time = rng.random(owner.size) < 0.85
    low = np.minimum(begins + np.where(forming & ~in_time, formed, 0), ends)
    high = np.minimum(np.where(forming & in_time, begins + formed - 1, ends), ends)
    days = _to_weekday(rng, _uniform_day(rng, low, high), begins, ends, 1.0)
    add_during_stay(enrolled[owner], days, RST_MEETING, MEETING_HOURS, MEETING_HOUR_P)
    # CM discharges are mostly prepared in an RST meeting in the week before.
    leaving = np.flatnonzero(is_cm & (units.discharged[unit[enrolled]] != NONE) & (rng.random(enrolled.size) < 0.75))
    days = np.maximum(last[leaving] - rng.integers(0, SETTINGS.rst_at_discharge_days + 1, leaving.size),
                      first[leaving])
    add_during_stay(enrolled[leaving], days, RST_MEETING, MEETING_HOURS, MEETING_HOUR_P)

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


def _contact_staff(carried: _Carried, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The staff member carrying the unit that day, or the one who reached out before enrollment."""
    stride = END_DAY + 2
    keys = carried.unit * stride + carried.start
    at = np.searchsorted(keys, unit * stride + day, side="right") - 1
    found = (at >= 0) & (carried.unit[np.maximum(at, 0)] == unit)
    return np.where(found, carried.staff[np.maximum(at, 0)], carried.first_staff[unit])


def _care_plans(units: _Units, episodes: _Episodes, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """SCCP events as (episode, day, kind, safety plan: 1, 0 or NONE), in order of day."""
    enrolled = np.flatnonzero(units.enrolled[episodes.unit] != NONE)
    first = units.enrolled[episodes.unit[enrolled]]
    last = units.stay_end[episodes.unit[enrolled]]
    n = enrolled.size
    final_days = SETTINGS.sccp_final_days

    preliminary = first + rng.integers(0, 6, n)
    late = rng.random(n) < 0.15
    final = first + np.where(late, rng.integers(final_days + 1, 61, n), rng.integers(7, final_days + 1, n))
    has_final = (rng.random(n) >= 0.04) & (final <= last)
    # Reviews follow the final plan about monthly, with some gaps.
    starts = np.flatnonzero(has_final)
    count = (last[starts] - final[starts]) // 21
    owner = np.repeat(starts, count)
    draw = rng.random(owner.size)
    review_days = SETTINGS.sccp_review_days
    gap = np.where(draw < 0.8, rng.integers(21, review_days + 1, owner.size),
                   np.where(draw < 0.92, rng.integers(review_days + 1, 46, owner.size),
                            rng.integers(46, 81, owner.size)))
    # Days since the final plan: the running sum of the gaps, restarted for every episode.
    total = np.concatenate([[0], np.cumsum(gap)])
    review = final[owner] + total[1:] - np.repeat(total[np.cumsum(count) - count], count)
    on_time = review <= last[owner]

    kept_preliminary = preliminary <= last
    episode = np.concatenate([enrolled[kept_preliminary], enrolled[has_final], enrolled[owner[on_time]]])
    day = np.concatenate([preliminary[kept_preliminary], final[has_final], review[on_time]])
    kind = np.concatenate([np.zeros(kept_preliminary.sum(), np.int64), np.ones(has_final.sum(), np.int64),
                           np.full(on_time.sum(), 2)])
    draw = rng.random(day.size)
    safety = np.where(draw < 0.03, NONE, (draw < np.where(kind == 0, 0.85, 0.93)).astype(np.int64))
    order = np.lexsort((episode, day))
    return episode[order], day[order], kind[order], safety[order]


# ---------------------------------------------------------------------------
# DCTS oversight


@dataclass(frozen=True)
class _Oversight:
    """The DCTS tables, as rows of Python values in contract column order (ids filled later)."""

    enrollments: list[tuple]  # (agency, enrolled, recertified, discharged); a new client each
    visits: list[tuple]
    reviews: list[tuple]
    plans: list[dict]
    incidents: list[tuple]  # (agency, occurred, reported, category)
    trainings: list[tuple]  # (staff index, completed, hours, exempt)


def _add_years(day: dt.date, years: int) -> dt.date:
    """The same month and day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _crs_enrollments(rng: np.random.Generator, agency_id: str, start: int, participants: int) -> list[tuple]:
    """Participants of one program: a steady population with an average stay of three years."""
    stay_mean = 3 * 365.25
    first = max(start, START_DAY - 6 * 365)
    count = rng.poisson(participants / stay_mean * (END_DAY - first + 1))
    enrolled = np.sort(rng.integers(first, END_DAY + 1, count))
    discharged = enrolled + 30 + np.round(rng.exponential(stay_mean, count)).astype(np.int64)
    rows = []
    for begin_day, end_day, recorded in zip(enrolled.tolist(), discharged.tolist(), rng.random(count) < 0.9,
                                            strict=True):
        if end_day < START_DAY:
            continue
        begin = _date(begin_day)
        end = _date(end_day) if end_day <= END_DAY else None
        # The latest anniversary of enrollment while enrolled; a tenth of them were not recorded.
        limit = end or EXTRACT_END
        years = limit.year - begin.year - ((limit.month, limit.day) < (begin.month, begin.day))
        recertified = _add_years(begin, years) if years >= 1 and recorded else None
        rows.append((agency_id, begin, recertified, end))
    return rows


def _active_on(enrollments: list[tuple], agency_id: str, day: dt.date) -> int:
    return sum(1 for agency, begin, _r, end in enrollments
               if agency == agency_id and begin <= day and (end is None or end >= day))


def _reviews(rng: np.random.Generator, agency_id: str, program: _Program, start: int, enrollments: list[tuple],
             not_met: set[int]) -> list[tuple]:
    """Annual documentation oversight: sample list, materials, debrief."""
    rows = []
    for year in (2024, 2025, 2026):
        requested = _date(_business_day(_day(dt.date(year, program.review_month, 1)) + int(rng.integers(0, 10))))
        if _day(requested) < start + 365:
            continue
        due = SETTINGS.materials_due_business_days
        late = rng.random() < 0.2
        received = _date(_business_day(_day(requested),
                                       int(rng.integers(due + 1, 31) if late else rng.integers(4, due + 1))))
        slow = rng.random() < 0.2
        completion = SETTINGS.review_complete_days
        completed = received + dt.timedelta(days=int(rng.integers(completion + 1, 141) if slow
                                                      else rng.integers(30, 81)))
        received = received if received <= EXTRACT_END else None
        completed = completed if received is not None and completed <= EXTRACT_END else None
        population = _active_on(enrollments, agency_id, requested)
        sample = math.ceil(SETTINGS.documentation_sample_fraction * population)
        outcome = None if completed is None else "not_met" if year in not_met else "met"
        rows.append((agency_id, year, requested, received, population, sample, completed, outcome))
    return rows


def _plans(rng: np.random.Generator, agency_id: str, script: _PlanScript, anchor: dt.date) -> list[dict]:
    """A plan of action and, when it escalates, the corrective action naming it as ``parent``."""

    def days(low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=int(rng.integers(low, high + 1)))

    def by_end(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= EXTRACT_END else None

    issued = anchor + days(7, 14)
    due = issued + dt.timedelta(days=PLAN_OF_ACTION_DAYS)
    completed = {"on_time": due - days(1, 25), "late": due + days(5, 40)}.get(script.fate)
    response = issued + days(5, 20) if rng.random() < 0.7 else None
    plan = {"agency_id": agency_id, "kind": "plan_of_action", "source": script.source, "issued_on": issued,
            "due_on": due, "response_on": by_end(response), "completed_on": by_end(completed), "parent": None}
    if script.fate != "escalated":
        return [plan]
    ca_issued = due + days(7, 21)
    ca_due = ca_issued + dt.timedelta(days=CORRECTIVE_ACTION_DAYS)
    respond_within = SETTINGS.corrective_action_response_days
    ca_response = {"on_time": ca_issued + days(2, respond_within),
                   "late": ca_issued + days(respond_within + 2, respond_within + 15)}.get(script.response)
    ca_completed = {"on_time": ca_due - days(0, 10), "late": ca_due + days(5, 30)}.get(script.response)
    corrective = {"agency_id": agency_id, "kind": "corrective_action", "source": script.source,
                  "issued_on": ca_issued, "due_on": ca_due, "response_on": by_end(ca_response),
                  "completed_on": by_end(ca_completed), "parent": plan}
    return [plan, corrective]


# Orientation outcomes of CRS providers, in fixed shares so that each occurs at any scale:
# most finish the required hours within the deadline, some late, some stop short of them,
# and some are granted the hours by exemption.
ORIENTATION_OUTCOMES = ("exempt",) + ("in_time",) * 7 + ("late", "short")


def _trainings(rng: np.random.Generator, staff_index: int, hired: int, outcome: str) -> list[tuple]:
    """Orientation sessions of one CRS provider."""
    hire = _date(hired)
    required = SETTINGS.orientation_hours
    if outcome == "exempt":
        return [(staff_index, hire + dt.timedelta(days=int(rng.integers(0, 15))), required, True)]
    deadline = (SETTINGS.orientation_months * 365) // 12
    window = deadline + 60 if outcome == "late" else deadline - 5
    target = required - float(rng.choice([2.0, 3.5, 4.0])) if outcome == "short" else required
    rows, hours = [], 0.0
    while hours < target:
        session = float(min(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0]), target - hours))
        rows.append((staff_index, hire + dt.timedelta(days=int(rng.integers(1, window))), session, False))
        hours += session
    if outcome == "late":
        # The hours are reached only after the deadline.
        rows[-1] = (staff_index, hire + dt.timedelta(days=deadline + int(rng.integers(5, 60))), *rows[-1][2:])
    return [row for row in rows if row[1] <= EXTRACT_END]


def _oversight(county: _County, shifts: np.ndarray, staff: _Staff, rng: np.random.Generator) -> _Oversight:
    enrollments, visits, reviews, plans, incidents = [], [], [], [], []
    first_dcts = len(county.bhd)
    for p, (program, shift) in enumerate(zip(county.dcts, shifts.tolist(), strict=True)):
        agency_id = f"CRS{p + 1:02d}"
        moved = dt.timedelta(days=shift)
        start = county.dcts_starts[p]
        program_enrollments = _crs_enrollments(rng, agency_id, start, program.participants)
        enrollments += program_enrollments
        visits += [(agency_id, visit + moved) for visit in program.visits]
        not_met = {s.anchor for s in program.plans if s.source == "documentation_oversight"}
        program_reviews = _reviews(rng, agency_id, program, start, program_enrollments, not_met)
        reviews += program_reviews
        completed_by_year = {row[1]: row[6] for row in program_reviews}
        for script in program.plans:
            anchor = completed_by_year[script.anchor] if isinstance(script.anchor, int) else script.anchor + moved
            plans += _plans(rng, agency_id, script, anchor)

        participant_years = program.participants * (END_DAY - START_DAY + 1) / 365.25
        occurred = np.sort(rng.integers(max(start, START_DAY), END_DAY + 1, rng.poisson(0.25 * participant_years)))
        delay = rng.choice([0, 1, 2, 3, 4, 5, 7, 10], occurred.size, p=[.4, .25, .12, .07, .05, .03, .05, .03])
        category = rng.choice(len(INCIDENT_CATEGORIES), occurred.size, p=INCIDENT_CATEGORY_P)
        incidents += [(agency_id, _date(o), _date(o + d), INCIDENT_CATEGORIES[c])
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
    return _Oversight(enrollments, visits, reviews, plans, incidents, trainings)


# ---------------------------------------------------------------------------
# Frames in the contract's column order


def _id_width(count: int) -> int:
    return max(4, len(str(count)))


def _ids(prefix: str, count: int, width: int) -> pl.Series:
    return pl.select(pl.format(prefix + "{}", pl.int_range(1, count + 1).cast(pl.String).str.zfill(width))
                     ).to_series()


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.ma.masked_array(days.astype(np.int32), days == NONE)).cast(pl.Date)


def _timestamps(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(np.ma.masked_array(seconds, seconds == NONE)), time_unit="s")


def _gather(ids: pl.Series, index: np.ndarray) -> pl.Series:
    return ids.gather(pl.Series(np.ma.masked_array(index, index == NONE)))


def _frame(table: str, columns: dict[str, pl.Series | list]) -> pl.DataFrame:
    return pl.DataFrame(columns).select([c.name for c in TABLES_BY_NAME[table].columns])


def _frames(county: _County, staff: _Staff, units: _Units, episodes: _Episodes, carried: _Carried,
            oversight: _Oversight, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    agencies = _agencies_frame(county)
    agency_ids = agencies["agency_id"]
    staff_ids = _ids("S", staff.agency.size, _id_width(staff.agency.size))
    episode_ids = _ids("EP", episodes.unit.size, _id_width(episodes.unit.size))
    unit = episodes.unit
    frames = {"agencies": agencies}
    frames["staff"] = _frame("staff", {
        "staff_id": staff_ids,
        "agency_id": agency_ids.gather(staff.agency),
        "role": pl.Series(STAFF_ROLES).gather(staff.role),
        "fte": staff.fte,
        "hired_on": _dates(staff.hired),
        "separated_on": _dates(staff.separated),
    })
    crs_years = np.array([row[1].year for row in oversight.enrollments], np.int64)
    clients = _clients_frame(units, episodes, crs_years, rng)
    frames["clients"] = clients
    discharged = units.discharged[unit]
    frames["episodes"] = _frame("episodes", {
        "episode_id": episode_ids,
        "client_id": clients["client_id"].head(unit.size),
        "agency_id": agency_ids.gather(units.agency[unit]),
        "service_level": pl.Series(SERVICE_LEVELS).gather(units.level[unit]),
        "referred_at": _timestamps(units.referred[unit]),
        "emergency": units.emergency[unit],
        "assigned_at": _timestamps(units.assigned[unit]),
        "enrolled_on": _dates(units.enrolled[unit]),
        "discharged_on": _dates(discharged),
        "discharge_type": pl.Series(np.where(discharged == NONE, None,
                                             np.where(units.unplanned[unit], "unplanned", "planned")),
                                    dtype=pl.String),
    })

    # A family's assignment is one row per member.
    members = units.members[carried.unit]
    segment = np.repeat(np.arange(carried.unit.size), members)
    member = np.arange(segment.size) - np.repeat(np.cumsum(members) - members, members)
    episode = episodes.first_of_unit[carried.unit[segment]] + member
    order = np.lexsort((episode, carried.start[segment]))
    segment, episode = segment[order], episode[order]
    frames["assignments"] = _frame("assignments", {
        "episode_id": episode_ids.gather(episode),
        "staff_id": staff_ids.gather(carried.staff[segment]),
        "start_on": _dates(carried.start[segment]),
        "end_on": _dates(carried.end[segment]),
    })

    episode, timestamp, kind, mode, contact_staff = _contacts(units, episodes, carried, county, rng)
    frames["contacts"] = _frame("contacts", {
        "contact_id": _ids("K", episode.size, _id_width(episode.size)),
        "episode_id": episode_ids.gather(episode),
        "staff_id": _gather(staff_ids, contact_staff),
        "contact_at": _timestamps(timestamp),
        "kind": pl.Series(CONTACT_KINDS).gather(kind),
        "mode": pl.Series(CONTACT_MODES).gather(mode),
    })

    episode, day, kind, safety = _care_plans(units, episodes, rng)
    frames["care_plans"] = _frame("care_plans", {
        "episode_id": episode_ids.gather(episode),
        "plan_kind": pl.Series(["preliminary", "final", "review"]).gather(kind),
        "completed_on": _dates(day),
        "safety_plan": pl.Series(np.ma.masked_array(safety == 1, safety == NONE), dtype=pl.Boolean),
    })

    frames.update(_oversight_frames(oversight, clients["client_id"].tail(len(oversight.enrollments)), staff_ids))
    return frames


def _oversight_frames(oversight: _Oversight, crs_client_ids: pl.Series,
                      staff_ids: pl.Series) -> dict[str, pl.DataFrame]:
    def frame(table: str, rows: list[tuple]) -> pl.DataFrame:
        columns = [c.name for c in TABLES_BY_NAME[table].columns]
        types = {c.name: {"date": pl.Date, "integer": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}
                 .get(c.type, pl.String) for c in TABLES_BY_NAME[table].columns}
        return pl.DataFrame(rows, schema=types, orient="row").select(columns)

    plan_ids = {id(plan): f"AP{i + 1:04d}" for i, plan in enumerate(oversight.plans)}
    incident_width = _id_width(len(oversight.incidents))
    return {
        "monitoring_visits": frame("monitoring_visits", sorted(oversight.visits, key=lambda r: (r[1], r[0]))),
        "documentation_reviews": frame("documentation_reviews",
                                       sorted(oversight.reviews, key=lambda r: (r[1], r[2], r[0]))),
        "action_plans": frame("action_plans", [
            (plan_ids[id(p)], p["agency_id"], p["kind"], p["source"], p["issued_on"], p["due_on"],
             p["response_on"], p["completed_on"], p["parent"] and plan_ids[id(p["parent"])])
            for p in oversight.plans]),
        "crs_enrollments": frame("crs_enrollments", [
            (client, *row) for client, row in zip(crs_client_ids.to_list(), oversight.enrollments, strict=True)]),
        "incidents": frame("incidents", [(f"IN{i + 1:0{incident_width}d}", *row)
                                         for i, row in enumerate(oversight.incidents)]),
        "trainings": frame("trainings", [(staff_ids[s], day, hours, exempt)
                                         for s, day, hours, exempt in oversight.trainings]),
    }


# ---------------------------------------------------------------------------
# Planted bad rows


@dataclass(frozen=True)
class _BadRow:
    index: int  # written before the good row with this index
    cells: tuple[str, ...]
    column: str | None
    reason_kind: str


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# A maker turns the good row just before its slot into a bad row: (cells, column, reason kind).
_Maker = Callable[[dict], tuple[list[str], str | None, str]]


def _changed(row: dict, **values) -> list[str]:
    return [_cell(values[name]) if name in values else _cell(value) for name, value in row.items()]


def _spread(frame: pl.DataFrame, makers: list[_Maker]) -> list[_BadRow]:
    """Each maker's row, at evenly spread positions of the table (never before the first good row)."""
    bad = []
    for k, make in enumerate(makers):
        index = max(1, round(frame.height * (k + 1) / (len(makers) + 1)))
        cells, column, reason = make(frame.row(index - 1, named=True))
        bad.append(_BadRow(index, tuple(cells), column, reason))
    return bad


def _fresh(frame: pl.DataFrame, key: str, prefix: str, offset: int) -> str:
    """An id of the table's pattern that no good row uses."""
    width = len(frame[key][0]) - len(prefix)
    return f"{prefix}{frame.height + offset:0{width}d}"


def _planted(frames: dict[str, pl.DataFrame]) -> dict[str, list[_BadRow]]:
    """One bad row of every kind the contract rejects, and the rows hanging off a bad episode."""
    staff, episodes, contacts = frames["staff"], frames["episodes"], frames["contacts"]
    plans = frames["action_plans"]

    def new_staff(k: int) -> str:
        return _fresh(staff, "staff_id", "S", 1 + k)

    def new_episode(k: int) -> str:
        return _fresh(episodes, "episode_id", "EP", 1 + k)

    def new_contact(k: int) -> str:
        return _fresh(contacts, "contact_id", "K", 1 + k)

    def hired(row: dict, **values) -> list[str]:
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
    def episode(row: dict, k: int, **values) -> list[str]:
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

    def contact(row: dict, k: int, **values) -> list[str]:
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
    def plan(row: dict, k: int, **values) -> list[str]:
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


# ---------------------------------------------------------------------------
# Writing


def _csv_line(cells: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _write_table(path: Path, table: str, frame: pl.DataFrame, bad: list[_BadRow]) -> list[PlantedReject]:
    """The good rows with the bad ones spliced in; returns where the bad ones landed."""
    options = {"include_header": False, "date_format": "%Y-%m-%d", "datetime_format": "%Y-%m-%d %H:%M:%S"}
    planted = []
    with path.open("wb") as handle:
        handle.write(_csv_line(tuple(c.name for c in TABLES_BY_NAME[table].columns)))
        written = 0
        for n, row in enumerate(sorted(bad, key=lambda b: b.index)):
            frame.slice(written, row.index - written).write_csv(handle, **options)
            written = row.index
            handle.write(_csv_line(row.cells))
            # The header, the good rows before it and the bad rows before it come first.
            planted.append(PlantedReject(table, row.index + n + 2, row.column, row.reason_kind))
        frame.slice(written).write_csv(handle, **options)
    return planted


# Independent random streams, so that changing one part of the county leaves the others as they were.
STREAMS = ("county", "staff", "referrals", "carry", "activity", "oversight")


def write_demo(out_dir: Path, seed: int = 2026, scale: float = 1.0) -> DemoSummary:
    """Write a synthetic extract into ``out_dir``: one ``<table>.csv`` per table of the contract."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    rng = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS)), strict=True))
    replicas = math.ceil(math.sqrt(scale))
    county, shifts = _county(replicas, rng["county"])
    staff = _staff(county, scale, replicas, rng["staff"])
    units = _referrals(county, scale, replicas, rng["referrals"])
    carried = _carry(units, staff, rng["carry"])
    episodes = _episodes(units)
    oversight = _oversight(county, shifts, staff, rng["oversight"])
    frames = _frames(county, staff, units, episodes, carried, oversight, rng["activity"])
    bad = _planted(frames)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, planted = {}, []
    for table in TABLES:
        frame, table_bad = frames[table.name], bad.get(table.name, [])
        planted += _write_table(out_dir / f"{table.name}.csv", table.name, frame, table_bad)
        rows[table.name] = frame.height + len(table_bad)
    (out_dir / MANIFEST).write_text(
        f"taken_on = {EXTRACT_END.isoformat()}\n"
        f'source = "oversight demo: synthetic, seed {seed}, scale {scale:g}"\n', encoding="utf-8")
    return DemoSummary(rows, tuple(planted))
