"""What the registry declares of a measure, as data: how it is computed, what it counts for
suppression, where it is explained and shown, and its headline figures and slide.

Nothing here computes a figure or draws a chart; ``metrics.measures.registry`` declares every
measure with these types, and the command line, the dashboard and the deck read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    measure: str = ""  # the measure it is declared on; the registry fills it in


def rate_headline(key: str, label: Wording, rows: pl.Expr, met: str, due: str, help: Wording = "") -> Headline:
    """A share over the counting window: the ``met`` of the chosen rows over their ``due``."""

    def counts(frame: pl.DataFrame) -> tuple[int, int]:
        chosen = frame.filter(rows)
        return int(chosen[met].sum()), int(chosen[due].sum())

    def share(frame: pl.DataFrame) -> float | None:
        numerator, denominator = counts(frame)
        return numerator / denominator if denominator else None

    return Headline(key, label, share, percent=True, help=help, windowed=True, counts=counts)


def count_rows(condition: pl.Expr) -> Callable[[pl.DataFrame], int]:
    return lambda frame: int(frame.filter(condition).height)


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
class DueDates:
    title: str


@dataclass(frozen=True)
class StatusBars:
    title: str


Chart = UtilizationBars | RatesWithIntervals | SurvivalCurves | DueDates | StatusBars


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
