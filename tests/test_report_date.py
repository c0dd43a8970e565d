"""The report date a view opens on: the extract's date, or the month or quarter end the setting
``default_report_date`` names, worked out by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from metrics.cli import main
from metrics.policy.quarters import default_report_date
from metrics.policy.settings import Settings, load_settings
from tests.conftest import BASE_TABLES, write_extract


@pytest.mark.parametrize("taken,month_end,quarter_end", [
    ("2026-10-31", "2026-10-31", "2026-09-30"),  # a month's last day is its own month end
    ("2026-10-30", "2026-09-30", "2026-09-30"),
    ("2026-09-30", "2026-09-30", "2026-09-30"),  # and a quarter's last day its own quarter end
    ("2026-01-15", "2025-12-31", "2025-12-31"),  # back across a year
    ("2024-03-10", "2024-02-29", "2023-12-31"),  # a leap February
    ("2026-07-01", "2026-06-30", "2026-06-30"),  # the first day of a quarter: the one before
])
def test_the_default_report_date_by_rule(taken, month_end, quarter_end):
    day = dt.date.fromisoformat(taken)
    assert default_report_date(day, "extract_date") == day
    assert default_report_date(day, "month_end") == dt.date.fromisoformat(month_end)
    assert default_report_date(day, "quarter_end") == dt.date.fromisoformat(quarter_end)


def test_an_unknown_rule_is_refused_when_the_settings_are_read(tmp_path):
    with pytest.raises(ValueError, match="default_report_date must be one of extract_date, month_end, quarter_end"):
        replace(Settings(), default_report_date="last_friday")
    path = tmp_path / "oversight.toml"
    path.write_text('default_report_date = "quarter_end"\n', encoding="utf-8")
    assert load_settings(path).default_report_date == "quarter_end"


def test_oversight_metrics_opens_on_the_pinned_date(tmp_path, cache, capsys, monkeypatch):
    from metrics.policy.settings import settings

    # Without a manifest the extract's date is its latest event: a hire on 10 July 2025.
    tables = dict(BASE_TABLES)
    tables["staff"] += "S3,A1,CM,1.0,2025-07-10,\n"
    folder = write_extract(tmp_path / "extract", tables)
    path = tmp_path / "oversight.toml"
    path.write_text('default_report_date = "month_end"\n', encoding="utf-8")
    monkeypatch.setenv("OVERSIGHT_SETTINGS", str(path))
    settings.cache_clear()
    try:
        assert main(["metrics", "--extract", str(folder), "--out", str(tmp_path / "m")]) == 0
    finally:
        monkeypatch.delenv("OVERSIGHT_SETTINGS")
        settings.cache_clear()
    assert "measures as of 2025-06-30" in capsys.readouterr().out
