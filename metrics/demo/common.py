"""What every part of the demo shares: the extract's span, the policy's settings, and days and
timestamps as integers, with the business calendar on them.

Days are counted from 1970-01-01 and timestamps in seconds from its midnight (local time, as
the contract has them); ``NONE`` stands for a missing one in the integer arrays.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from metrics.extract.schema import SERVICE_LEVELS
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


def to_day(value: dt.date) -> int:
    return (value - _EPOCH).days


def to_date(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


END_DAY = to_day(EXTRACT_END)
START_DAY = to_day(HISTORY_START)
SIMULATION_DAY = to_day(SIMULATION_START)
END_TS = (END_DAY + 1) * DAY  # the first instant after the extract

RSC_I, RSC_F, CM = (SERVICE_LEVELS.index(level) for level in ("RSC-I", "RSC-F", "CM"))


@cache
def _holidays() -> npt.NDArray[np.datetime64]:
    return np.array(holiday_dates(2005, EXTRACT_END.year + 1, SETTINGS.calendar), dtype="datetime64[D]")


def business_day(days: npt.ArrayLike, offset: int | npt.NDArray[np.int64] = 0,
                 roll: Literal["forward", "backward"] = "forward") -> npt.NDArray[np.int64]:
    """``offset`` business days after ``days``, each first rolled onto a business day."""
    return np.busday_offset(np.asarray(days).astype("datetime64[D]"), offset, roll=roll,
                            holidays=_holidays()).astype(np.int64)


def is_business_day(days: npt.ArrayLike) -> npt.NDArray[np.bool]:
    return np.is_busday(np.asarray(days).astype("datetime64[D]"), holidays=_holidays())


def weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
