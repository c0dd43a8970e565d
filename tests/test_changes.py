"""What changed between two extracts (metrics.report.changes, `oversight changes`, and the data-quality
page's section): small extracts written by hand, the figures expected worked out below from the rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.policy.settings import settings
from metrics.report.changes import Changes, compare, months_covered
from metrics.report.views.changes import checks as shown_checks
from metrics.report.views.changes import figures as shown_figures
from metrics.report.views.changes import rows_by_table as shown_rows
from tests.conftest import BASE_TABLES, write_extract

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")

# The base extract (tests/conftest.py) taken on 30 April 2024. E1 (agency A1, RSC-I) is enrolled
# 2024-03-02 and discharged 2024-06-01: its weekly client-contact periods ending in March end on the
# 8th, 15th, 22nd and 29th. K1 (1 March) comes before its enrollment; K5 (10 March) meets the period of
# 9–15 March. So March's client-contact adherence of A1 is 1 period met of 4.
OLD_CONTACTS = BASE_TABLES["contacts"] + "K5,E1,S1,2024-03-10 11:00,client,phone\n"
# A month later: K6, a contact of 20 March entered after the fact (it meets the period of 16–22
# March: 2 of 4), and K7 of 2 May, after the older extract's date.
LATE_CONTACT = "K6,E1,S1,2024-03-20 09:00,client,in_person\n"
NEW_CONTACTS = OLD_CONTACTS + LATE_CONTACT + "K7,E1,S1,2024-05-02 09:00,client,phone\n"


def extract(root: Path, name: str, taken_on: str, **tables: str) -> Path:
    folder = write_extract(root / name, {**BASE_TABLES, **tables})
    (folder / "extract.toml").write_text(f"taken_on = {taken_on}\n", encoding="utf-8")
    return folder


def connected(folder: Path) -> duckdb.DuckDBPyConnection:
    from metrics.extract.loader import database_path

    return duckdb.connect(str(database_path(folder)), read_only=True)


def compared(old: Path, new: Path) -> Changes:
    return compare(connected(old), connected(new), settings())


def rows_of(changes: Changes, table: str) -> list[tuple]:
    frame = changes.rows_by_agency.filter(pl.col("table") == table)
    return frame.select("agency_id", "old", "new", "difference").rows()


@pytest.fixture
def late(tmp_path, cache) -> tuple[Path, Path]:
    return (extract(tmp_path, "2024-04-30", "2024-04-30", contacts=OLD_CONTACTS),
            extract(tmp_path, "2024-05-31", "2024-05-31", contacts=NEW_CONTACTS))


def test_the_months_compared_are_those_both_extracts_cover():
    assert months_covered(dt.date(2024, 4, 30), 3) == (dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1))
    # April is not over on the 29th: it is not covered.
    assert months_covered(dt.date(2024, 4, 29), 2) == (dt.date(2024, 2, 1), dt.date(2024, 3, 1))


def test_a_contact_entered_late_moves_its_months_adherence_and_nothing_else(late):
    changes = compared(*late)
    assert (changes.old_taken, changes.new_taken) == (dt.date(2024, 4, 30), dt.date(2024, 5, 31))
    # Only March's client-contact adherence of A1: 1 of 4 periods, now 2 of 4. The rows A1's adherence is
    # counted from (episodes, assignments, contacts) dated in March: E1 and E2 referred, E1's assignment,
    # K1, K2 (E2's attempt) and K5; now K6 too. K7 (May) is after the older extract's date: no figure compared sees it.
    assert changes.figures.rows(named=True) == [{
        "month": dt.date(2024, 3, 1), "agency_id": "A1", "figure": "client_contact", "measure": "adherence_agency",
        "old_met": 1, "old_due": 4, "old_value": 0.25, "new_met": 2, "new_due": 4, "new_value": 0.5,
        "rows_old": 6, "rows_new": 7, "rows_added": 1,
    }]
    assert not changes.unchanged


def test_rows_per_table_and_agency(late):
    changes = compared(*late)
    # Contacts are A1's through their episodes: K1, K2, K5 before; K6 and K7 added.
    assert rows_of(changes, "contacts") == [("A1", 3, 5, 2)]
    assert rows_of(changes, "clients") == [(None, 2, 2, 0)]  # clients belong to no agency
    assert rows_of(changes, "agencies") == [("A1", 1, 1, 0), ("A2", 1, 1, 0)]
    by_table = dict(zip(changes.rows_by_table()["table"], changes.rows_by_table()["difference"], strict=True))
    assert by_table == {"agencies": 0, "staff": 0, "clients": 0, "episodes": 0, "assignments": 0, "contacts": 2,
                        "care_plans": 0, "monitoring_visits": 0, "documentation_reviews": 0, "action_plans": 0,
                        "crs_enrollments": 0, "incidents": 0, "trainings": 0}


def test_a_rejected_row_is_counted_under_its_check_and_agency(tmp_path, cache):
    old = extract(tmp_path, "old", "2024-04-30", contacts=OLD_CONTACTS)
    # A contact of A1's episode E1 whose kind is no code of the contract; and one naming no episode.
    bad = OLD_CONTACTS + "K8,E1,S1,2024-03-21 09:00,visit,phone\nK9,E9,,2024-03-22 09:00,client,phone\n"
    new = extract(tmp_path, "new", "2024-04-30", contacts=bad)
    changes = compared(old, new)
    changed = changes.checks_by_agency.filter(pl.col("difference") != 0)
    assert changed.select("check", "severity", "agency_id", "old", "new", "difference").rows() == [
        ("unknown_code", "rejected", "A1", 0, 1, 1),
        ("unknown_reference", "rejected", None, 0, 1, 1),  # E9 is nowhere: no agency to name
    ]
    by_check = changes.checks().filter(pl.col("check").is_in(["unknown_code", "unknown_reference"]))
    assert by_check.rows() == [("unknown_code", "rejected", 0, 1, 1), ("unknown_reference", "rejected", 0, 1, 1)]
    # Accepted rows are unchanged: both new rows were rejected.
    assert rows_of(changes, "contacts") == [("A1", 3, 3, 0)]
    assert changes.figures.is_empty()


def test_an_agency_in_one_extract_only(tmp_path, cache):
    old = extract(tmp_path, "old", "2024-04-30")
    agencies = BASE_TABLES["agencies"] + "A3,Gamma Recovery,BHD,Milwaukee,2024-01-01\n"
    staff = BASE_TABLES["staff"] + "S3,A3,RSC-I,1.0,2024-04-01,\n"
    new = extract(tmp_path, "new", "2024-04-30", agencies=agencies, staff=staff)
    changes = compared(old, new)
    assert rows_of(changes, "agencies") == [("A1", 1, 1, 0), ("A2", 1, 1, 0), ("A3", 0, 1, 1)]
    assert rows_of(changes, "staff") == [("A1", 1, 1, 0), ("A2", 1, 1, 0), ("A3", 0, 1, 1)]
    # And gone again: the older extract holds it, the newer does not.
    back = compared(new, old)
    assert rows_of(back, "agencies")[-1] == ("A3", 1, 0, -1)


def test_identical_extracts_change_nothing(tmp_path, cache):
    first = extract(tmp_path, "first", "2024-04-30", contacts=OLD_CONTACTS)
    second = extract(tmp_path, "second", "2024-04-30", contacts=OLD_CONTACTS)
    changes = compared(first, second)
    assert changes.unchanged
    assert changes.figures.is_empty()
    assert changes.rows_by_agency["old"].to_list() == changes.rows_by_agency["new"].to_list()
    assert set(changes.rows_by_agency["difference"]) == {0}
    assert set(changes.checks_by_agency["difference"]) == {0}
    # What the base extract's checks find, as many rows in both: E1's discharge, its assignment's end and
    # S2's separation dated after 30 April; S1 and A1 with no contact in April while carrying E1; A1's
    # contacts falling from 3 in March to none in April; E2 referred on 5 March and never assigned.
    assert changes.checks().rows() == [
        ("dated_later", "warning", 3, 3, 0), ("quiet_staff", "warning", 1, 1, 0),
        ("quiet_agency", "warning", 1, 1, 0), ("volume_drop", "warning", 1, 1, 0),
        ("unassigned_referral", "warning", 1, 1, 0),
    ]


def test_while_presenting_a_small_difference_is_hidden_with_what_would_give_it_away():
    changes = Changes(
        dt.date(2024, 4, 30), dt.date(2024, 5, 31), months_covered(dt.date(2024, 4, 30)),
        pl.DataFrame({"table": ["contacts", "staff"], "agency_id": ["A1", "A1"], "old": [100, 40],
                      "new": [103, 60], "difference": [3, 20]}),
        pl.DataFrame(schema={"check": pl.String, "severity": pl.String, "agency_id": pl.String, "old": pl.Int64,
                             "new": pl.Int64, "difference": pl.Int64}),
        pl.DataFrame({"month": [dt.date(2024, 3, 1)] * 2, "agency_id": ["A1"] * 2,
                      "figure": ["client_contact", "rst_meeting"], "measure": ["adherence_agency"] * 2,
                      "old_met": [50, 5], "old_due": [100, 8], "old_value": [0.5, 0.625],
                      "new_met": [53, 9], "new_due": [100, 30], "new_value": [0.53, 0.3], "rows_old": [200] * 2,
                      "rows_new": [240] * 2, "rows_added": [40] * 2}),
    )
    shown = shown_rows(changes, public=True).filter(pl.col("old").is_not_null())
    # 100 + 3 = 103: the 3 is small, and 100 beside 103 would give it back, so 100 goes too; 40 + 20 = 60
    # hides nothing. Tables without a row stay 0 (zero says that nothing is counted).
    assert shown.filter(pl.col("table").is_in(["contacts", "staff"])).rows() == [
        ("staff", "40", "60", "20"), ("contacts", "*", "103", "<11")]
    assert shown_rows(changes, public=False).filter(pl.col("table") == "contacts").row(0) == ("contacts", 100, 103, 3)
    # A figure while presenting: its two rates, without the counts whose difference is 3 periods.
    figure = shown_figures(changes, {"A1": "Alpha Recovery"}, settings(), public=True).row(0, named=True)
    assert list(figure) == ["month", "agency_id", "agency", "figure", "label", "before", "now", "rows_old",
                            "rows_new", "rows_added"]
    assert (figure["before"], figure["now"], figure["rows_added"]) == ("50%", "53%", "40")
    # 5 of 8 rests on fewer than 11 periods, 9 of 30 on 9 met: both hidden.
    hidden = shown_figures(changes, {"A1": "Alpha Recovery"}, settings(), public=True).row(1, named=True)
    assert (hidden["before"], hidden["now"]) == ("Suppressed", "Suppressed")
    exact = shown_figures(changes, {"A1": "Alpha Recovery"}, settings(), public=False).row(0, named=True)
    assert (exact["before"], exact["now"]) == ("50% (50 of 100)", "53% (53 of 100)")
    assert (figure["agency"], figure["label"], figure["month"]) == ("Alpha Recovery", "Contact periods met",
                                                                     "March 2024")
    assert shown_checks(changes, settings(), public=True).is_empty()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_command_writes_the_changes_and_refuses_bad_input(late, tmp_path, capsys):
    old, new = late
    out = tmp_path / "changes"
    assert main(["changes", "--extract", str(new), "--since", str(old), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "from the extract of 2024-04-30 to that of 2024-05-31" in printed
    assert "1 table changed in rows" in printed and "1 figure of past months moved" in printed
    assert sorted(p.name for p in out.iterdir()) == ["checks.csv", "checks_by_agency.csv", "figures_changed.csv",
                                                    "rows_by_agency.csv", "rows_by_table.csv"]
    assert _read(out / "figures_changed.csv") == [{
        "month": "2024-03-01", "agency_id": "A1", "figure": "client_contact", "measure": "adherence_agency",
        "old_met": "1", "old_due": "4", "old_value": "0.25", "new_met": "2", "new_due": "4", "new_value": "0.5",
        "rows_old": "6", "rows_new": "7", "rows_added": "1",
    }]
    contacts = [row for row in _read(out / "rows_by_agency.csv") if row["table"] == "contacts"]
    assert contacts == [{"table": "contacts", "agency_id": "A1", "old": "3", "new": "5", "difference": "2"}]
    assert list(_read(out / "rows_by_table.csv")[0]) == ["table", "old", "new", "difference"]
    assert list(_read(out / "checks.csv")[0]) == ["check", "severity", "old", "new", "difference"]
    # The older one given as the newer: refused in words, exit status 2, no traceback.
    assert main(["changes", "--extract", str(old), "--since", str(new), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "--since names the older extract" in error and "Traceback" not in error
    assert main(["changes", "--extract", str(new), "--since", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "nowhere" in capsys.readouterr().err
    # An extract with nothing to report on is named by its option.
    empty = extract(tmp_path, "empty", "2024-04-30", contacts="contact_id,episode_id,staff_id,contact_at,kind,mode\n")
    assert main(["changes", "--extract", str(new), "--since", str(empty), "--out", str(out)]) == 2
    assert f"--since {empty}: no accepted rows in the core table contacts" in capsys.readouterr().err


def test_the_data_quality_page_compares_the_served_extract_with_the_previous(late, monkeypatch):
    from metrics.extract.extracts import watched

    root = late[0].parent
    folder = watched(root, quiet=0)
    folder.check()
    folder.build_previous()
    monkeypatch.setenv("OVERSIGHT_EXTRACTS", str(root))
    monkeypatch.setenv("OVERSIGHT_EXTRACTS_QUIET", "0")
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("app_pages/data_quality.py").run()
    assert not app.exception
    captions = [c.value for c in app.caption]
    assert any("Compared with the extract of 30 April 2024 (folder 2024-04-30)" in c for c in captions)
    texts = [t.value for t in app.info] + [t.value for t in app.success]
    assert any("1 figure of past months moved" in t for t in texts)
    figures = [frame.value for frame in app.dataframe if "Contact periods met" in frame.value.to_string()]
    assert len(figures) == 1
    folder.stop()


def test_one_extract_served_has_no_previous(late, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(late[1]))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("app_pages/data_quality.py").run()
    assert not app.exception
    assert any("there is no previous extract to compare it with" in t.value for t in app.info)
