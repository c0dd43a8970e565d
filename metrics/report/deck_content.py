"""What the quarterly CRS meeting deck says: a title page, an agenda, one slide per registry
slide (its chart, headline figure, change from the previous quarter and one-sentence
definition, with the whole definition as speaker notes), data notes and a page on the figures.

``deck_content`` decides it once; ``metrics.report.deck_pdf`` and ``metrics.report.deck_pptx``
lay the same content out, so both formats carry the same figures, suppression and access.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import plotly.graph_objects as go
import polars as pl

from metrics.disclosure.suppression import public_rows, suppress_counts
from metrics.extract import quality
from metrics.measures.docs import definition_text, first_sentence, plain
from metrics.measures.measure import People, ShownWith, Slide, worded
from metrics.measures.registry import BY_NAME, HEADLINE_BY_KEY, OVERSIGHT_OF_PAGE, SLIDES
from metrics.policy.filters import Filters
from metrics.policy.quarters import Quarter
from metrics.policy.settings import settings
from metrics.policy.window import QUARTER, Window, previous_quarter
from metrics.report.deck_notes import data_notes, how_many, notes_text
from metrics.report.headlines import (
    change_text,
    format_value,
    headline_filters,
    headline_value,
)
from metrics.report.scorecard import ScoreRow, scorecard
from metrics.report.slides import hidden_note, slide_figure, slide_rows

ROW = "_row"  # numbers a slide's rows, to tell those a chart may draw from those it must mark hidden
NOTE_LINES, NOTE_LINE_CHARACTERS = 16, 120
OVERSIGHT_NAMES = {"BHD": "BHD care coordination", "DCTS": "DCTS oversight of CRS programs"}


@dataclass(frozen=True)
class MeasurePage:
    """One slide: a measure's chart beside its headline figure."""

    slide: Slide
    value: str  # the headline figure as the pages write it ("81%", "Suppressed", "3")
    label: str
    change: str  # since the quarter before, in words
    definition: str  # one sentence, on the slide
    left_out: str | None  # the agencies suppression left out of the chart, in words
    figure: go.Figure
    notes: str  # the speaker notes: the whole definition, and what the chart leaves out


@dataclass(frozen=True)
class AgencyScorecard:
    """The scorecard of the one agency a deck is for, for its contract meeting."""

    agency: str
    caption: str
    rows: tuple[ScoreRow, ...]


@dataclass(frozen=True)
class DeckContent:
    quarter: Quarter
    title: str
    when: str  # the meeting's day and hours
    audience: str | None  # the agencies a deck for some agencies only is for
    scope: str  # the report date and the comparison, in words
    agenda: tuple[tuple[str, tuple[str, ...]], ...]  # each part of the meeting and its slides
    pages: tuple[MeasurePage, ...]
    scorecard: AgencyScorecard | None  # a deck for one agency only
    data_notes: tuple[tuple[str, ...], ...]  # the notes, a page of them at a time
    about: str


def chart_rows(measure: str, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """The rows a deck may show: none resting on 1 to 10 people, or leaving 1 to 10 out, by what
    the registry says the measure counts. A chart cannot print "<11", so such a row is left out.

    A curve (of first contact) is drawn for an agency only when the counts it follows may be shown.
    """
    counts = BY_NAME[measure].counts
    if isinstance(counts, People):
        return public_rows(frame, counts.counted)
    if isinstance(counts, ShownWith):
        followed = BY_NAME[counts.measure]
        shown = chart_rows(counts.measure, followed.compute(con, filters), con, filters)
        return frame.join(shown.select(*counts.keys), on=list(counts.keys), how="semi")
    return frame


def _oversight(slide: Slide) -> str:
    """BHD or DCTS: the oversight of the page that shows the slide's measure."""
    return OVERSIGHT_OF_PAGE[BY_NAME[slide.measure].page or ""]


def _slides(con: duckdb.DuckDBPyConnection, agencies: tuple[str, ...] | None) -> tuple[Slide, ...]:
    """The registry's slides of the oversights the deck's agencies fall under, and of the tables
    the extract has: a deck for a BHD agency has no page of DCTS programs, nor a deck of an extract
    without incidents a page of them, where either could only say there are none (the data notes
    name an absent table)."""
    listed = con.cursor().sql("SELECT agency_id, oversight FROM agencies").pl()
    if agencies is not None:
        listed = listed.filter(pl.col("agency_id").is_in(list(agencies)))
    oversights = set(listed["oversight"].to_list())
    summary = quality.load_summary(con)
    tables = set(summary.filter(pl.col("present"))["table"].to_list())
    return tuple(
        slide for slide in SLIDES
        if _oversight(slide) in oversights
        and all(set(BY_NAME[name].needs) <= tables
                for name in (slide.measure, HEADLINE_BY_KEY[slide.headline].measure))
    )


def _page(con: duckdb.DuckDBPyConnection, slide: Slide, filters: Filters, earlier: Filters,
          labels: dict[str, str]) -> MeasurePage:
    rules = settings()
    headline = HEADLINE_BY_KEY[slide.headline]
    counted = headline_filters(filters, headline)
    rows = BY_NAME[slide.measure].compute(con, counted).with_row_index(ROW)
    shown = chart_rows(slide.measure, rows, con, counted)
    hidden = rows.filter(~pl.col(ROW).is_in(shown[ROW].implode())).drop(ROW)
    left_out = hidden.filter(slide_rows(slide.chart))
    left_out_note = hidden_note(left_out, labels) if not left_out.is_empty() else None

    compute = BY_NAME[headline.measure].compute
    # Most slides draw the rows their headline counts: those are computed once.
    counted_rows = rows.drop(ROW) if headline.measure == slide.measure else compute(con, counted)
    now = headline_value(headline, counted_rows, public=True)
    then = headline_value(headline, compute(con, headline_filters(earlier, headline)), public=True)
    change = change_text(headline, now, then)
    # A slide is explained by its headline's measure.
    section = BY_NAME[headline.measure].definition
    notes = plain(definition_text(section, rules))
    if left_out_note is not None:
        notes += "\n\n" + left_out_note
    return MeasurePage(
        slide=slide,
        value=format_value(headline, now),
        label=worded(headline.label, rules),
        change=f"{change} since {earlier.as_of:%d %B %Y}" if change else "No earlier figure",
        definition=first_sentence(section),
        left_out=left_out_note,
        figure=slide_figure(slide.chart, shown.drop(ROW), hidden, labels, filters.as_of),
        notes=notes,
    )


def _in_pages(notes: list[str]) -> tuple[tuple[str, ...], ...]:
    """The notes a page at a time, so that none runs off its slide: at most ``NOTE_LINES`` lines of
    about ``NOTE_LINE_CHARACTERS`` characters each (the size both formats write them at)."""
    pages: list[list[str]] = [[]]
    lines = 0
    for note in notes:
        height = -(-len(note) // NOTE_LINE_CHARACTERS)
        if pages[-1] and lines + height > NOTE_LINES:
            pages.append([])
            lines = 0
        pages[-1].append(note)
        lines += height
    return tuple(tuple(page) for page in pages)


def _about(con: duckdb.DuckDBPyConnection, extract_name: str, agencies: tuple[str, ...] | None) -> str:
    first, last = quality.extract_span(con)
    if agencies is None:
        summary = quality.load_summary(con)
        # Rows of the extract are records of clients: a small count of them is suppressed too.
        rejected = suppress_counts(summary.select(pl.col("rejected").sum()), ["rejected"]).display["rejected"].item()
        checked = (
            f"{summary['accepted'].sum():,} rows were accepted and {how_many(rejected, 'row')[0]} rejected by "
            "the checks of the extract contract; rejected rows are left out of every figure."
        )
    else:
        # The checks cover every agency of the extract: an agency's deck does not count them.
        checked = "Rows rejected by the checks of the extract contract are left out of every figure."
    smallest = settings().suppression_max_count
    return (
        f"Extract {extract_name}: events from {first:%d %B %Y} to {last:%d %B %Y}. {checked}\n\n"
        f"Small numbers are suppressed: a figure resting on 1 to {smallest} clients, referrals, contact "
        "periods, care plans or incidents is left out of the charts, and so is a rate that leaves 1 to "
        f"{smallest} out (95 of 100 would say 5 were not). Such a headline reads "
        '"Suppressed". Counts of programs, plans and staff are about the organisations and are shown.\n\n'
        "Each figure is counted as of the end of the report date. Rates carry 95% intervals. The definitions, and "
        "the policy rule behind each, are in the dashboard beside every chart and in each slide's speaker notes."
    )


def _scorecard(con: duckdb.DuckDBPyConnection, agency: str, quarter: Quarter,
               labels: dict[str, str]) -> AgencyScorecard:
    """The agency's scorecard over the quarter the meeting reviews, and the four before it, as
    the deck shows figures: small numbers suppressed."""
    (oversight,), = con.cursor().execute("SELECT oversight FROM agencies WHERE agency_id = ?", [agency]).fetchall()
    counted = Window(QUARTER).counted(Filters(as_of=quarter.as_of))
    rows = scorecard(agency, oversight, counted, lambda name, f: BY_NAME[name].compute(con, f), True, settings())
    return AgencyScorecard(
        labels.get(agency, agency),
        f"Against the contract targets: the quarter to {quarter.as_of:%d %B %Y} (Now) and each of the four "
        "quarters to its end, each over that quarter.",
        tuple(rows),
    )


def deck_content(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    extract_name: str,
    labels: dict[str, str],
    agencies: tuple[str, ...] | None = None,
) -> DeckContent:
    """What the deck for this quarter's CRS meeting says, for ``agencies`` (None: every agency)."""
    rules = settings()
    filters = Filters(as_of=quarter.as_of, agencies=agencies)
    earlier = replace(filters, as_of=previous_quarter(filters.as_of))
    slides = _slides(con, agencies)
    card = _scorecard(con, agencies[0], quarter, labels) if agencies is not None and len(agencies) == 1 else None
    pages = tuple(_page(con, slide, filters, earlier, labels) for slide in slides)
    parts = tuple(
        (OVERSIGHT_NAMES[oversight], titles)
        for oversight in OVERSIGHT_NAMES
        if (titles := tuple(s.title for s in slides if _oversight(s) == oversight))
    )
    return DeckContent(
        quarter=quarter,
        title="Community Recovery Services: quarterly meeting",
        when=f"{quarter.meeting_date:%A %d %B %Y}, {rules.crs_meeting_hours}",
        audience=None if agencies is None else "For " + ", ".join(sorted(labels.get(a, a) for a in agencies)),
        scope=(
            f"Figures as of {quarter.as_of:%d %B %Y}, the end of the quarter under review; each change is "
            f"against {earlier.as_of:%d %B %Y}. Rates cover the quarter; counts are on its last day."
        ),
        agenda=(
            *((("The agency against its contract", ("Scorecard",)),) if card is not None else ()),
            *parts,
            ("Data notes and questions", ("Data notes", "About these figures")),
        ),
        pages=pages,
        scorecard=card,
        data_notes=_in_pages(notes_text(data_notes(con, filters, earlier, labels, agencies))),
        about=_about(con, extract_name, agencies),
    )
