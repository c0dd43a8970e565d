"""Small-cell suppression for every figure shown outside the agency.

The rule (``max_count`` is ``settings().suppression_max_count``, 10 by default):

1. **Small counts.** A count from 1 to ``max_count`` is suppressed and shown as
   ``<{max_count + 1}`` (``<11``). Zero is shown: it says that nobody is counted.
   A null stays null (empty).
2. **Rates.** A rate whose numerator or denominator is from 1 to ``max_count`` is
   suppressed (null), with its interval, and the small count is shown as ``<11``.
3. **Complementary suppression.** In a table with a Total row and/or a Total column, a
   suppressed cell must not be recoverable by subtracting the visible cells of its row
   or column from the visible total. Each row (column) whose total is shown is a
   *line*; the Total row is a line too when the Grand total is shown (its cells are the
   column totals), and likewise the Total column. A line is *safe* when, from its
   visible total and visible cells, no suppressed cell of it has a single possible
   value, knowing that a ``<11`` cell is between 1 and ``max_count`` and that a
   complementary cell (shown ``*``) is above ``max_count`` (it is always chosen among
   cells that are not small and not zero). A line is read as the equation
   ``sum(cells) - total = 0``, so a hidden total whose cells are all shown is unsafe too,
   and a line with a shown total and exactly one suppressed cell is never safe. While a
   line is not safe, its smallest visible non-zero cell is suppressed too (shown ``*``);
   when it has none, its total is suppressed. Repeat until every line is safe.
   Totals from 1 to ``max_count`` are suppressed by rule 1 like any count.
4. **Across lines.** Lines can be combined (two rows minus a column, …). After step 3 an
   exact check computes, with an integer program over the whole table, the least and
   the greatest value each suppressed cell can take given everything shown; a cell for
   which both are equal is disclosed, and the smallest visible non-zero cell of one of
   its lines is suppressed too, then steps 3 and 4 repeat.

Totals are taken to be the sums of their line (counts of disjoint things). A table
whose "totals" count distinct people across categories is not additive and needs its
own care.

Use :func:`suppress_counts` for count tables and :func:`suppress_rates` for rate tables;
each returns the display frame (suppressed columns as text) and a boolean mask of the
suppressed cells.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

from metrics.settings import settings

COMPLEMENTARY_MARKER = "*"


class Suppressed(NamedTuple):
    """``display``: the frame to show, suppressed columns as text; ``mask``: True where suppressed."""

    display: pl.DataFrame
    mask: pl.DataFrame


def small_marker(max_count: int | None = None) -> str:
    return f"<{_max(max_count) + 1}"


def _max(max_count: int | None) -> int:
    return settings().suppression_max_count if max_count is None else int(max_count)


# ---------------------------------------------------------------------------
# The grid: a numpy array of counts, its totals and the lines they make


def _lines(shape: tuple[int, int], total_row: bool, total_column: bool) -> list[tuple[list[tuple[int, int]],
                                                                                       tuple[int, int]]]:
    """(cells, total cell) of every line of a grid whose last row/column may hold totals."""
    rows, cols = shape
    inner_rows = rows - 1 if total_row else rows
    inner_cols = cols - 1 if total_column else cols
    lines = []
    if total_column:
        for i in range(rows):
            lines.append(([(i, j) for j in range(inner_cols)], (i, cols - 1)))
    if total_row:
        for j in range(cols):
            lines.append(([(i, j) for i in range(inner_rows)], (rows - 1, j)))
    return lines


def _bounds(values: np.ndarray, primary: np.ndarray, max_count: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each suppressed cell: [1, max] when small, [max+1, grand] otherwise."""
    big = int(values.max()) if values.size else 0
    lo = np.where(primary, 1, max_count + 1)
    hi = np.where(primary, max_count, max(big, max_count + 1))
    return lo, hi


def _members(cells, total) -> list[tuple[tuple[int, int], int]]:
    """A line as the equation sum(cells) - total = 0: (cell, coefficient) pairs."""
    return [(c, 1) for c in cells] + [(total, -1)]


def _line_safe(values, suppressed, lo, hi, cells, total) -> bool:
    """Whether no hidden member of this line has a single possible value, from this line alone."""
    members = _members(cells, total)
    hidden = [(c, k) for c, k in members if suppressed[c]]
    if not hidden:
        return True
    rest = -sum(k * int(values[c]) for c, k in members if not suppressed[c])  # sum of hidden k*x
    least = sum(min(k * int(lo[c]), k * int(hi[c])) for c, k in hidden)
    most = sum(max(k * int(lo[c]), k * int(hi[c])) for c, k in hidden)
    for c, k in hidden:
        own_least, own_most = min(k * int(lo[c]), k * int(hi[c])), max(k * int(lo[c]), k * int(hi[c]))
        # k * x lies within rest minus what the others can sum to.
        a, b = rest - (most - own_most), rest - (least - own_least)
        low, high = sorted((a * k, b * k))  # k is +1 or -1
        if max(low, int(lo[c])) >= min(high, int(hi[c])):
            return False
    return True


def _suppress_more(values, suppressed, cells, total) -> bool:
    """Hide the smallest shown non-zero cell of the line, else its total; False when neither is left."""
    candidates = [c for c in cells if not suppressed[c] and values[c] != 0]
    if candidates:
        suppressed[min(candidates, key=lambda c: (values[c], c))] = True
        return True
    if not suppressed[total]:
        suppressed[total] = True
        return True
    return False


def _exact_ranges(values, suppressed, lo, hi, lines) -> dict[tuple[int, int], tuple[float, float]]:
    """The least and greatest value of every suppressed cell consistent with what is shown."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    hidden = [tuple(c) for c in np.argwhere(suppressed)]
    if not hidden:
        return {}
    index = {c: k for k, c in enumerate(hidden)}
    rows, rhs = [], []
    for cells, total in lines:
        line = cells + [total]
        if not any(suppressed[c] for c in line):
            continue
        row = np.zeros(len(hidden))
        known = 0
        for c in cells:
            if suppressed[c]:
                row[index[c]] += 1
            else:
                known += int(values[c])
        if suppressed[total]:
            row[index[total]] -= 1
            target = -known
        else:
            target = int(values[total]) - known
        rows.append(row)
        rhs.append(target)
    bounds = Bounds([lo[c] for c in hidden], [hi[c] for c in hidden])
    constraints = [LinearConstraint(np.array(rows), rhs, rhs)] if rows else []
    integrality = np.ones(len(hidden))
    ranges = {}
    for c, k in index.items():
        objective = np.zeros(len(hidden))
        objective[k] = 1
        low = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
        high = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        if low.status != 0 or high.status != 0:  # pragma: no cover - the true values are always feasible
            raise RuntimeError("suppression check: the shown table has no solution; are the totals sums?")
        ranges[c] = (round(low.fun), round(-high.fun))
    return ranges


def suppress_grid(values: np.ndarray, total_row: bool = False, total_column: bool = False,
                  max_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed, primary) boolean arrays for a grid of counts whose last row/column may be totals."""
    limit = _max(max_count)
    values = np.asarray(values, dtype=np.int64)
    primary = (values >= 1) & (values <= limit)
    suppressed = primary.copy()
    lines = _lines(values.shape, total_row, total_column)
    if not lines:
        return suppressed, primary
    lo, hi = _bounds(values, primary, limit)
    while True:
        changed = True
        while changed:
            changed = False
            for cells, total in lines:
                if not _line_safe(values, suppressed, lo, hi, cells, total):
                    changed = _suppress_more(values, suppressed, cells, total) or changed
        disclosed = [c for c, (low, high) in _exact_ranges(values, suppressed, lo, hi, lines).items()
                     if low == high]
        if not disclosed:
            return suppressed, primary
        # Widen a line through a disclosed cell; failing that, any line that hides something.
        through = [line for cell in disclosed for line in lines if cell in line[0] or cell == line[1]]
        hiding = [line for line in lines if any(suppressed[c] for c in line[0] + [line[1]])]
        if not any(_suppress_more(values, suppressed, *line) for line in through + hiding):  # pragma: no cover
            raise RuntimeError(f"suppression check: cells {disclosed} disclosed and nothing left to hide")


def suppress_counts(frame: pl.DataFrame, count_columns: list[str], total_row: bool = False,
                    total_column: bool = False, max_count: int | None = None) -> Suppressed:
    """Suppress the counts in ``count_columns`` of ``frame``.

    With ``total_row`` the last row of ``frame`` holds the column totals; with
    ``total_column`` the last of ``count_columns`` holds the row totals. Other columns
    (labels) are kept as they are. The count columns come back as text: the count,
    ``<11`` for a small count, ``*`` for a complementary suppression, empty for null.
    """
    limit = _max(max_count)
    if (total_row or total_column) and not count_columns:
        raise ValueError("totals need count columns")
    counts = frame.select(count_columns)
    if total_row or total_column:
        if counts.null_count().sum_horizontal().item():
            raise ValueError("a table with totals may not have empty counts")
        values = counts.to_numpy().astype(np.int64) if counts.height else np.zeros((0, len(count_columns)), np.int64)
        suppressed, primary = suppress_grid(values, total_row, total_column, limit)
    else:
        values = counts.fill_null(0).to_numpy().astype(np.int64) if counts.height else np.zeros(
            (0, len(count_columns)), np.int64)
        primary = (values >= 1) & (values <= limit)
        suppressed = primary
    marker = small_marker(limit)
    display_columns, mask_columns = [], []
    for k, name in enumerate(count_columns):
        raw = frame[name].to_list()
        shown = [
            None if value is None
            else marker if primary[i, k]
            else COMPLEMENTARY_MARKER if suppressed[i, k]
            else str(int(value))
            for i, value in enumerate(raw)
        ]
        display_columns.append(pl.Series(name, shown, pl.String))
        mask_columns.append(pl.Series(name, suppressed[:, k].tolist() if len(raw) else [], pl.Boolean))
    return Suppressed(frame.with_columns(display_columns), pl.DataFrame(mask_columns))


def suppress_rates(frame: pl.DataFrame, numerator: str, denominator: str, rate_columns: list[str],
                   max_count: int | None = None) -> Suppressed:
    """Suppress every rate whose numerator or denominator is from 1 to ``max_count``.

    ``rate_columns`` (the rate and its interval bounds, say) become null on those rows and
    keep their type; ``numerator`` and ``denominator`` come back as text with small counts
    shown as ``<11``. The mask has the numerator, denominator and rate columns.
    """
    limit = _max(max_count)
    small_num = pl.col(numerator).is_between(1, limit).fill_null(False)
    small_den = pl.col(denominator).is_between(1, limit).fill_null(False)
    hide = small_num | small_den
    marker = small_marker(limit)

    def shown(column: str, small: pl.Expr) -> pl.Expr:
        return (pl.when(small).then(pl.lit(marker))
                .otherwise(pl.col(column).cast(pl.Int64).cast(pl.String)).alias(column))

    display = frame.with_columns(
        [shown(numerator, small_num), shown(denominator, small_den)]
        + [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in rate_columns]
    )
    mask = frame.select(
        [small_num.alias(numerator), small_den.alias(denominator)] + [hide.alias(c) for c in rate_columns]
    )
    return Suppressed(display, mask)
