"""One Excel workbook of the tables a page offers, with a sheet that says what they hold.

A sheet per table, each an Excel table with a header row: numbers as numbers (rates in a percent
format), dates as dates, text as text (never read as a formula or a link: no cell can run
anything, as in the CSVs of ``metrics.report.export``). In a public table a count shown as
"<11" or "*" stays text and every other count is a number. The first sheet, "About these
figures", names the extract, the report date, the filters and the mode the figures were made
in, and each table's measure with its definition in one sentence. Columns of long text (a rule, a
reason) are kept to a readable width, their text wrapped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

import polars as pl
from xlsxwriter import Workbook  # type: ignore[import-untyped]  # xlsxwriter ships no types

ABOUT_SHEET = "About these figures"
# Columns holding a share (0 to 1): shown as percentages.
PERCENT_COLUMNS = ("rate", "adherence", "pct_met", "ci_low", "ci_high", "utilization")
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SHEET_NAME_MAX = 31  # Excel's limit
# A text column with a value longer than this many characters is kept to WRAPPED_WIDTH_PIXELS, wrapped:
# fitted to its longest value, a sentence would push the other columns out of view.
WRAP_AT_CHARS = 60
WRAPPED_WIDTH_PIXELS = 430
# A count as a public table shows it: the number, "<11" or "*".
_COUNT_TEXT = r"^(\d+|<\d+|\*)$"
_WORKBOOK_OPTIONS = {
    "in_memory": True,
    # Text stays text: never a formula, a link or a number Excel guessed.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "default_date_format": DATE_FORMAT,
}


def sheet_names(names: Iterable[str], taken: Iterable[str] = (ABOUT_SHEET,)) -> dict[str, str]:
    """Each table's sheet: its name without the characters Excel refuses, at most 31 characters,
    and unique in the workbook (Excel compares sheet names ignoring case)."""
    used = {name.lower() for name in taken}
    sheets: dict[str, str] = {}
    for name in names:
        base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "table"
        sheet, number = base[:SHEET_NAME_MAX], 1
        while sheet.lower() in used:
            number += 1
            suffix = f"~{number}"
            sheet = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(sheet.lower())
        sheets[name] = sheet
    return sheets


def workbook(tables: dict[str, pl.DataFrame], about: dict[str, str] | None = None,
             definitions: dict[str, str] | None = None, *, counts_as_numbers: bool = True) -> bytes:
    """The .xlsx file of ``tables`` (name -> table, in order), after a sheet listing ``about``
    (item -> value) and, for each table, its definition (``definitions``, by table name); without
    ``about``, the tables alone. ``counts_as_numbers``: a text column holding only counts (a public
    table's, "<11" among them) has its numbers written as numbers; off for tables of an extract's
    own values, where a text "007" is not the number 7."""
    buffer = io.BytesIO()
    book = Workbook(buffer, _WORKBOOK_OPTIONS)
    sheets = sheet_names(tables, taken=() if about is None else (ABOUT_SHEET,))
    if about is not None:
        _about_sheet(book, about, {name: (definitions or {}).get(name, "") for name in tables}, sheets)
    for name, frame in tables.items():
        _table_sheet(book, sheets[name], frame, counts_as_numbers)
    book.close()
    return buffer.getvalue()


def _about_sheet(book: Workbook, about: dict[str, str], definitions: dict[str, str], sheets: dict[str, str]) -> None:
    sheet = book.add_worksheet(ABOUT_SHEET)
    bold = book.add_format({"bold": True})
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 100, wrapped)
    sheet.write_string(0, 0, ABOUT_SHEET, book.add_format({"bold": True, "font_size": 14}))
    row = 2
    for item, value in about.items():
        sheet.write_string(row, 0, item, bold)
        sheet.write_string(row, 1, value, wrapped)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Table", bold)
    sheet.write_string(row, 1, "What it counts", bold)
    for name, definition in definitions.items():
        row += 1
        # The table's name leads to its sheet.
        sheet.write_url(row, 0, f"internal:'{sheets[name]}'!A1", string=name)
        if definition:
            sheet.write_string(row, 1, definition, wrapped)


def _table_sheet(book: Workbook, sheet_name: str, frame: pl.DataFrame, counts_as_numbers: bool) -> None:
    if frame.width == 0:
        book.add_worksheet(sheet_name)
        return
    frame = frame.with_columns(
        # Excel has no time zones: a timestamp is written as the clock read in its own zone.
        [pl.col(name).dt.replace_time_zone(None) for name, dtype in frame.schema.items()
         if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None]
        + [pl.col(name).cast(pl.String) for name, dtype in frame.schema.items()
           if isinstance(dtype, pl.Categorical | pl.Enum)]
    )
    wrapped = [name for name, dtype in frame.schema.items()
               if dtype == pl.String and (frame[name].str.len_chars() > WRAP_AT_CHARS).any()]
    frame.write_excel(
        book,
        sheet_name,
        table_style="Table Style Light 1",
        column_formats={
            **{name: PERCENT_FORMAT for name, dtype in frame.schema.items()
               if name in PERCENT_COLUMNS and dtype.is_numeric()},
            **{name: {"text_wrap": True} for name in wrapped},
        },
        dtype_formats={pl.Date: DATE_FORMAT, pl.Datetime: DATETIME_FORMAT},
        float_precision=2,
        autofit=True,
        column_widths=dict.fromkeys(wrapped, WRAPPED_WIDTH_PIXELS),
        freeze_panes=(1, 0),
    )
    if counts_as_numbers:
        _counts_as_numbers(book.get_worksheet_by_name(sheet_name), frame)


def _counts_as_numbers(sheet: Any, frame: pl.DataFrame) -> None:
    """In a public table the counts are text ("<11" among the numbers): each that is a number is
    written again as one, so that a spreadsheet can sum them; the markers stay text."""
    for index, (name, dtype) in enumerate(frame.schema.items()):
        column = frame[name]
        if dtype != pl.String or not column.drop_nulls().len() or not column.drop_nulls().str.contains(
            _COUNT_TEXT
        ).all():
            continue
        for row, value in enumerate(column.to_list(), start=1):
            if value is not None and value.isdigit():
                sheet.write_number(row, index, int(value))
