"""The agency scorecard: contract targets, their statuses and rules, and the quarters, worked by hand."""

from __future__ import annotations

import datetime as dt
import subprocess

import polars as pl
import pytest

from metrics.measures.registry import HEADLINE_BY_KEY
from metrics.policy.filters import Filters
from metrics.policy.settings import ContractTarget, Settings, load_settings
from metrics.report.scorecard import AMBER, GREEN, RED, last_quarter_ends, rule_text, scorecard, status
from tests.test_access import agencies, signed_in_app  # noqa: F401 - shared fixtures
from tests.test_app import app, demo_extract, visit  # noqa: F401 - shared fixtures

RATE = ContractTarget("client_contact", 0.90, 0.80)
STAFF = ContractTarget("staff_over", 0, 1)
OVERDUE = ContractTarget("programs_overdue", 0, 0)


@pytest.mark.parametrize(("target", "value", "expected"), [
    (RATE, 0.90, GREEN), (RATE, 0.8999, AMBER), (RATE, 0.80, AMBER), (RATE, 0.7999, RED),
    (RATE, None, None), (RATE, "suppressed", None),
    (STAFF, 0, GREEN), (STAFF, 1, AMBER), (STAFF, 2, RED),
    (OVERDUE, 0, GREEN), (OVERDUE, 1, RED),
])
def test_a_status_by_the_target(target, value, expected):
    assert status(target, HEADLINE_BY_KEY[target.figure], value) == expected


def test_a_rule_in_words():
    assert rule_text(RATE, HEADLINE_BY_KEY["client_contact"]) == "green at 90% or more, amber at 80% or more, else red"
    assert rule_text(STAFF, HEADLINE_BY_KEY["staff_over"]) == "green at 0 or fewer, amber at 1 or fewer, else red"
    assert rule_text(OVERDUE, HEADLINE_BY_KEY["programs_overdue"]) == "green at 0 or fewer, else red"


@pytest.mark.parametrize(("as_of", "ends"), [
    (dt.date(2026, 10, 31), [dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]),
    # A quarter's own last day counts it.
    (dt.date(2026, 9, 30), [dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]),
    (dt.date(2026, 1, 15), [dt.date(2025, 3, 31), dt.date(2025, 6, 30), dt.date(2025, 9, 30), dt.date(2025, 12, 31)]),
])
def test_the_last_four_quarter_ends(as_of, ends):
    assert last_quarter_ends(as_of) == ends


def test_a_dcts_programs_scorecard_counts_its_own_rows_now_and_each_quarter():
    # Monitoring: A2 overdue at every date; plans: A2 has one overdue plan only from 30 June on.
    asked = []

    def frame_of(name: str, filters: Filters) -> pl.DataFrame:
        asked.append((name, filters))
        assert filters.agencies == ("A2",), "only the agency's own rows"
        if name == "monitoring_status":
            return pl.DataFrame({"agency_id": ["A2"], "status": ["overdue"]})
        overdue = filters.as_of >= dt.date(2026, 6, 30)
        return pl.DataFrame({"agency_id": ["A2", "A2"], "status": ["overdue" if overdue else "open", "completed_on_time"]})

    rows = scorecard("A2", "DCTS", Filters(as_of=dt.date(2026, 10, 31)), frame_of, False, Settings())
    assert [row.figure for row in rows] == ["Programs overdue for monitoring", "Overdue plans"]
    monitoring, plans = rows
    assert (monitoring.now.value, monitoring.now.status) == ("1", RED)
    assert [(quarter, score.value, score.status) for quarter, score in plans.quarters] == [
        ("2025Q4", "0", GREEN), ("2026Q1", "0", GREEN), ("2026Q2", "1", RED), ("2026Q3", "1", RED)]
    # Each quarter counted over that quarter, as the deck counts it.
    quarter_filters = [filters for name, filters in asked if name == "action_plans" and filters.period_start]
    assert [(f.as_of, f.period_start, f.period_end) for f in quarter_filters] == [
        (dt.date(2025, 12, 31), dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 6, 30), dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 9, 30), dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ]


def test_targets_from_the_settings_file(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[[contract_targets]]\nfigure = "reached_24h"\ngreen = 0.95\namber = 0.9\n', encoding="utf-8")
    assert load_settings(path).contract_targets == (ContractTarget("reached_24h", 0.95, 0.9),)


def test_every_target_names_a_headline():
    assert {target.figure for target in Settings().contract_targets} <= set(HEADLINE_BY_KEY)


def test_the_scorecard_page_shows_an_agencys_targets(app):  # noqa: F811
    at = visit(app, "app_pages/scorecard.py")
    agency = at.selectbox(key="scorecard_agency")
    shown = " ".join(markdown.value for markdown in at.markdown)
    assert "| Figure | Target | Now |" in shown
    # The first agency listed is a BHD agency: its rates' targets, none of DCTS's.
    assert "Contact periods met" in shown and "Programs overdue for monitoring" not in shown
    assert "green at 90% or more, amber at 80% or more, else red" in shown
    agency.set_value(agency.options[-1])
    at.run()
    shown = " ".join(markdown.value for markdown in at.markdown)
    assert "Programs overdue for monitoring" in shown and "Contact periods met" not in shown


def test_a_one_agency_user_scores_only_their_agency(signed_in_app):  # noqa: F811
    at, allowed, _ = signed_in_app
    at.run()
    at.switch_page("app_pages/scorecard.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    # Options are shown by name; the one offered is the user's own agency.
    assert len(at.selectbox(key="scorecard_agency").options) == 1
    assert at.selectbox(key="scorecard_agency").value == allowed


def test_the_scorecard_pdf_is_one_page_saying_each_status_in_words(tmp_path):
    from metrics.report.scorecard import Score, ScoreRow, scorecard_pdf

    # Rules without the status words, so that every one on the page is a cell's.
    rows = [ScoreRow("Contact periods met", "at least 90%", Score("86%", AMBER),
                     (("2026Q1", Score("91%", GREEN)), ("2026Q2", Score("79%", RED)), ("2026Q3", Score("–", None)))),
            ScoreRow("Overdue plans", "none", Score("0", GREEN),
                     (("2026Q1", Score("1", RED)), ("2026Q2", Score("0", GREEN)), ("2026Q3", Score("0", GREEN))))]
    path = tmp_path / "scorecard.pdf"
    path.write_bytes(scorecard_pdf(rows, "Alpha Recovery", dt.date(2026, 10, 31), "all dates", "demo"))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Scorecard: Alpha Recovery" in text and "On 31 October 2026, counting all dates" in text
    words = text.split()
    assert (words.count("amber"), words.count("red"), words.count("green")) == (1, 2, 4)
