"""Words, not codes: every status, kind and milestone a table shows is written in words (the
same words in its download), days until a date read as people say them, and no table on any
page shows a code, an empty date as "None", or a trailing id column."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from metrics.extract.schema import SERVICE_LEVELS, TABLES_BY_NAME
from metrics.policy.settings import Settings
from metrics.report.labels import (
    OUTCOME_WORDS,
    PLAN_KINDS,
    PLAN_SOURCES,
    PLAN_WORDS,
    RESPONSE_WORDS,
    ROLE_WORDS,
    columns,
    due_in_words,
    in_words,
    milestone_words,
)
from tests.test_app import PAGES, app, demo_extract, visit  # noqa: F401 - shared fixtures

CODE = re.compile(r"[a-z]+(_[a-z]+)+")


def test_days_until_a_date_in_words():
    days = pl.DataFrame({"days": [-245, -2, -1, 0, 1, 12, None]})
    assert days.select(due_in_words(pl.col("days")))["days"].to_list() == [
        "245 days overdue", "2 days overdue", "1 day overdue", "Due today", "Due tomorrow", "Due in 12 days", None]


def test_codes_become_words_and_what_has_no_words_is_left_as_it_is():
    plans = pl.DataFrame({"plan_id": ["P1", "P2", "P3"], "status": ["completed_on_time", "overdue", None],
                          "kind": ["corrective_action", "plan_of_action", "plan_of_action"], "due_on": [1, 2, 3]})
    assert in_words(plans, columns("action_plans")).to_dicts() == [
        {"plan_id": "P1", "status": "Completed on time", "kind": "Corrective action", "due_on": 1},
        {"plan_id": "P2", "status": "Overdue", "kind": "Plan of action", "due_on": 2},
        {"plan_id": "P3", "status": None, "kind": "Plan of action", "due_on": 3},
    ]


def test_every_code_of_the_contract_has_words():
    plans = TABLES_BY_NAME["action_plans"]
    assert set(PLAN_KINDS) == set(plans.column("kind").enum)
    assert set(ROLE_WORDS) | set(SERVICE_LEVELS) == set(TABLES_BY_NAME["staff"].column("role").enum)
    assert set(PLAN_SOURCES) == set(plans.column("source").enum)
    outcome = next(table.column("outcome") for table in TABLES_BY_NAME.values()
                   if "outcome" in [column.name for column in table.columns])
    assert set(OUTCOME_WORDS) == set(outcome.enum)
    # The statuses the queries derive (queries/action_plans.sql, milestones_episodes.sql).
    assert set(PLAN_WORDS) == {"overdue", "open", "escalated", "completed_late", "completed_on_time"}
    assert set(RESPONSE_WORDS) == {"on_time", "late", "pending", "missing"}
    assert set(milestone_words()) == {"rst_formed", "sccp_final", "sccp_review", "rst_at_discharge"}


def test_a_milestone_names_its_deadline_from_the_settings():
    words = milestone_words(Settings(rst_formed_days=10, rst_at_discharge_days=1))
    assert words["rst_formed"] == "RST formed within 10 days of enrollment"
    assert words["rst_at_discharge"] == "RST meeting within 1 day of discharge"


def shown_columns(frame) -> list[str]:
    """The columns a table shows: those its configuration does not hide."""
    config = json.loads(frame.proto.columns or "{}")
    return [name for name in frame.value.columns if not config.get(name, {}).get("hidden")]


def headers(frame) -> list[str]:
    config = json.loads(frame.proto.columns or "{}")
    return [config.get(name, {}).get("label") or name for name in shown_columns(frame)]


# The data-quality page names the extract's own files and columns, in the data supplier's words.
SUPPLIERS_WORDS = {"table", "column"}


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_code_a_none_or_a_trailing_id(app, page):  # noqa: F811
    app.run()
    app.sidebar.selectbox(key="window").set_value("all")  # every row the demo extract holds
    at = visit(app, page)
    for frame in at.dataframe:
        shown = shown_columns(frame)
        assert shown, "a table shows something"
        assert not any(name.endswith("_id") for name in shown[-1:]), f"an id column trails: {shown}"
        assert not [header for header in headers(frame) if CODE.fullmatch(header)], "every header is in words"
        for name in set(shown) - SUPPLIERS_WORDS:
            values = frame.value[name]
            texts = values.dtype.kind == "O" and all(isinstance(cell, str) for cell in values.dropna())
            if values.dtype.kind == "M" or texts:  # Streamlit writes an empty date or text as "None"
                assert not values.isna().any(), f"{name}: an empty cell is shown as None"
            for cell in values.dropna().astype(str):
                assert not CODE.fullmatch(cell), f"{name} shows the code {cell!r}"
                assert cell not in ("None", "nan", "NaT"), f"{name} shows {cell!r}"


def test_monitoring_says_how_overdue_in_words(app):  # noqa: F811
    at = visit(app, "app_pages/monitoring.py")
    frame = next(frame for frame in at.dataframe if "due" in shown_columns(frame))
    assert "days_until_due" not in shown_columns(frame)
    for words, days in zip(frame.value["due"], frame.value["days_until_due"], strict=True):
        expected = (f"{-days} days overdue" if days < -1 else "1 day overdue" if days == -1 else "Due today"
                    if days == 0 else "Due tomorrow" if days == 1 else f"Due in {days} days")
        assert words == expected
