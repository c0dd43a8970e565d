"""Small-cell suppression for every figure shown outside the agency.

The rule (``max_count`` is ``settings().suppression_max_count``, 10 by default), after
the CMS cell-size suppression policy: no figure shown may let a reader derive a count
of people from 1 to ``max_count``.

1. **Small counts.** A count from 1 to ``max_count`` is suppressed and shown as
   ``<{max_count + 1}`` (``<11``). Zero is shown: it says that nobody is counted.
   A null stays null (empty).
2. **Rates and their complements.** A rate of ``n`` out of ``d`` also tells ``d - n``:
   "95 of 100 contacts made" says "5 missed". So a rate is suppressed (null, with its
   interval) when ``n``, ``d`` *or* ``d - n`` is from 1 to ``max_count``. A small ``n``
   or ``d`` is shown as ``<11``; when only ``d - n`` is small, ``n`` is hidden as well
   (shown ``*``), since ``n`` and ``d`` side by side would give ``d - n`` away. ``d``
   stays: the reader still sees how many people the hidden rate is about. In the terms
   of rule 3 each row is the line ``n + (d - n) = d`` with its total ``d`` shown, and
   ``d - n`` is a cell of it like any other.
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
5. **Tables shown together.** A page that shows the same counts at several levels (by
   staff member, by agency, all agencies; by agency and month, by month) gives a line
   for every figure that is the sum of figures in another table. :class:`Linked` takes
   the tables and the sums between them, and rules 1 to 4 run over all their cells at
   once, so that no table gives away what another hides.

Totals are taken to be the sums of their line (counts of disjoint things). A table
whose "totals" count distinct people across categories is not additive and needs its
own care.

Use :func:`suppress_counts` for a count table, :func:`suppress_rates` for a rate
table, and :class:`Linked` for tables shown together; each returns the display frame
(suppressed counts as text) and a boolean mask of what is suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import numpy as np
import polars as pl

from metrics.policy.settings import settings

COMPLEMENTARY_MARKER = "*"

# A line: the indices of its cells and of its total, in a flat array of counts.
Line = tuple[list[int], int]


class Suppressed(NamedTuple):
    """``display``: the frame to show, suppressed columns as text; ``mask``: True where suppressed."""

    display: pl.DataFrame
    mask: pl.DataFrame

    def hidden_rows(self) -> pl.Series:
        """True for each row with anything suppressed: a chart leaves such rows out."""
        if not self.mask.width:
            return pl.Series("hidden", [False] * self.display.height, pl.Boolean)
        return self.mask.select(pl.any_horizontal(pl.all()).alias("hidden")).to_series()


def small_marker(max_count: int | None = None) -> str:
    return f"<{_max(max_count) + 1}"


def _max(max_count: int | None) -> int:
    return settings().suppression_max_count if max_count is None else int(max_count)


# ---------------------------------------------------------------------------
# Cells and the lines between them


def _bounds(values: np.ndarray, primary: np.ndarray, max_count: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each suppressed cell: [1, max] when small, above max otherwise.

    A hidden larger count is bounded by the lines through it, not by the table's largest count:
    a reader does not know that when it is hidden itself (11 of 12 would give away 1 from
    x + y = t with x >= 11, y >= 1 and t <= 12). The bound only keeps the solver's problem
    finite, set well above the largest count so that it is not what pins a value down."""
    big = int(values.max()) if values.size else 0
    lo = np.where(primary, 1, max_count + 1)
    hi = np.where(primary, max_count, 2 * max(big, max_count + 1))
    return lo, hi


def _members(cells: list[int], total: int) -> list[tuple[int, int]]:
    """A line as the equation sum(cells) - total = 0: (cell, coefficient) pairs."""
    return [(c, 1) for c in cells] + [(total, -1)]


def _line_safe(values: np.ndarray, suppressed: np.ndarray, lo: np.ndarray, hi: np.ndarray, cells: list[int],
               total: int) -> bool:
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


def _suppress_more(values: np.ndarray, suppressed: np.ndarray, cells: list[int], total: int) -> bool:
    """Hide the smallest shown non-zero cell of the line, else its total; False when neither is left."""
    candidates = [c for c in cells if not suppressed[c] and values[c] != 0]
    if candidates:
        suppressed[min(candidates, key=lambda c: (values[c], c))] = True
        return True
    if not suppressed[total]:
        suppressed[total] = True
        return True
    return False


def _groups(suppressed: np.ndarray, lines: Sequence[Line]) -> list[tuple[list[int], list[Line]]]:
    """The hidden cells in groups tied by lines, each with the lines that hold its cells.

    Cells of different groups share no line, so the range of each is found within its group.
    """
    parent = {int(c): int(c) for c in np.flatnonzero(suppressed)}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    touching = []
    for cells, total in lines:
        hidden = [c for c in [*cells, total] if suppressed[c]]
        if hidden:
            touching.append(((cells, total), hidden))
            for c in hidden[1:]:
                parent[root(c)] = root(hidden[0])
    groups: dict[int, tuple[list[int], list[Line]]] = {}
    for c in parent:
        groups.setdefault(root(c), ([], []))[0].append(c)
    for line, hidden in touching:
        groups[root(hidden[0])][1].append(line)
    return list(groups.values())


def _solve(objective: np.ndarray, problem: dict[str, Any]) -> np.ndarray:
    from scipy.optimize import milp

    found = milp(objective, **problem)
    if found.status != 0:  # pragma: no cover - the true values always fit
        raise RuntimeError("suppression check: the shown figures have no solution; are the totals sums?")
    return np.round(found.x)


def _fixed(values: np.ndarray, suppressed: np.ndarray, lo: np.ndarray, hi: np.ndarray,
           lines: Sequence[Line]) -> list[int]:
    """The suppressed cells that have a single possible value given everything shown.

    The true values always fit what is shown, so a cell is free as soon as any fitting
    assignment gives it another value. Pushing all undecided cells of a group up together,
    then down, frees most of them in a few solves; each cell left is tried alone, down and up.
    """
    from scipy.optimize import Bounds, LinearConstraint

    fixed = []
    for hidden, held in _groups(suppressed, lines):
        if not held:
            fixed += [c for c in hidden if lo[c] == hi[c]]
            continue
        index = {c: k for k, c in enumerate(hidden)}
        rows, rhs = np.zeros((len(held), len(hidden))), []
        for r, (cells, total) in enumerate(held):
            known = 0
            for c in cells:
                if suppressed[c]:
                    rows[r, index[c]] += 1
                else:
                    known += int(values[c])
            if suppressed[total]:
                rows[r, index[total]] -= 1
                rhs.append(-known)
            else:
                rhs.append(int(values[total]) - known)
        problem = {
            "constraints": [LinearConstraint(rows, rhs, rhs)],
            "integrality": np.ones(len(hidden)),
            "bounds": Bounds([lo[c] for c in hidden], [hi[c] for c in hidden]),
        }
        truth = values[hidden]
        undecided = np.ones(len(hidden), dtype=bool)
        moved = True
        while moved and undecided.any():
            moved = False
            for sign in (-1.0, 1.0):
                free = undecided & (_solve(sign * undecided, problem) != truth)
                undecided &= ~free
                moved = moved or bool(free.any())
        for k in np.flatnonzero(undecided):
            alone = np.zeros(len(hidden))
            alone[k] = 1
            if _solve(alone, problem)[k] == truth[k] and _solve(-alone, problem)[k] == truth[k]:
                fixed.append(hidden[k])
    return fixed


def disclosed(values: np.ndarray, suppressed: np.ndarray, lines: Sequence[Line],
              max_count: int | None = None) -> list[int]:
    """The suppressed cells whose value a reader can work out exactly from everything shown.

    ``values`` is a flat array of counts, ``suppressed`` marks what is hidden, ``lines`` are
    (cells, total) index pairs. A hidden small count is known to be from 1 to ``max_count``,
    a hidden other count to be above it.
    """
    limit = _max(max_count)
    values = np.asarray(values, dtype=np.int64)
    primary = (values >= 1) & (values <= limit)
    lo, hi = _bounds(values, primary, limit)
    return sorted(_fixed(values, suppressed, lo, hi, lines))


def suppress_linked(values: np.ndarray, lines: Sequence[Line],
                    max_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed, primary) boolean arrays for a flat array of counts tied by ``lines``."""
    limit = _max(max_count)
    values = np.asarray(values, dtype=np.int64)
    primary = (values >= 1) & (values <= limit)
    suppressed = primary.copy()
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
        found = _fixed(values, suppressed, lo, hi, lines)
        if not found:
            return suppressed, primary
        # Widen a line through a disclosed cell; failing that, any line that hides something.
        through = [line for cell in found for line in lines if cell in line[0] or cell == line[1]]
        hiding = [line for line in lines if any(suppressed[c] for c in line[0] + [line[1]])]
        if not any(_suppress_more(values, suppressed, *line) for line in through + hiding):  # pragma: no cover
            raise RuntimeError(f"suppression check: cells {found} disclosed and nothing left to hide")


# ---------------------------------------------------------------------------
# The grid: a table of counts whose last row and/or column may hold totals


def grid_lines(shape: tuple[int, int], total_row: bool, total_column: bool) -> list[Line]:
    """The lines of a grid whose last row/column may hold totals, as indices of the flattened grid."""
    rows, cols = shape
    inner_rows = rows - 1 if total_row else rows
    inner_cols = cols - 1 if total_column else cols
    lines = []
    if total_column:
        for i in range(rows):
            lines.append(([i * cols + j for j in range(inner_cols)], i * cols + cols - 1))
    if total_row:
        for j in range(cols):
            lines.append(([i * cols + j for i in range(inner_rows)], (rows - 1) * cols + j))
    return lines


def suppress_grid(values: np.ndarray, total_row: bool = False, total_column: bool = False,
                  max_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed, primary) boolean arrays for a grid of counts whose last row/column may be totals."""
    values = np.asarray(values, dtype=np.int64)
    suppressed, primary = suppress_linked(values.ravel(), grid_lines(values.shape, total_row, total_column),
                                          max_count)
    return suppressed.reshape(values.shape), primary.reshape(values.shape)


def _shown_counts(name: str, raw: list[Any], primary: np.ndarray, suppressed: np.ndarray, marker: str) -> pl.Series:
    return pl.Series(name, [
        None if value is None
        else marker if primary[i]
        else COMPLEMENTARY_MARKER if suppressed[i]
        else str(int(value))
        for i, value in enumerate(raw)
    ], pl.String)


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
    if (total_row or total_column) and counts.null_count().sum_horizontal().item():
        raise ValueError("a table with totals may not have empty counts")
    values = counts.fill_null(0).to_numpy().astype(np.int64) if counts.height else np.zeros(
        (0, len(count_columns)), np.int64)
    suppressed, primary = suppress_grid(values, total_row, total_column, limit)
    marker = small_marker(limit)
    display_columns = [_shown_counts(name, frame[name].to_list(), primary[:, k], suppressed[:, k], marker)
                       for k, name in enumerate(count_columns)]
    mask_columns = [pl.Series(name, suppressed[:, k].tolist(), pl.Boolean) for k, name in enumerate(count_columns)]
    return Suppressed(frame.with_columns(display_columns), pl.DataFrame(mask_columns))


def suppress_rates(frame: pl.DataFrame, numerator: str, denominator: str, rate_columns: list[str],
                   total_row: bool = False, max_count: int | None = None) -> Suppressed:
    """Suppress every rate resting on 1 to ``max_count`` people, or leaving 1 to ``max_count`` out.

    A row's rate is suppressed when its numerator, its denominator or their difference is
    from 1 to ``max_count`` (rule 2), or when a complementary suppression reaches it.
    ``rate_columns`` (the rate and its interval bounds, say) become null on those rows and
    keep their type; ``numerator`` and ``denominator`` come back as text (``<11`` when
    small, ``*`` when hidden to protect another figure). With ``total_row`` the last row
    holds the totals of the others, as in :func:`suppress_counts`. The mask has the
    numerator, denominator and rate columns.
    """
    counts = frame.select(numerator, denominator)
    if counts.null_count().sum_horizontal().item():
        raise ValueError("a rate needs its numerator and denominator")
    n = counts[numerator].to_numpy().astype(np.int64)
    d = counts[denominator].to_numpy().astype(np.int64)
    if (n > d).any() or (n < 0).any():
        raise ValueError(f"{numerator} must be from 0 to {denominator}")
    grid = np.column_stack([n, d - n, d]) if len(n) else np.zeros((0, 3), np.int64)
    suppressed, primary = suppress_grid(grid, total_row, total_column=True, max_count=max_count)
    marker = small_marker(max_count)
    hide = pl.Series(cast(np.ndarray, suppressed.any(axis=1)).tolist(), dtype=pl.Boolean)  # an array: axis given
    display = frame.with_columns(
        _shown_counts(numerator, n.tolist(), primary[:, 0], suppressed[:, 0], marker),
        _shown_counts(denominator, d.tolist(), primary[:, 2], suppressed[:, 2], marker),
        *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in rate_columns],
    )
    mask = pl.DataFrame(
        [pl.Series(numerator, suppressed[:, 0].tolist(), pl.Boolean),
         pl.Series(denominator, suppressed[:, 2].tolist(), pl.Boolean)]
        + [hide.alias(c) for c in rate_columns]
    )
    return Suppressed(display, mask)


# ---------------------------------------------------------------------------
# Tables shown together


@dataclass(frozen=True)
class Counted:
    """How a table's figures rest on people.

    ``counts``: the columns counting people (or what happens to them). ``within``: pairs
    (part, whole) of those columns on one row, such as (met, due): the whole minus the
    part is a count too (rule 2), kept as the column ``complement(part, whole)``.
    ``derived``: figures computed from the row's counts (rates, intervals, medians),
    hidden whenever any count of the row is.
    """

    counts: tuple[str, ...]
    within: tuple[tuple[str, str], ...] = ()
    derived: tuple[str, ...] = ()

    @property
    def quantities(self) -> tuple[str, ...]:
        return self.counts + tuple(complement(part, whole) for part, whole in self.within)


def complement(part: str, whole: str) -> str:
    """The name of the count ``whole - part`` (the contact periods not met, say)."""
    return f"{whole}_minus_{part}"


@dataclass(frozen=True)
class _Table:
    name: str
    frame: pl.DataFrame
    keys: tuple[str, ...]
    counted: Counted


@dataclass(frozen=True)
class Linked:
    """Tables of counts shown together, the sums between them, and their suppression as one (rule 5).

    Build it with :meth:`add` and :meth:`sums` (each returns a new ``Linked``), then call
    :meth:`suppress`::

        Linked().add("staff", staff, ("agency_id", "staff_id"), counted)
                .add("agency", agency, ("agency_id",), counted)
                .sums("staff", "agency")
                .suppress()
    """

    tables: tuple[_Table, ...] = ()
    relations: tuple[tuple[str, str], ...] = ()
    max_count: int = field(default_factory=lambda: settings().suppression_max_count)

    def add(self, name: str, frame: pl.DataFrame, keys: Sequence[str], counted: Counted) -> Linked:
        """A table: its rows are told apart by ``keys``."""
        if any(t.name == name for t in self.tables):
            raise ValueError(f"a table named {name} is already linked")
        table = _Table(name, frame, tuple(keys), counted)
        return Linked(self.tables + (table,), self.relations, self.max_count)

    def sums(self, parts: str, whole: str) -> Linked:
        """Each row of ``whole`` is the sum of the rows of ``parts`` that share its keys, in
        every count the two tables share (``whole`` with no keys: one row, the sum of all)."""
        return Linked(self.tables, self.relations + ((parts, whole),), self.max_count)

    def _table(self, name: str) -> _Table:
        return next(t for t in self.tables if t.name == name)

    def cells(self) -> tuple[np.ndarray, list[Line], dict[tuple[str, str], np.ndarray]]:
        """Every count as one flat array, the lines between them, and the cell of each
        (table, count) by row."""
        values: list[int] = []
        ids: dict[tuple[str, str], np.ndarray] = {}
        lines: list[Line] = []

        def place(table: str, name: str, column: pl.Series) -> np.ndarray:
            start = len(values)
            values.extend(column.fill_null(0).cast(pl.Int64).to_list())
            ids[table, name] = np.arange(start, len(values))
            return ids[table, name]

        for table in self.tables:
            frame = table.frame
            for name in table.counted.counts:
                place(table.name, name, frame[name])
            for part, whole_column in table.counted.within:
                if frame.select(pl.col(part).is_null() | pl.col(whole_column).is_null()).to_series().any():
                    raise ValueError(f"{table.name}: {part} and {whole_column} must both be given")
                rest = place(table.name, complement(part, whole_column), frame[whole_column] - frame[part])
                for i, c in enumerate(rest):
                    lines.append(([int(ids[table.name, part][i]), int(c)], int(ids[table.name, whole_column][i])))
        for parts_name, whole_name in self.relations:
            parts, whole = self._table(parts_name), self._table(whole_name)
            shared = [q for q in whole.counted.quantities if q in parts.counted.quantities]
            groups = parts.frame.with_row_index("_row").group_by(list(whole.keys) or pl.lit(0)).agg("_row")
            by_key = {tuple(row[:-1]) if whole.keys else (): row[-1] for row in groups.iter_rows()}
            for i, key in enumerate(whole.frame.select(whole.keys).iter_rows() if whole.keys else [()]):
                members = by_key.get(tuple(key), [])
                if not members:
                    continue
                for q in shared:
                    cells = [int(ids[parts.name, q][r]) for r in members]
                    total = int(ids[whole.name, q][i])
                    if sum(values[c] for c in cells) != values[total]:
                        raise ValueError(f"{whole.name}.{q} is not the sum of {parts.name}.{q} for {key}")
                    lines.append((cells, total))
        return np.asarray(values, dtype=np.int64), lines, ids

    def exact(self) -> dict[str, pl.DataFrame]:
        """Each table as it is, with its complements as extra columns."""
        return {
            t.name: t.frame.with_columns((pl.col(w) - pl.col(p)).alias(complement(p, w)) for p, w in t.counted.within)
            for t in self.tables
        }

    def suppress(self) -> dict[str, Suppressed]:
        """Each table with its counts as text (``<11``, ``*``) and its derived figures null
        where any count of the row is hidden; the complements come as extra text columns."""
        values, lines, ids = self.cells()
        suppressed, primary = suppress_linked(values, lines, self.max_count)
        marker = small_marker(self.max_count)
        shown = {}
        for table in self.tables:
            quantities = table.counted.quantities
            hidden_row = np.zeros(table.frame.height, dtype=bool)
            columns, masks = [], []
            for q in quantities:
                cell = ids[table.name, q]
                hidden_row |= suppressed[cell]
                raw = table.frame[q].to_list() if q in table.frame.columns else values[cell].tolist()
                columns.append(_shown_counts(q, raw, primary[cell], suppressed[cell], marker))
                if q in table.counted.counts:
                    masks.append(pl.Series(q, suppressed[cell].tolist(), pl.Boolean))
            hide = pl.Series(hidden_row.tolist(), dtype=pl.Boolean)
            derived = [c for c in table.counted.derived if c in table.frame.columns]
            display = table.frame.with_columns(
                *columns, *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in derived]
            )
            shown[table.name] = Suppressed(display, pl.DataFrame(masks + [hide.alias(c) for c in derived]))
        return shown


def public_rows(frame: pl.DataFrame, counted: Counted) -> pl.DataFrame:
    """The rows of one table with nothing suppressed, the table shown on its own: what a chart,
    which cannot print "<11", may draw."""
    shown = Linked().add("table", frame, (), counted).suppress()["table"]
    return frame.filter(~shown.hidden_rows())
