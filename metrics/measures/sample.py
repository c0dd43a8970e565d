"""The 20% sample of the annual documentation oversight, drawn so that an auditor can repeat it.

The algorithm, also stated in docs/measures.md ("Documentation sample"):

1. The population is every participant of the program in ``crs_enrollments`` enrolled or
   discharged in the 12 months before the review's request date (``requested_on`` - 12
   months to ``requested_on`` - 1 day) when ``documentation_reviews`` records a request for
   that program and review year; otherwise in the calendar year before the review year.
2. Sort it by ``client_id`` and number the rows 0 … N-1.
3. The sample size is ⌈20% × N⌉, at least 1 (0 when N is 0).
4. ``numpy.random.default_rng(seed).choice(N, size=n, replace=False)`` gives the row
   numbers drawn, in draw order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction

import duckdb
import numpy as np
import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings
from metrics.policy.window import year_before
from metrics.store.db import query

ALGORITHM = ("population sorted by client_id; sample size = ceil(fraction x N), at least 1; "
             "numpy.random.default_rng(seed).choice(N, size, replace=False) over row positions")

MATERIALS = (
    "Initial enrollment and annual recertification",
    "Mental Health and Substance Use Disorder Functional Screen results",
    "Assessment results",
    "Service plan",
    "Six-month update",
)
DISCHARGE_SUMMARY = "Discharge summary"
SEEDS = 1_000_000


def proposed_seed(fingerprint: str, agency_id: str, review_year: int) -> int:
    """The seed offered for a program's review: the same on every visit while the extract is the
    same, so that the sample proposed holds still, yet not one a program can work out in advance,
    since it rests on the extract's fingerprint (its files' sizes, times and inodes), which the
    program never sees. Whatever seed is used is recorded with the sample."""
    digest = hashlib.sha256(f"{fingerprint}\n{agency_id}\n{review_year}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEEDS


@dataclass(frozen=True)
class Sample:
    agency_id: str
    review_year: int
    seed: int
    window_start: dt.date
    window_end: dt.date
    # Where the window came from: the review's request date, or the calendar year before.
    window_basis: str
    population: pl.DataFrame
    drawn: pl.DataFrame

    @property
    def population_size(self) -> int:
        return self.population.height

    @property
    def sample_size(self) -> int:
        return self.drawn.height

    def describe(self) -> str:
        """The lines an auditor needs to repeat the draw."""
        return (f"program {self.agency_id}, review year {self.review_year}: population of "
                f"{self.population_size} participants enrolled or discharged from {self.window_start} "
                f"to {self.window_end} ({self.window_basis}); sample of {self.sample_size} drawn with "
                f"seed {self.seed}.\nalgorithm: {ALGORITHM}")


def sample_size(population: int, fraction: float) -> int:
    """⌈fraction × population⌉, at least 1 unless the population is empty."""
    if population <= 0:
        return 0
    # Exact arithmetic: 0.2 × 15 in floating point is 3.0000000000000004, whose ceiling is 4.
    return max(1, math.ceil(Fraction(str(fraction)) * population))


def population_window(con: duckdb.DuckDBPyConnection, agency_id: str,
                      review_year: int) -> tuple[dt.date, dt.date, str]:
    requested = query(con, "sample_window", agency_id=agency_id, review_year=review_year)["requested_on"][0]
    if requested is not None:
        start, end = year_before(requested)
        return start, end, f"the 12 months before the request of {requested}"
    return (dt.date(review_year - 1, 1, 1), dt.date(review_year - 1, 12, 31),
            f"no request recorded for {review_year}: calendar year {review_year - 1}")


def draw(population: pl.DataFrame, seed: int, fraction: float) -> pl.DataFrame:
    """The drawn rows in draw order, numbered from 1; ``population`` sorted by client_id."""
    population = population.sort("client_id")
    size = sample_size(population.height, fraction)
    positions: np.ndarray | list[int] = (
        np.random.default_rng(seed).choice(population.height, size=size, replace=False) if size else [])
    return (population[[int(p) for p in positions]]
            .with_columns(pl.Series("draw", range(1, size + 1), dtype=pl.Int64))
            .select("draw", *population.columns))


def documentation_sample(con: duckdb.DuckDBPyConnection, agency_id: str, review_year: int, seed: int,
                         filters: Filters | None = None, settings: Settings | None = None) -> Sample:
    settings = settings or current_settings()
    start, end, basis = population_window(con, agency_id, review_year)
    params = filters.params() if filters else Filters(as_of=end).params()
    population = query(con, "sample_population", **params, agency_id=agency_id,
                       window_start=start, window_end=end)
    drawn = draw(population, seed, settings.documentation_sample_fraction)
    return Sample(agency_id, review_year, seed, start, end, basis, population, drawn)


def materials(drawn: pl.DataFrame) -> pl.DataFrame:
    """One row per sampled participant and material to request; a discharge summary only
    for a participant discharged in the window."""
    rows = [
        {"draw": row["draw"], "agency_id": row["agency_id"], "client_id": row["client_id"],
         "discharged_on": row["discharged_on"], "material": material}
        for row in drawn.iter_rows(named=True)
        for material in MATERIALS + ((DISCHARGE_SUMMARY,) if row["discharged"] else ())
    ]
    schema = {"draw": pl.Int64, "agency_id": pl.String, "client_id": pl.String, "discharged_on": pl.Date,
              "material": pl.String}
    return pl.DataFrame(rows, schema=schema)
