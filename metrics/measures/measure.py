"""What the registry declares of a measure, as data: how it is computed, what it counts for
suppression, where it is explained and shown, and its headline figures and slide.

Nothing here computes a figure or draws a chart; ``metrics.measures.registry`` declares every
measure with these types, and the command line, the dashboard and the deck read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import duckdb
import polars as pl

from metrics.disclosure.suppression import Counted
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings

Compute = Callable[[duckdb.DuckDBPyConnection, Filters], pl.DataFrame]
# Words that state a policy number are written from the settings, so that an override changes them.
Wording = str | Callable[[Settings], str]


def worded(text: Wording, settings: Settings) -> str:
    return text if isinstance(text, str) else text(settings)


# What a measure counts decides whether it may be shown outside the agency. Each measure makes
# this choice explicitly: there is no default.
@dataclass(frozen=True)
class People:
    """Its figures count clients or what happens to them: those resting on 1 to
    ``suppression_max_count`` people are suppressed by the rules of ``metrics.disclosure``."""

    counted: Counted


@dataclass(frozen=True)
class Organisations:
    """Its figures count agencies, programs, staff, plans or deadlines: shown whatever their size."""

    why: str


@dataclass(frozen=True)
class ShownWith:
    """Its rows are drawn, not counted (the steps of a curve): outside the agency a row is drawn
    only where the rows of ``measure`` with the same ``keys`` may be shown."""

    measure: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class PerPerson:
    """One row per client record or staff member, for the agency's own work: no count to suppress,
    and ``why`` says where it is shown."""

    why: str


Counts = People | Organisations | ShownWith | PerPerson


@dataclass(frozen=True)
class Headline:
    """A figure of the overview and the deck, computed from the rows of the measure it is declared on."""

    key: str
    label: Wording
    compute: Callable[[pl.DataFrame], float | int | None]
    percent: bool = False
    higher_is_better: bool = True
    help: Wording = ""
    # Rates are taken over a counting window (the overview's, or the deck's quarter up to the report
    # date); counts are snapshots on it.
    windowed: bool = False
    # A rate's (numerator, denominator), people or their contact periods; None for counts of
    # agencies, staff, programs and plans, which are shown whatever their size.
    counts: Callable[[pl.DataFrame], tuple[int, int]] | None = None
    # What one of a rate's denominator is, in words ("referral"): "rests on 14 referrals".
    of: str = ""
    # A count of people or of what happens to them (incidents): the column of its measure's rows it
    # adds up. Outside the agency it is hidden when 1 to ``suppression_max_count``, or when beside
    # the rows a chart may show it would give a hidden one away (metrics.report.headlines).
    people: str | None = None
    measure: str = ""  # the measure it is declared on; the registry fills it in


def rate_headline(key: str, label: Wording, rows: pl.Expr, met: str, due: str, of: str,
                  help: Wording = "") -> Headline:
    """A share over the counting window: the ``met`` of the chosen rows over their ``due``, each
    ``due`` one ``of`` (a referral, a contact period)."""

    def counts(frame: pl.DataFrame) -> tuple[int, int]:
        chosen = frame.filter(rows)
        return int(chosen[met].sum()), int(chosen[due].sum())

    def share(frame: pl.DataFrame) -> float | None:
        numerator, denominator = counts(frame)
        return numerator / denominator if denominator else None

    return Headline(key, label, share, percent=True, help=help, windowed=True, counts=counts, of=of)


def count_rows(condition: pl.Expr) -> Callable[[pl.DataFrame], int]:
    return lambda frame: int(frame.filter(condition).height)


def people_headline(key: str, label: Wording, column: str, help: Wording = "") -> Headline:
    """A count of what happens to people (incidents) over the counting window, the sum of ``column``:
    fewer is better."""
    return Headline(key, label, lambda frame: int(frame[column].sum()), higher_is_better=False, help=help,
                    windowed=True, people=column)


# The charts a slide can carry, as data; ``metrics.report.slides`` draws them.
@dataclass(frozen=True)
class UtilizationBars:
    """Caseload against capacity per agency and role."""


@dataclass(frozen=True, eq=False)
class RatesWithIntervals:
    """One bar per agency and service level for the chosen rows, with its 95% interval."""

    rows: pl.Expr
    value: str
    title: str
    axis_noun: str  # the axis reads "<noun> (95% interval)", at the settings' confidence level


@dataclass(frozen=True, eq=False)
class SurvivalCurves:
    """The share not yet reached by hours since referral, against the first-contact standard (the
    emergency one for emergency referrals)."""

    rows: pl.Expr
    title: str
    emergency: bool = False


@dataclass(frozen=True)
class MilestoneBars:
    """A group of horizontal bars per agency and service level, a bar per care-coordination milestone
    (in its words): the share met, on a 0–100% axis."""

    title: str


@dataclass(frozen=True)
class DueDates:
    """Each program's next due date on a date axis, the report date marked, by status: its next
    monitoring visit, or (``review``) its next annual documentation review."""

    title: str
    review: bool = False


# Whose words name the segments of stacked bars (metrics.report.labels), and so their colours: a
# status's own (worst first), or for categories one series colour and pattern each.
Segments = Literal["plan_status", "deadline_status", "orientation_status", "incident_category"]


@dataclass(frozen=True)
class StackedBars:
    """Per agency, a horizontal bar of its rows stacked by ``column``, a segment per value in the words of
    ``segments``; the agencies with most rows in the first status (the worst) come first, or, for
    categories, those with most rows. ``value`` is the column added up, when a row is itself a count."""

    title: str
    noun: str  # what a row is, on the axis: "plans"
    segments: Segments
    column: str = "status"
    value: str | None = None


Chart = UtilizationBars | RatesWithIntervals | SurvivalCurves | MilestoneBars | DueDates | StackedBars


@dataclass(frozen=True)
class Slide:
    """A page of the quarterly deck: the measure's chart beside one of the headlines."""

    title: str
    headline: str  # the key of a headline in the registry
    chart: Chart
    measure: str = ""  # the measure whose rows the chart draws; the registry fills it in


@dataclass(frozen=True)
class Measure:
    """One table `oversight metrics` writes, and everything the project says and shows of it."""

    name: str  # its file is <name>.csv
    compute: Compute
    counts: Counts
    definition: str  # its section of docs/measures.md, by slug
    page: str | None  # the dashboard page that shows it
    description: str
    # The columns the metric definitions fix, in their order; more may follow.
    contract_columns: tuple[str, ...] = ()
    headlines: tuple[Headline, ...] = ()
    slides: tuple[Slide, ...] = ()  # its pages of the quarterly deck
    # The tables of the extract it is counted from: those its queries read, through the tables
    # stored at load (tests/test_registry.py holds each declaration to the SQL). A row rejected
    # from one of them is a row it is counted without (the data-quality page's root causes).
    reads: tuple[str, ...] = ()
    # The optional tables among ``reads`` without which it would count nothing (or everything) as
    # missing: its page says the table is absent rather than show it, and so should the deck and
    # the overview.
    needs: tuple[str, ...] = ()
