"""The documentation oversight's 20% sample: size, reproducibility, population window, materials."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from metrics.cli import main
from metrics.measures.sample import DISCHARGE_SUMMARY, MATERIALS, documentation_sample, draw, materials, sample_size
from tests.conftest import BASE_TABLES, write_extract

CLIENTS = "client_id,family_id,birth_year\n" + "".join(f"P{i:02d},,\n" for i in range(1, 16)) + "C1,F1,1980\nC2,,\n"


def enrollments(rows: list[str]) -> dict[str, str]:
    return {"clients": CLIENTS,
            "crs_enrollments": "client_id,agency_id,enrolled_on,recertified_on,discharged_on\n"
                               + "".join(r + "\n" for r in rows)}


# Eleven participants of A2 enrolled in 2025; P01, P02 and P03 also discharged in 2025.
ELEVEN = [f"P{i:02d},A2,2025-0{1 + i % 9}-10,,{'2025-11-30' if i <= 3 else ''}" for i in range(1, 12)]


@pytest.mark.parametrize("population,expected", [
    (0, 0),    # nothing to sample
    (1, 1),    # 0.2 rounds up to 1
    (4, 1),    # 0.8 -> 1: at least one
    (5, 1),    # exactly 1.0
    (10, 2),   # exactly 2.0
    (11, 3),   # 2.2 rounds up to 3
    (15, 3),   # exactly 3.0 (3.0000000000000004 in floating point would give 4)
    (16, 4),   # 3.2 -> 4
])
def test_sample_size_is_a_fifth_rounded_up_and_at_least_one(population, expected):
    assert sample_size(population, 0.20) == expected


def test_the_draw_is_the_documented_algorithm_and_repeats_with_its_seed(build):
    con = build(replace=enrollments(ELEVEN))
    first = documentation_sample(con, "A2", 2026, seed=42)
    # No review recorded for 2026: the population is the calendar year 2025, eleven people.
    assert (first.window_start, first.window_end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert first.population_size == 11 and first.sample_size == 3
    # Sorted by client_id, positions drawn by numpy's default generator from the seed.
    positions = np.random.default_rng(42).choice(11, size=3, replace=False)
    assert first.drawn["client_id"].to_list() == [f"P{p + 1:02d}" for p in positions]
    assert first.drawn["draw"].to_list() == [1, 2, 3]
    again = documentation_sample(con, "A2", 2026, seed=42)
    assert again.drawn.equals(first.drawn)
    other = documentation_sample(con, "A2", 2026, seed=7)
    assert set(other.drawn["client_id"]) != set(first.drawn["client_id"])
    assert "seed 42" in first.describe() and "population of 11" in first.describe()


def test_the_draw_does_not_depend_on_the_order_rows_arrive_in():
    frame = pl.DataFrame({"client_id": ["B", "A", "D", "C", "E"], "discharged": [False] * 5})
    assert draw(frame, 3, 0.2).equals(draw(frame.reverse(), 3, 0.2))


def test_population_is_the_twelve_months_before_the_request(build):
    con = build(replace=enrollments([
        "P01,A2,2025-03-01,,",            # the day before the window: out
        "P02,A2,2025-03-02,,",            # first day of the window: in
        "P03,A2,2024-01-01,,2026-03-01",  # discharged on the window's last day: in, with a summary
        "P04,A2,2026-03-02,,",            # enrolled on the request date: out
        "P05,A2,2024-01-01,2025-06-01,",  # enrolled earlier, neither enrolled nor discharged in it: out
        "P06,A1,2025-06-01,,",            # another agency: out
        "P07,A2,2025-04-01,,2025-05-01",  # enrolled twice in the window: one participant
        "P07,A2,2025-09-01,,",
    ]), extra_rows={"documentation_reviews": [
        "agency_id,review_year,requested_on,materials_received_on,population_size,sample_size,completed_on,outcome",
        "A2,2026,2026-03-02,,,,,"]})
    sample = documentation_sample(con, "A2", 2026, seed=1)
    # 2026-03-02 less 12 months is 2025-03-02; the window ends the day before the request.
    assert (sample.window_start, sample.window_end) == (dt.date(2025, 3, 2), dt.date(2026, 3, 1))
    assert sample.population["client_id"].to_list() == ["P02", "P03", "P07"]
    assert sample.population["discharged"].to_list() == [False, True, True]
    assert sample.sample_size == 1  # 0.6 rounds up to 1


def test_an_empty_population_draws_nobody(build):
    con = build(replace=enrollments(ELEVEN))
    sample = documentation_sample(con, "A2", 2030, seed=1)
    assert sample.population_size == 0 and sample.sample_size == 0
    assert materials(sample.drawn).is_empty()


def test_materials_list_a_discharge_summary_only_for_discharged_participants():
    drawn = pl.DataFrame({"draw": [1, 2], "agency_id": ["A2", "A2"], "client_id": ["P01", "P09"],
                          "discharged_on": [dt.date(2025, 11, 30), None], "discharged": [True, False]})
    listed = materials(drawn)
    # Five materials for everyone, plus the discharge summary for P01: 6 + 5 rows.
    assert listed.height == 11
    assert listed.filter(pl.col("client_id") == "P01")["material"].to_list() == [*MATERIALS, DISCHARGE_SUMMARY]
    assert listed.filter(pl.col("client_id") == "P09")["material"].to_list() == list(MATERIALS)


def test_the_sample_command_writes_the_materials_and_prints_how_it_drew(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", {**BASE_TABLES, **enrollments(ELEVEN)})
    out = tmp_path / "sample.csv"
    args = ["sample", "--extract", str(folder), "--agency", "A2", "--year", "2026", "--seed", "42", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "seed 42" in printed and "population of 11" in printed and "sample of 3" in printed
    assert "default_rng" in printed
    written = pl.read_csv(out)
    assert written["client_id"].n_unique() == 3
    # Three participants × five materials, plus a discharge summary for each one discharged.
    discharged = written.filter(pl.col("material") == DISCHARGE_SUMMARY).height
    assert written.height == 15 + discharged
    assert main(args) == 0
    assert pl.read_csv(out).equals(written)
