"""The quarterly deck's data notes: one plain sentence for each thing a program manager should read
with care before the meeting. In this order: an agency's rate that moved sharply since the quarter
before, a rate resting on few cases, rows dated after the extract was taken, an optional table the
extract lacks, and rows the contract's checks rejected.

The deck is public: a note writes no figure the deck's headlines and charts would suppress
(``metrics.disclosure.suppression``), and a deck for some agencies speaks of no other agency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from metrics.disclosure.suppression import COMPLEMENTARY_MARKER, small_marker, suppress_counts
from metrics.extract import quality, schema
from metrics.measures.measure import Headline, worded
from metrics.measures.registry import BY_NAME, HEADLINE_BY_KEY, SLIDES
from metrics.policy.filters import Filters
from metrics.policy.settings import settings
from metrics.policy.wording import count_text
from metrics.report.headlines import SUPPRESSED, change_text, format_value, headline_filters, headline_value
from metrics.store.db import query

MOVED, FEW_CASES, DATED_LATER, ABSENT_TABLE, REJECTED = "moved", "few_cases", "dated_later", "absent_table", "rejected"

# A rate headline's (numerator, denominator) from its measure's rows.
RateCounts = Callable[[pl.DataFrame], tuple[int, int]]
# The start of the loader's reason for a row dated after the extract was taken
# (metrics.extract.loader._warn_of_later_rows), which ends with the extract's date.
DATED_LATER_REASON = "dated after the extract was taken"


@dataclass(frozen=True)
class DataNote:
    kind: str  # MOVED, FEW_CASES, DATED_LATER, ABSENT_TABLE or REJECTED
    agency_id: str | None  # the agency the note is about; None for the whole extract
    text: str  # one sentence, naming the agency by its label and the figure


def how_many(shown: str, noun: str) -> tuple[str, bool]:
    """A count as a sentence says it, from the text suppression shows for it ("14", "<11", "*"), and
    whether it is one (for the verb). A small count reads as the deck's last page words it,
    "1 to 10"; one hidden to protect another is known to be more than that."""
    limit = settings().suppression_max_count
    if shown == small_marker():
        return f"1 to {limit} {noun}s", False
    if shown == COMPLEMENTARY_MARKER:
        return f"more than {limit} {noun}s", False
    return f"{count_text(shown)} {noun}{'' if shown == '1' else 's'}", shown == "1"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _by_agency(frame: pl.DataFrame, agencies: tuple[str, ...] | None) -> dict[str, pl.DataFrame]:
    """A measure's rows of each agency (of ``agencies`` only, when given)."""
    return {key[0]: rows for key, rows in frame.partition_by("agency_id", as_dict=True).items()
            if agencies is None or key[0] in agencies}


def _points(now: float | int | str | None, before: float | int | str | None) -> float | None:
    """How far a rate moved, in percentage points; None when either figure is unknown or suppressed."""
    if isinstance(now, float | int) and isinstance(before, float | int):
        # Rounded, so that a move of exactly the setting (0.65 − 0.5 is 0.15000000000000002) is
        # not taken for more than it.
        return round((now - before) * 100, 9)
    return None


def _rate_notes(con: duckdb.DuckDBPyConnection, headline: Headline, counts: RateCounts, filters: Filters,
                earlier: Filters, labels: dict[str, str],
                agencies: tuple[str, ...] | None) -> tuple[list[DataNote], list[DataNote]]:
    """The moves and the few cases of one rate headline (``counts``: its own), agency by agency,
    over the quarter as the deck counts it (``headline_filters``)."""
    rules = settings()
    compute = BY_NAME[headline.measure].compute
    now = _by_agency(compute(con, headline_filters(filters, headline)), agencies)
    then = _by_agency(compute(con, headline_filters(earlier, headline)), agencies)
    label = worded(headline.label, rules)
    moved, few = [], []
    for agency in sorted(now, key=lambda a: labels.get(a, a)):
        name = labels.get(agency, agency)
        value = headline_value(headline, now[agency], public=True)
        before = headline_value(headline, then[agency], public=True) if agency in then else None
        points = _points(value, before)
        if points is not None and abs(points) > rules.deck_note_move_points:
            moved.append(DataNote(MOVED, agency, (
                f"{label} at {name} moved from {format_value(headline, before)} to {format_value(headline, value)} "
                f"({change_text(headline, value, before)}) since {earlier.as_of:%d %B %Y}.")))
        _, due = counts(now[agency])
        # Only a rate the deck shows: one resting on 1 to 10 is suppressed, and its slide says so.
        if value != SUPPRESSED and 0 < due < rules.deck_note_few_cases:
            cases, _ = how_many(str(due), headline.of)
            few.append(DataNote(FEW_CASES, agency, f"{label} at {name} rests on {cases}: read it with care."))
    return moved, few


def _rate_headlines() -> list[tuple[Headline, RateCounts]]:
    """The rate headlines of the deck's slides, in their order, each once, with their counts."""
    headlines = [HEADLINE_BY_KEY[key] for key in dict.fromkeys(slide.headline for slide in SLIDES)]
    return [(headline, headline.counts) for headline in headlines if headline.percent and headline.counts is not None]


def _dated_later_notes(con: duckdb.DuckDBPyConnection, labels: dict[str, str],
                       agencies: tuple[str, ...] | None) -> list[DataNote]:
    """Rows accepted though dated after the extract was taken, per table and agency.

    Rows of the extract are records of clients and their care, so their counts are suppressed
    like counts of people (as on the data-quality page while presenting), each on its own: the
    deck shows no total of them that a hidden count could be worked out from.
    """
    taken = quality.extract_date(con)
    counts = query(con, "dated_later_rows", dated_later=DATED_LATER_REASON,
                   agencies=None if agencies is None else list(agencies))
    order = {table.name: index for index, table in enumerate(schema.load_order())}
    shown = suppress_counts(counts, ["rows"]).display.with_columns(
        pl.col("table").replace_strict(order, return_dtype=pl.Int64).alias("order"),
        pl.col("agency_id").replace(labels).alias("name"),
    ).sort("order", "name", nulls_last=True)
    notes = []
    for table, agency, rows, name in shown.select("table", "agency_id", "rows", "name").iter_rows():
        amount, one = how_many(rows, "row")
        where = f" at {name}" if agency is not None else ""
        rest = "it counts from its own date" if one else "they count from their own dates"
        notes.append(DataNote(DATED_LATER, agency, _sentence(
            f"{amount} of the {table} table{where} {'is' if one else 'are'} dated after the extract was taken "
            f"({taken:%d %B %Y}); {rest}.")))
    return notes


def _absent_notes(summary: pl.DataFrame) -> list[DataNote]:
    """An optional table the extract lacks, and the slides left out for want of it (those of the
    measures that need it, ``Measure.needs``)."""
    notes = []
    for table in summary.filter(~pl.col("present"))["table"]:
        left_out = [slide.title for slide in SLIDES if table in BY_NAME[slide.measure].needs]
        consequence = (f"the slide{'s' if len(left_out) > 1 else ''} {', '.join(left_out)} "
                       f"{'are' if len(left_out) > 1 else 'is'} left out" if left_out
                       else "any figure that draws on it is counted without it")
        notes.append(DataNote(ABSENT_TABLE, None, f"This extract has no {table} table (an optional one): "
                                                  f"{consequence}."))
    return notes


def _rejected_notes(summary: pl.DataFrame) -> list[DataNote]:
    """Rows rejected per table. Suppressed as rows of the extract, with the extract's total that
    the deck's last page prints as the sum of the tables', so that no hidden count is that total
    less the others."""
    per_table = summary.select("table", "rejected")
    total = per_table.select(pl.lit(None, pl.String).alias("table"), pl.col("rejected").sum())
    with_total = pl.concat([per_table, total])
    shown = suppress_counts(with_total, ["rejected"], total_row=True).display["rejected"].to_list()
    # One note for every table: a line each would fill a page with "1 to 10 rows of ...".
    parts = [f"{how_many(rows, 'row')[0]} of the {table} table"
             for table, rejected, rows in zip(per_table["table"], per_table["rejected"], shown[:-1], strict=True)
             if rejected]
    if not parts:
        return []
    return [DataNote(REJECTED, None, "Rejected by the checks of the extract contract and left out of every figure: "
                     + "; ".join(parts) + ".")]


def data_notes(con: duckdb.DuckDBPyConnection, filters: Filters, earlier: Filters, labels: dict[str, str],
               agencies: tuple[str, ...] | None) -> list[DataNote]:
    """The deck's data notes for ``filters`` (the quarter's end) against ``earlier`` (a quarter
    before), agencies named by ``labels``; with ``agencies``, only notes about them.

    A rejected row is not kept with its agency, so a deck for some agencies has no rejected notes
    (its last page says only that rejected rows are left out).
    """
    moved, few = [], []
    for headline, counts in _rate_headlines():
        headline_moved, headline_few = _rate_notes(con, headline, counts, filters, earlier, labels, agencies)
        moved += headline_moved
        few += headline_few
    summary = quality.load_summary(con)
    rejected = _rejected_notes(summary) if agencies is None else []
    return [*moved, *few, *_dated_later_notes(con, labels, agencies), *_absent_notes(summary), *rejected]


def notes_text(notes: list[DataNote]) -> list[str]:
    """The notes' sentences, in order, for a page of the deck."""
    return [note.text for note in notes]
