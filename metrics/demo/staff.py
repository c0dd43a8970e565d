"""Staff: the positions each BHD team and DCTS program has, the people who hold them in turn
(hired, part-time or full-time, leaving), and the staff table."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from metrics.demo.agencies import County
from metrics.demo.columns import dates, id_width, ids, table_frame
from metrics.demo.common import END_DAY, NONE, SETTINGS, SIMULATION_DAY, START_DAY, business_day, to_day
from metrics.demo.episodes import MEAN_STAY
from metrics.extract.schema import SERVICE_LEVELS, STAFF_ROLES

FTE_CHOICES, FTE_P = (1.0, 0.8, 0.6, 0.5), (0.76, 0.10, 0.07, 0.07)
MEAN_FTE = 0.93  # of a caseload-carrying position, the stable full-time one included
TURNOVER = 0.2  # share of staff leaving a year
OTHER = STAFF_ROLES.index("other")


@dataclass(frozen=True)
class Staff:
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
        leaves = int(business_day(leaves, roll="backward"))
        holders.append((hired, leaves))
        hired = int(business_day(leaves + int(rng.integers(14, 76))))
    return holders


def _positions(county: County, scale: float, replicas: int) -> list[tuple[int, int, int, float | None]]:
    """(agency, role, positions, fte of each or None for mixed) for every BHD team carrying a caseload.

    A team has the positions its expected caseload needs at the agency's utilisation,
    rounded up unless only a little over, since referrals come in bursts. A small caseload
    is shared by two part-timers, so that even a small team sees staff come and go; a
    tiny one is one part-timer's.
    """
    groups: list[tuple[int, int, int, float | None]] = []
    for a, agency in enumerate(county.bhd):
        for level, share in enumerate(agency.mix):
            if share == 0:
                continue
            units_per_day = agency.units_per_day(level, scale, replicas)
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


def draw_staff(county: County, scale: float, replicas: int, rng: np.random.Generator) -> Staff:
    rows: list[tuple[int, int, float, int, int]] = []
    early_hire = (to_day(dt.date(2010, 1, 1)), SIMULATION_DAY - 30)

    def fill(agency: int, role: int, positions: int, turnover: float, growth: float, fte: float | None = None) -> None:
        # Position 0 is held by one person throughout, so that every team always has someone
        # to carry a new referral; some positions are only created during the years.
        for position in range(positions):
            stable = position == 0
            if not stable and rng.random() < growth:
                first = int(rng.integers(START_DAY, END_DAY - 120))
            else:
                first = int(rng.integers(*early_hire))
            for hired, separated in _holders(rng, int(business_day(first)), stable, turnover):
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

    agencies, roles, ftes, hires, separations = (np.array(column) for column in zip(*rows, strict=True))
    order = np.lexsort((roles, agencies, hires))
    return Staff(agencies[order], roles[order], ftes[order], hires[order], separations[order])


def staff_frame(staff: Staff, agency_ids: pl.Series) -> pl.DataFrame:
    return table_frame("staff", {
        "staff_id": ids("S", staff.agency.size, id_width(staff.agency.size)),
        "agency_id": agency_ids.gather(staff.agency),
        "role": pl.Series(STAFF_ROLES).gather(staff.role),
        "fte": staff.fte,
        "hired_on": dates(staff.hired),
        "separated_on": dates(staff.separated),
    })
