"""The documentation sample's population against the review record the Monitoring page shows:
the same, said so; different, said why; and the bundled demo's records follow the same rule."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.measures.sample import Sample, sample_size
from metrics.policy.window import year_before
from metrics.report.views.sample import against_the_record
from tests.test_app import app, demo_extract, visit  # noqa: F401 - shared fixtures


def sample_of(people: int) -> Sample:
    population = pl.DataFrame({"client_id": [f"C{n}" for n in range(people)]})
    return Sample("CRS01", 2026, 7, dt.date(2025, 3, 9), dt.date(2026, 3, 8), "request",
                  population, population.head(sample_size(people, 0.2)))


def record(population: int | None, size: int | None, year: int = 2026) -> pl.DataFrame:
    return pl.DataFrame({"agency_id": ["CRS01", "CRS02"], "review_year": [year, 2026],
                         "population_size": [population, 99], "sample_size": [size, 20]})


def test_the_same_population_is_said_to_match():
    assert against_the_record(sample_of(14), record(14, 3)) == (
        True, "The review record on the Monitoring page gives the same population (14 and a sample of 3).")


def test_a_different_population_is_said_and_explained():
    agree, words = against_the_record(sample_of(14), record(16, 4))
    assert not agree
    assert words.startswith("The review record on the Monitoring page gives a population of 16 and a sample of 4; "
                            "the enrollments in this extract give 14 and a sample of 3.")
    assert "rejected when it was loaded" in words


def test_no_record_of_that_year_or_no_population_says_nothing():
    assert against_the_record(sample_of(14), record(14, 3, year=2025)) is None
    assert against_the_record(sample_of(14), record(None, None)) is None


def test_the_year_before_a_request():
    assert year_before(dt.date(2026, 3, 9)) == (dt.date(2025, 3, 9), dt.date(2026, 3, 8))
    assert year_before(dt.date(2024, 2, 29)) == (dt.date(2023, 2, 28), dt.date(2024, 2, 28))


def test_the_sample_page_agrees_with_the_record_of_the_demo(app):  # noqa: F811
    at = visit(app, "app_pages/sample.py")
    assert any(caption.value.startswith("The review record on the Monitoring page gives the same population")
               for caption in at.caption)
    assert not [warning for warning in at.warning if "review record" in warning.value]
