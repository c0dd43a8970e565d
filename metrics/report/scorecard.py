"""An agency's scorecard: each headline figure of its oversight on the report date and at the
end of each of the last four quarters, against its contract target (the setting
``contract_targets``), with a red, amber or green status and the rule that gives it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from metrics.measures.measure import Headline, worded
from metrics.measures.registry import HEADLINE_BY_KEY, OVERSIGHT_OF_PAGE, PAGE_OF_MEASURE
from metrics.policy import wording
from metrics.policy.filters import Filters
from metrics.policy.quarters import Quarter
from metrics.policy.settings import ContractTarget, Settings
from metrics.policy.window import QUARTER, Window
from metrics.report.headlines import format_value, headline_value
from metrics.report.slide_pages import SlidePages

GREEN, AMBER, RED = "green", "amber", "red"
# A measure's rows for these filters (the dashboard's cached ``measure``).
FrameOf = Callable[[str, Filters], pl.DataFrame]


@dataclass(frozen=True)
class Score:
    value: str  # as the overview writes it
    status: str | None  # GREEN, AMBER, RED; None when there is no figure (nothing due, or suppressed)


@dataclass(frozen=True)
class ScoreRow:
    figure: str  # the headline's label
    rule: str  # the target in words
    now: Score  # on the report date, over the counting window
    quarters: tuple[tuple[str, Score], ...]  # (quarter, its score at the quarter's end), oldest first


def status(target: ContractTarget, headline: Headline, value: float | int | str | None) -> str | None:
    """Green, amber or red for ``value`` against ``target``; None without a figure."""
    if value is None or isinstance(value, str):
        return None
    if headline.higher_is_better:
        return GREEN if value >= target.green else AMBER if value >= target.amber else RED
    return GREEN if value <= target.green else AMBER if value <= target.amber else RED


def rule_text(target: ContractTarget, headline: Headline) -> str:
    """The target in words: "green at 90% or more, amber at 80% or more, else red"."""
    def shown(value: float) -> str:
        return wording.percent(value) if headline.percent else f"{value:g}"

    better = "or more" if headline.higher_is_better else "or fewer"
    if target.amber == target.green:
        return f"green at {shown(target.green)} {better}, else red"
    return f"green at {shown(target.green)} {better}, amber at {shown(target.amber)} {better}, else red"


def last_quarter_ends(as_of: dt.date, count: int = 4) -> list[dt.date]:
    """The last days of the ``count`` latest quarters ended on or before ``as_of``, oldest first."""
    quarter = Quarter.containing(as_of + dt.timedelta(days=1)).previous()
    ends = []
    for _ in range(count):
        ends.append(quarter.following().first_day - dt.timedelta(days=1))
        quarter = quarter.previous()
    return ends[::-1]


def scorecard(agency_id: str, oversight: str, filters: Filters, frame_of: FrameOf, public: bool,
              rules: Settings) -> list[ScoreRow]:
    """A row per contract target of ``oversight``'s figures for one agency: now (with the pages'
    ``filters``, over their window) and at each of the last four quarter ends (over that quarter)."""
    own = replace(filters, agencies=(agency_id,))
    rows = []
    for target in rules.contract_targets:
        headline = HEADLINE_BY_KEY[target.figure]
        if OVERSIGHT_OF_PAGE[PAGE_OF_MEASURE[headline.measure]] != oversight:
            continue

        def score(counted: Filters, headline: Headline = headline, target: ContractTarget = target) -> Score:
            value = headline_value(headline, frame_of(headline.measure, counted), public)
            return Score(format_value(headline, value), status(target, headline, value))

        quarters = tuple(
            (str(Quarter.containing(end)), score(Window(QUARTER).counted(replace(own, as_of=end))))
            for end in last_quarter_ends(filters.as_of)
        )
        rows.append(ScoreRow(worded(headline.label, rules), rule_text(target, headline), score(own), quarters))
    return rows


# Each status as a badge of Streamlit's Markdown, its colour with a word-free icon beside the
# figure, so that it reads without colour too.
BADGES = {GREEN: ("green", ":material/check_circle:"), AMBER: ("orange", ":material/warning:"),
          RED: ("red", ":material/cancel:")}


def badge(score: Score) -> str:
    if score.status is None:
        return score.value
    colour, icon = BADGES[score.status]
    return f":{colour}-badge[{icon} {score.value}]"


def as_markdown(rows: list[ScoreRow]) -> str:
    """The scorecard as a Markdown table: figure, target, now, then each quarter."""
    quarters = [quarter for quarter, _ in rows[0].quarters] if rows else []
    lines = ["| Figure | Target | Now | " + " | ".join(quarters) + " |",
             "|---|---|---:|" + "---:|" * len(quarters)]
    for row in rows:
        cells = [row.figure, row.rule, badge(row.now), *(badge(score) for _, score in row.quarters)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def download_rows(rows: list[ScoreRow]) -> pl.DataFrame:
    """The scorecard as a table: a row per figure, its value and status now and at each quarter's end."""
    records = []
    for row in rows:
        record: dict[str, str | None] = {"figure": row.figure, "target": row.rule, "now": row.now.value,
                                         "now_status": row.now.status}
        for quarter, score in row.quarters:
            record[quarter] = score.value
            record[f"{quarter}_status"] = score.status
        records.append(record)
    return pl.DataFrame(records)


# A status's fill in the PDF (light, so that black text reads on it, and printed in grey too).
FILLS = {GREEN: (204, 235, 219), AMBER: (253, 228, 186), RED: (246, 204, 204), None: (255, 255, 255)}


# What a reader needs to read the colours, under the table.
STATUS_KEY = ("Green: the target met or bettered. Amber: short of it but at the lower bar. Red: below that. A "
              "figure with nothing due, or suppressed, has no status.")


def scorecard_pdf(rows: list[ScoreRow], agency: str, as_of: dt.date, window: str, extract_name: str) -> bytes:
    """The scorecard on one slide-sized page, for a contract meeting."""
    pdf = SlidePages()
    pdf.add_page()
    pdf.heading(f"Scorecard: {agency}", 24)
    pdf.paragraph(f"On {as_of:%d %B %Y}, counting {window}; and at the end of each of the last four quarters, "
                  f"over that quarter. Extract {extract_name}.", 11)
    pdf.ln(4)
    scorecard_table(pdf, rows)
    return bytes(pdf.output())


def cell_text(score: Score) -> str:
    """A cell's figure and its status in words (a fill repeats it): readable without colour."""
    return score.value if score.status is None else f"{score.value}\n{score.status}"


def scorecard_table(pdf: SlidePages, rows: list[ScoreRow]) -> None:
    """The scorecard's table where the page has got to, and the key to its colours."""
    quarters = [quarter for quarter, _ in rows[0].quarters] if rows else []
    widths = [70.0, 92.0, 28.0] + [28.0] * len(quarters)
    pdf.set_font("Sans", "B", 11)
    for width, title in zip(widths, ["Figure", "Target", "Now", *quarters], strict=True):
        pdf.cell(width, 9, title, border="B")
    pdf.ln(9)
    for row in rows:
        pdf.set_font("Sans", "", 10)
        top = pdf.get_y()
        pdf.multi_cell(widths[0], 5.5, row.figure, align="L", new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(widths[1], 5.5, row.rule, align="L", new_x="RIGHT", new_y="TOP")
        for width, score in zip(widths[2:], [row.now, *(score for _, score in row.quarters)], strict=True):
            pdf.set_fill_color(*FILLS[score.status])
            pdf.multi_cell(width, 5.5, cell_text(score), fill=True, align="C", new_x="RIGHT", new_y="TOP")
        pdf.set_xy(pdf.l_margin, top + 13)
    pdf.ln(4)
    pdf.paragraph(STATUS_KEY, 10)
