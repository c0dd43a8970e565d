"""Polars columns from the integer arrays (ids, dates and timestamps, ``NONE`` as null), and
frames in the contract's column order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from metrics.demo.common import NONE
from metrics.extract.schema import TABLES_BY_NAME


def id_width(count: int) -> int:
    return max(4, len(str(count)))


def ids(prefix: str, count: int, width: int) -> pl.Series:
    return pl.select(pl.format(prefix + "{}", pl.int_range(1, count + 1).cast(pl.String).str.zfill(width))
                     ).to_series()


def dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.ma.masked_array(days.astype(np.int32), days == NONE)).cast(pl.Date)


def timestamps(seconds: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(np.ma.masked_array(seconds, seconds == NONE)), time_unit="s")


def gather(values: pl.Series, index: np.ndarray) -> pl.Series:
    """``values`` at ``index``, null where the index is NONE."""
    return values.gather(pl.Series(np.ma.masked_array(index, index == NONE)))


def table_frame(table: str, columns: Mapping[str, pl.Series | list[Any] | npt.NDArray[Any]]) -> pl.DataFrame:
    return pl.DataFrame(columns).select([c.name for c in TABLES_BY_NAME[table].columns])
