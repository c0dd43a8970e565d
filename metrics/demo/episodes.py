"""CIU referrals and the episodes they open: when each was referred, assigned, first reached,
enrolled and discharged; one episode per client, a family referral opening one per member.
Also the clients (the CRS participants after the BHD clients) and the episodes table."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import polars as pl

from metrics.demo.agencies import County
from metrics.demo.columns import dates, gather, id_width, ids, table_frame, timestamps
from metrics.demo.common import (
    CM,
    DAY,
    END_DAY,
    END_TS,
    HOUR,
    NONE,
    RSC_F,
    RSC_I,
    SETTINGS,
    SIMULATION_DAY,
    START_DAY,
    business_day,
    is_business_day,
    weekday,
)
from metrics.extract.schema import SERVICE_LEVELS

EMERGENCY_SHARE = 0.10
FAMILY_SIZES, FAMILY_SIZE_P = (2, 3, 4), (0.5, 0.35, 0.15)
# Mean days from enrollment to discharge, by service level.
MEAN_STAY = {RSC_I: 240, RSC_F: 270, CM: 420}
# Agencies try to reach a referred client for about three weeks before giving up.
OUTREACH_DAYS = 21


@dataclass(frozen=True)
class Units:
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

    def take(self, index: np.ndarray) -> Units:
        return Units(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

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
    weekend = weekday(days) >= 5
    growth = 1 + 0.04 * (days - SIMULATION_DAY) / 365.25
    routine_weight = np.where(is_business_day(days), 1.0, np.where(weekend, 0.12, 0.3)) * growth
    urgent_weight = np.where(weekend, 0.7, 1.0) * growth
    day = np.where(emergency, rng.choice(days, count, p=urgent_weight / urgent_weight.sum()),
                   rng.choice(days, count, p=routine_weight / routine_weight.sum()))
    office = rng.integers(8 * HOUR, 17 * HOUR, count)
    seconds = np.where(emergency,
                       np.where(rng.random(count) < 0.55, office, rng.integers(0, DAY, count)),
                       np.where(rng.random(count) < 0.92, office, rng.integers(17 * HOUR, 21 * HOUR, count)))
    return day * DAY + seconds


def _first_contact(rng: np.random.Generator, referred: npt.NDArray[np.int64], emergency: npt.NDArray[np.bool],
                   timeliness: npt.NDArray[np.float64], unreached: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
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


def _assigned(rng: np.random.Generator, referred: npt.NDArray[np.int64], emergency: npt.NDArray[np.bool],
              timeliness: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
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
    on_business_day = is_business_day(ref_day)
    routine = np.select(
        [same_day & on_business_day, same_day, next_day],
        [referred + rng.integers(10, 240, n) * 60,
         business_day(ref_day) * DAY + morning,
         business_day(ref_day + 1) * DAY + morning],
        business_day(ref_day + 1, late_by) * DAY + morning,
    )
    urgent = referred + np.where(rng.random(n) < 0.95, rng.integers(1, 20, n), rng.integers(20, 360, n)) * 60
    assigned = np.where(emergency, urgent, routine)
    return np.where(missing | (assigned >= END_TS), NONE, assigned)


def draw_referrals(county: County, scale: float, replicas: int, rng: np.random.Generator) -> Units:
    """Every referral unit of the simulated years, keeping those open at some time in the three years."""
    agency_parts, level_parts = [], []
    days_simulated = END_DAY - SIMULATION_DAY + 1
    for a, bhd_agency in enumerate(county.bhd):
        for service_level in range(len(bhd_agency.mix)):
            count = rng.poisson(bhd_agency.units_per_day(service_level, scale, replicas) * days_simulated)
            agency_parts.append(np.full(count, a))
            level_parts.append(np.full(count, service_level))
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
    enrolled = business_day(first_contact // DAY + wait)
    enrolled = np.where((first_contact != NONE) & (enrolled <= END_DAY), enrolled, NONE)
    mean_stay = np.array([MEAN_STAY[i] for i in range(len(SERVICE_LEVELS))])[level]
    stay = 14 + np.round(rng.gamma(2.0, (mean_stay - 14) / 2)).astype(np.int64)
    discharged = np.where((enrolled != NONE) & (enrolled + stay <= END_DAY), enrolled + stay, NONE)
    # Early discharges are more often unplanned (the client stopped coming).
    unplanned = (discharged != NONE) & (rng.random(n) < np.where(stay < 90, 0.55, 0.25))

    units = Units(agency, level, members, referred, emergency, assigned, first_contact, enrolled,
                  discharged, unplanned)
    kept = (referred >= START_DAY * DAY) | ((enrolled != NONE) & ((discharged == NONE) | (discharged >= START_DAY)))
    order = np.lexsort((agency, referred))
    return units.take(order[kept[order]])


@dataclass(frozen=True)
class Episodes:
    """One episode per client referred; a family unit has one per member (arrays by episode)."""

    unit: np.ndarray
    first_of_unit: np.ndarray  # by unit: index of its first episode


def episodes_of(units: Units) -> Episodes:
    first = np.cumsum(units.members) - units.members
    return Episodes(np.repeat(np.arange(units.members.size), units.members), first)


def _birth_years(rng: np.random.Generator, year: np.ndarray, youth_share: float | np.ndarray) -> np.ndarray:
    """Birth years of adults 18-75 (and some youths 12-17); about 3% unknown (-1)."""
    n = year.size
    adult_age = np.minimum(18 + np.round(rng.gamma(2.2, 9.0, n)), 75)
    age = np.where(rng.random(n) < youth_share, rng.integers(12, 18, n), adult_age)
    return np.where(rng.random(n) < 0.03, NONE, year - age).astype(np.int64)


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def clients_frame(units: Units, episodes: Episodes, crs_client_years: np.ndarray,
                  rng: np.random.Generator) -> pl.DataFrame:
    """BHD clients (one per episode) followed by the CRS participants (enrolled in these years)."""
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
    family_ids = ids("F", family_units.size, id_width(family_units.size))
    birth = np.concatenate([years, crs_years])
    return pl.DataFrame({
        "client_id": ids("C", count, id_width(count)),
        "family_id": gather(family_ids, np.concatenate([family, np.full(crs_years.size, NONE)])),
        "birth_year": pl.Series(np.ma.masked_array(birth, birth == NONE), dtype=pl.Int64),
    })


def episodes_frame(units: Units, episodes: Episodes, agency_ids: pl.Series, client_ids: pl.Series) -> pl.DataFrame:
    """The episodes table: the BHD clients are the first of ``client_ids``, one per episode."""
    unit = episodes.unit
    discharged = units.discharged[unit]
    return table_frame("episodes", {
        "episode_id": ids("EP", unit.size, id_width(unit.size)),
        "client_id": client_ids.head(unit.size),
        "agency_id": agency_ids.gather(units.agency[unit]),
        "service_level": pl.Series(SERVICE_LEVELS).gather(units.level[unit]),
        "referred_at": timestamps(units.referred[unit]),
        "emergency": units.emergency[unit],
        "assigned_at": timestamps(units.assigned[unit]),
        "enrolled_on": dates(units.enrolled[unit]),
        "discharged_on": dates(discharged),
        # None as the 0-d object array np.where makes of it anyway: the stubs take no bare None.
        "discharge_type": pl.Series(np.where(discharged == NONE, np.array(None, dtype=object),
                                             np.where(units.unplanned[unit], "unplanned", "planned")),
                                    dtype=pl.String),
    })
