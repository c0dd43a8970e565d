"""Small-cell suppression: the rule by hand on small tables, then on random ones."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from metrics.suppression import COMPLEMENTARY_MARKER, suppress_counts, suppress_grid, suppress_rates

S = "<11"
C = COMPLEMENTARY_MARKER


def test_counts_without_totals():
    frame = pl.DataFrame({"agency": ["A", "B", "C", "D"], "open": [0, 1, 10, 11], "overdue": [None, 25, 3, 0]})
    display, mask = suppress_counts(frame, ["open", "overdue"])
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "C", "D"], "open": ["0", S, S, "11"], "overdue": [None, "25", S, "0"]}
    assert mask.to_dict(as_series=False) == {"open": [False, True, True, False],
                                             "overdue": [False, False, True, False]}


def test_threshold_is_configurable():
    frame = pl.DataFrame({"n": [4, 5, 6]})
    assert suppress_counts(frame, ["n"], max_count=5).display["n"].to_list() == ["<6", "<6", "6"]


def test_single_small_cell_in_a_row_with_its_total_hides_the_next_smallest():
    # agencies x categories; last column and last row are totals.
    frame = pl.DataFrame({
        "agency": ["A", "B", "C", "Total"],
        "x": [3, 20, 30, 53],
        "y": [40, 25, 50, 115],
        "z": [60, 45, 70, 175],
        "total": [103, 90, 150, 343],
    })
    display, mask = suppress_counts(frame, ["x", "y", "z", "total"], total_row=True, total_column=True)
    # Row A: 3 is small; the next smallest of A (40) is hidden too. Columns x and y then have one
    # hidden cell each: their next smallest (20 and 25, both in row B) are hidden, which also
    # leaves row B with two.
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "C", "Total"],
        "x": [S, C, "30", "53"],
        "y": [C, C, "50", "115"],
        "z": ["60", "45", "70", "175"],
        "total": ["103", "90", "150", "343"],
    }
    assert mask["x"].to_list() == [True, True, False, False]


def test_small_total_is_suppressed_and_then_protects_its_row():
    frame = pl.DataFrame({"agency": ["A", "B", "Total"], "x": [2, 30, 32], "y": [3, 40, 43],
                          "total": [5, 70, 75]})
    display, _ = suppress_counts(frame, ["x", "y", "total"], total_row=True, total_column=True)
    # Row A's total (5) is small itself. Columns x and y each show their total with one hidden
    # cell, so B's x and y (30, 40) are hidden. The Total column (5 + 70 = 75, grand total shown)
    # would give A's total away, so B's total is hidden too.
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "Total"], "x": [S, C, "32"], "y": [S, C, "43"], "total": [S, C, "75"]}


def test_two_small_cells_that_add_up_to_their_minimum_are_not_enough():
    # Row A shows 1 + 1 = 32 - 30: each hidden cell is at least 1, so both would be 1.
    frame = pl.DataFrame({"agency": ["A", "B", "Total"], "x": [1, 20, 21], "y": [1, 20, 21], "z": [30, 40, 70],
                          "total": [32, 80, 112]})
    display, _ = suppress_counts(frame, ["x", "y", "z", "total"], total_row=True, total_column=True)
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "Total"], "x": [S, C, "21"], "y": [S, C, "21"], "z": [C, C, "70"],
        "total": ["32", "80", "112"]}


def test_row_totals_only():
    frame = pl.DataFrame({"agency": ["A", "B"], "x": [5, 0], "y": [12, 0], "z": [30, 7], "total": [47, 7]})
    display, _ = suppress_counts(frame, ["x", "y", "z", "total"], total_column=True)
    # A: 5 hidden, then 12. B: 7 is its only non-zero cell, its total is 7 too: both small.
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B"], "x": [S, "0"], "y": [C, "0"], "z": ["30", S], "total": ["47", S]}


def test_zero_is_never_a_complement():
    frame = pl.DataFrame({"agency": ["A", "Total"], "x": [4, 4], "y": [0, 0], "z": [20, 20]})
    display, _ = suppress_counts(frame, ["x", "y", "z"], total_row=True)
    # Each column's total repeats its one cell: x's total 4 is small, so column x is safe.
    assert display.to_dict(as_series=False) == {"agency": ["A", "Total"], "x": [S, S], "y": ["0", "0"],
                                                "z": ["20", "20"]}


def test_totals_need_complete_counts():
    with pytest.raises(ValueError, match="empty counts"):
        suppress_counts(pl.DataFrame({"x": [1, None], "t": [1, 1]}), ["x", "t"], total_column=True)


def test_rates():
    frame = pl.DataFrame({
        "agency": ["A", "B", "C", "D", "E"],
        "met": [5, 40, 0, 12, 0],
        "due": [50, 45, 30, 8, 0],
        "rate": [0.1, 40 / 45, 0.0, 1.5, None],
        "ci_low": [0.04, 0.76, 0.0, 0.5, None],
    })
    display, mask = suppress_rates(frame, "met", "due", ["rate", "ci_low"])
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "C", "D", "E"],
        "met": [S, "40", "0", "12", "0"],
        "due": ["50", "45", "30", S, "0"],
        "rate": [None, 40 / 45, 0.0, None, None],
        "ci_low": [None, 0.76, 0.0, None, None],
    }
    assert display.schema["rate"] == pl.Float64
    assert mask["rate"].to_list() == [True, False, False, True, False]
    assert mask["met"].to_list() == [True, False, False, False, False]


# ---------------------------------------------------------------------------
# Random tables: no suppressed value can be recovered from what is shown


def random_table(rng: np.random.Generator, rows: int, cols: int, high: int) -> np.ndarray:
    """Interior counts (many small, some zero) with a Total column and a Total row."""
    inner = rng.integers(0, high, size=(rows, cols))
    inner[rng.random((rows, cols)) < 0.15] = 0
    with_column = np.hstack([inner, inner.sum(axis=1, keepdims=True)])
    return np.vstack([with_column, with_column.sum(axis=0, keepdims=True)])


def lines_of(shape, total_row, total_column):
    rows, cols = shape
    lines = []
    if total_column:
        lines += [([(i, j) for j in range(cols - 1)], (i, cols - 1)) for i in range(rows)]
    if total_row:
        lines += [([(i, j) for i in range(rows - 1)], (rows - 1, j)) for j in range(cols)]
    return lines


@pytest.mark.parametrize("seed", range(6))
def test_every_line_with_a_shown_total_hides_none_or_at_least_two(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        table = random_table(rng, int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.choice([6, 15, 40])))
        total_row, total_column = [(True, True), (True, False), (False, True)][int(rng.integers(0, 3))]
        if not total_row:
            table = table[:-1]
        if not total_column:
            table = table[:, :-1]
        suppressed, primary = suppress_grid(table, total_row, total_column, 10)
        assert (primary == ((table >= 1) & (table <= 10))).all()
        assert not suppressed[table == 0].any()
        for cells, total in lines_of(table.shape, total_row, total_column):
            if not suppressed[total]:
                assert sum(suppressed[c] for c in cells) != 1, (table, suppressed)


def alternative_exists(table, suppressed, primary, lines, cell, limit) -> bool:
    """Brute force: some assignment of the hidden cells, other than the truth at ``cell``,
    satisfies every line, with small cells in 1..limit and the others in limit+1..grand total."""
    hidden = [tuple(c) for c in np.argwhere(suppressed)]
    grand = int(table.max())
    domains = [range(1, limit + 1) if primary[c] else range(limit + 1, max(grand, limit + 1) + 1) for c in hidden]
    domains[hidden.index(cell)] = [v for v in domains[hidden.index(cell)] if v != table[cell]]
    equations = []  # (indices of hidden cells, coefficients, constant): sum(coef * x) == constant
    for cells, total in lines:
        members = [(c, 1) for c in cells] + [(total, -1)]
        if not any(suppressed[c] for c, _ in members):
            continue
        idx = [(hidden.index(c), k) for c, k in members if suppressed[c]]
        const = -sum(k * int(table[c]) for c, k in members if not suppressed[c])
        equations.append((idx, const))
    values = [None] * len(hidden)

    def feasible() -> bool:
        for idx, const in equations:
            low = high = 0
            for i, k in idx:
                if values[i] is None:
                    lo, hi = min(domains[i], default=0), max(domains[i], default=0)
                    low += min(k * lo, k * hi)
                    high += max(k * lo, k * hi)
                else:
                    low += k * values[i]
                    high += k * values[i]
            if not low <= const <= high:
                return False
        return True

    def search(i: int) -> bool:
        if i == len(hidden):
            return True
        for v in domains[i]:
            values[i] = v
            if feasible() and search(i + 1):
                return True
        values[i] = None
        return False

    return bool(domains[hidden.index(cell)]) and search(0)


@pytest.mark.parametrize("seed", range(4))
def test_each_suppressed_cell_has_another_possible_value(seed):
    rng = np.random.default_rng(100 + seed)
    checked = 0
    for _ in range(40):
        table = random_table(rng, int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.choice([6, 15, 25])))
        suppressed, primary = suppress_grid(table, True, True, 10)
        lines = lines_of(table.shape, True, True)
        for cell in map(tuple, np.argwhere(suppressed)):
            assert alternative_exists(table, suppressed, primary, lines, cell, 10), (table, suppressed, cell)
            checked += 1
    assert checked > 50
