"""The county: BHD's Recovery Support Agencies and DCTS's CRS programs, copied at larger scales,
and the agencies table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from metrics.demo.common import to_date, to_day

# Volume at scale 1: referral units (a client, or a family for RSC-F) a year, all agencies.
UNITS_PER_YEAR = 720


@dataclass(frozen=True)
class Agency:
    """A BHD Recovery Support Agency and how it works."""

    name: str
    share: float  # of all referrals
    mix: tuple[float, float, float]  # share of its referral units by RSC-I, RSC-F, CM
    adherence: float  # share of contact periods met
    timeliness: float  # share of routine referrals reached within the standard
    unreached: float  # share of referrals never reached
    utilisation: float  # positions are sized for caseloads at this share of the standard
    started: dt.date | None

    def units_per_day(self, level: int, scale: float, replicas: int) -> float:
        """Referral units a day of one service level (an index into SERVICE_LEVELS) at one copy."""
        return UNITS_PER_YEAR * scale * self.share / replicas * self.mix[level] / 365.25


BHD_AGENCIES = (
    Agency("Lakeshore Recovery Partners", 0.31, (0.52, 0.10, 0.38), 0.85, 0.86, 0.06, 1.0, dt.date(2009, 7, 1)),
    Agency("Kinnickinnic Care Coordination", 0.18, (0.55, 0.0, 0.45), 0.95, 0.94, 0.04, 0.92, dt.date(2012, 1, 3)),
    Agency("Three Bridges Recovery Network", 0.16, (0.45, 0.12, 0.43), 0.80, 0.84, 0.06, 0.95, dt.date(2014, 10, 1)),
    Agency("North Point Wellness Collaborative", 0.14, (0.50, 0.0, 0.50), 0.78, 0.80, 0.07, 0.95,
           dt.date(2016, 4, 4)),
    Agency("Root River Recovery Alliance", 0.09, (0.45, 0.15, 0.40), 0.88, 0.88, 0.05, 0.90, None),
    Agency("Sunrise Meadow Support Services", 0.07, (0.60, 0.0, 0.40), 0.60, 0.66, 0.11, 1.15,
           dt.date(2019, 9, 3)),
    Agency("Cedar Hollow Coordination Group", 0.05, (0.50, 0.0, 0.50), 0.90, 0.90, 0.05, 0.85, None),
)
# Copies of the agencies at larger scales are told apart by the part of the county they serve.
AREAS = ("North", "South", "West", "East", "Central", "Lakefront", "Valley", "Heights", "Park")


@dataclass(frozen=True)
class PlanScript:
    """A plan of action issued after ``anchor`` (a date, or the review of that year) and its fate."""

    source: str
    anchor: dt.date | int
    fate: str  # on_time, late, open, overdue or escalated
    response: str | None = None  # of the corrective action, when escalated: on_time, late, missing


@dataclass(frozen=True)
class Program:
    """A county or tribal CRS program under DCTS oversight."""

    county: str
    tribal: bool
    started: dt.date
    visits: tuple[dt.date, ...]
    staff: int
    participants: int  # enrolled at a time
    review_month: int  # documentation oversight starts in this month every year
    plans: tuple[PlanScript, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.county} Tribal CRS" if self.tribal else f"{self.county} County CRS"


# Visit dates are chosen against the extract's end (2026-10-31) and a two-year cycle.
DCTS_PROGRAMS = (
    Program("Northwoods", False, dt.date(2013, 5, 1),
            (dt.date(2021, 3, 16), dt.date(2023, 3, 9), dt.date(2025, 3, 4)), 12, 40, 3,
            (PlanScript("biennial_monitoring", dt.date(2023, 3, 9), "on_time"),
             PlanScript("documentation_oversight", 2025, "late"))),
    # Last visited on 29 February 2024: due 28 February 2026, overdue at the end.
    Program("Red Cedar", True, dt.date(2016, 9, 1),
            (dt.date(2020, 2, 25), dt.date(2022, 3, 1), dt.date(2024, 2, 29)), 6, 18, 4,
            (PlanScript("biennial_monitoring", dt.date(2024, 2, 29), "escalated", "late"),
             PlanScript("documentation_oversight", 2025, "overdue"))),
    # Next visit due 2026-12-10: within 90 days of the end.
    Program("Driftless Hills", False, dt.date(2014, 2, 3),
            (dt.date(2020, 12, 8), dt.date(2022, 12, 13), dt.date(2024, 12, 10)), 10, 30, 5,
            (PlanScript("documentation_oversight", 2024, "escalated", "on_time"),
             PlanScript("biennial_monitoring", dt.date(2024, 12, 10), "on_time"))),
    # New program, never visited: its first visit is due two years after it started. Its
    # first documentation review starts in October 2026 and cannot be complete by the end.
    Program("Blue Heron", False, dt.date(2025, 4, 1), (), 5, 12, 10),
    Program("Prairie Wind", False, dt.date(2015, 6, 1),
            (dt.date(2021, 6, 22), dt.date(2023, 6, 13), dt.date(2025, 6, 17)), 9, 25, 3,
            (PlanScript("biennial_monitoring", dt.date(2025, 6, 17), "escalated", "missing"),)),
    Program("Timber Ridge", False, dt.date(2021, 1, 4),
            (dt.date(2023, 4, 11), dt.date(2025, 4, 8)), 8, 22, 5,
            (PlanScript("biennial_monitoring", dt.date(2025, 4, 8), "on_time"),
             PlanScript("other", dt.date(2026, 10, 6), "open"))),
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
class County:
    bhd: tuple[Agency, ...]  # agencies RSA01.. in order
    dcts: tuple[Program, ...]  # programs CRS01.. in order
    bhd_names: tuple[str, ...]
    dcts_starts: tuple[int, ...]  # program starts after the copy's shift


def draw_county(replicas: int, rng: np.random.Generator) -> tuple[County, np.ndarray]:
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
    starts = tuple(to_day(p.started) + int(s) for p, s in zip(dcts, shifts, strict=True))
    return County(bhd, dcts, names, starts), shifts


def agencies_frame(county: County) -> pl.DataFrame:
    bhd_starts = [a.started for a in county.bhd]
    return pl.DataFrame({
        "agency_id": [f"RSA{i + 1:02d}" for i in range(len(county.bhd))]
                     + [f"CRS{i + 1:02d}" for i in range(len(county.dcts))],
        "agency_name": list(county.bhd_names) + [p.name for p in county.dcts],
        "oversight": ["BHD"] * len(county.bhd) + ["DCTS"] * len(county.dcts),
        "county": ["Milwaukee"] * len(county.bhd) + [p.county for p in county.dcts],
        "program_start_on": bhd_starts + [to_date(d) for d in county.dcts_starts],
    }, schema_overrides={"program_start_on": pl.Date})
