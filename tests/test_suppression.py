"""Small-cell suppression: the rule by hand on small tables, then on random ones."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from metrics.disclosure.suppression import (
    COMPLEMENTARY_MARKER,
    Counted,
    Linked,
    disclosed,
    grid_lines,
    suppress_counts,
    suppress_grid,
    suppress_rates,
)

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
        "agency": ["A", "B", "C", "D", "E", "F", "G", "H"],
        "met": [5, 40, 0, 8, 0, 95, 60, 12],
        "due": [50, 45, 30, 9, 0, 100, 100, 12],
        "rate": [0.1, 40 / 45, 0.0, 8 / 9, None, 0.95, 0.6, 1.0],
        "ci_low": [0.04, 0.76, 0.0, 0.5, None, 0.89, 0.5, 0.76],
    })
    display, mask = suppress_rates(frame, "met", "due", ["rate", "ci_low"])
    # A: 5 met is small. B: 45 - 40 = 5 not met is small, so 40 is hidden too (45 stays).
    # C: 0 met of 30 is shown. D: 8 of 9, both small (and 1 not met). E: nothing due.
    # F: the CMS example, 95 of 100 would say "5 not met". G: 60 of 100, 40 not met: shown.
    # H: 12 of 12, none not met: shown.
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "C", "D", "E", "F", "G", "H"],
        "met": [S, C, "0", S, "0", C, "60", "12"],
        "due": ["50", "45", "30", S, "0", "100", "100", "12"],
        "rate": [None, None, 0.0, None, None, None, 0.6, 1.0],
        "ci_low": [None, None, 0.0, None, None, None, 0.5, 0.76],
    }
    assert display.schema["rate"] == pl.Float64
    assert mask["rate"].to_list() == [True, True, False, True, False, True, False, False]
    assert mask["met"].to_list() == [True, True, False, True, False, True, False, False]
    assert mask["due"].to_list() == [False, False, False, True, False, False, False, False]


def test_eleven_of_twelve_hides_the_whole_row_rather_than_giving_up():
    # 1 not met is small. Hiding 11 as well still gives it away (12 - 11 = 1 with 11 > 10), so the
    # 12 goes too: a reader then knows x >= 11, y from 1 to 10 and x + y = t, which many values fit.
    # The check used to bound a hidden larger count by the table's largest (12): with t <= 12
    # nothing could hide the 1, and it stopped with an error (on the demo's Safety/Crisis Plans).
    frame = pl.DataFrame({"met": [11], "due": [12], "rate": [11 / 12]})
    display, mask = suppress_rates(frame, "met", "due", ["rate"])
    assert display.to_dict(as_series=False) == {"met": [C], "due": [C], "rate": [None]}
    counts = pl.DataFrame({"group": ["a", "b", "all"], "n": [11, 1, 12]})
    assert suppress_counts(counts, ["n"], total_row=True).display["n"].to_list() == [C, S, C]


def test_a_rate_above_its_denominator_is_refused():
    with pytest.raises(ValueError, match="from 0 to due"):
        suppress_rates(pl.DataFrame({"met": [12], "due": [8]}), "met", "due", [])


def test_rates_with_a_total_row():
    # Rows as [met, not met | due]: A [3, 17 | 20], B [25, 15 | 40], C [50, 10 | 60], Total [78, 42 | 120].
    # A's 3 and C's 10 not met are small. Row A then hides its 17 not met, row C its 50 met.
    # Column "met": 3 + 50 = 78 - 25 = 53, with 3 in 1..10, gives C's met as 43..52; column
    # "not met": 17 + 10 = 27. Together A's met is 1, 2 or 3: no cell has a single value.
    frame = pl.DataFrame({"agency": ["A", "B", "C", "Total"], "met": [3, 25, 50, 78], "due": [20, 40, 60, 120],
                          "rate": [0.15, 0.625, 50 / 60, 0.65]})
    display, mask = suppress_rates(frame, "met", "due", ["rate"], total_row=True)
    assert display.to_dict(as_series=False) == {
        "agency": ["A", "B", "C", "Total"], "met": [S, "25", C, "78"], "due": ["20", "40", "60", "120"],
        "rate": [None, 0.625, None, 0.65]}
    assert mask["rate"].to_list() == [True, False, True, False]


def test_linked_tables_protect_each_other():
    # Staff s1 (4) and s2 (5) make agency A's 9; s3 (25) and s4 (26) make B's 51; all agencies 60.
    # s1, s2 and A are small. All = A + B would give A away, so B is hidden; B = s3 + s4 would
    # then give B away, so s3 (the smaller) is hidden too.
    counted = Counted(("caseload",), derived=("utilization",))
    staff = pl.DataFrame({"agency_id": ["A", "A", "B", "B"], "staff_id": ["s1", "s2", "s3", "s4"],
                          "caseload": [4, 5, 25, 26], "utilization": [0.2, 0.25, 1.25, 1.3]})
    agency = pl.DataFrame({"agency_id": ["A", "B"], "caseload": [9, 51], "utilization": [0.225, 1.275]})
    overall = pl.DataFrame({"caseload": [60], "utilization": [0.75]})
    shown = (Linked(max_count=10)
             .add("staff", staff, ("agency_id", "staff_id"), counted)
             .add("agency", agency, ("agency_id",), counted)
             .add("all", overall, (), counted)
             .sums("staff", "agency")
             .sums("agency", "all")
             .suppress())
    assert shown["staff"].display["caseload"].to_list() == [S, S, C, "26"]
    assert shown["staff"].display["utilization"].to_list() == [None, None, None, 1.3]
    assert shown["agency"].display["caseload"].to_list() == [S, C]
    assert shown["all"].display["caseload"].to_list() == ["60"]
    assert shown["staff"].hidden_rows().to_list() == [True, True, True, False]


def test_linked_rates_keep_their_complements_and_match_a_total_row():
    # The rows of test_rates_with_a_total_row, linked to a one-row table of all agencies.
    counted = Counted(("met", "due"), (("met", "due"),), ("rate",))
    agency = pl.DataFrame({"agency": ["A", "B", "C"], "met": [3, 25, 50], "due": [20, 40, 60],
                           "rate": [0.15, 0.625, 50 / 60]})
    overall = pl.DataFrame({"met": [78], "due": [120], "rate": [0.65]})
    shown = (Linked(max_count=10).add("agency", agency, ("agency",), counted).add("all", overall, (), counted)
             .sums("agency", "all").suppress())
    display = shown["agency"].display
    assert display["met"].to_list() == [S, "25", C]
    assert display["due_minus_met"].to_list() == [C, "15", S]
    assert display["rate"].to_list() == [None, 0.625, None]
    assert shown["all"].display.row(0) == ("78", "120", 0.65, "42")


def test_linked_tables_must_add_up():
    counted = Counted(("n",))
    parts = pl.DataFrame({"k": ["a", "a"], "n": [20, 30]})
    whole = pl.DataFrame({"k": ["a"], "n": [51]})
    with pytest.raises(ValueError, match="not the sum"):
        Linked().add("parts", parts, ("k",), counted).add("whole", whole, ("k",), counted).sums("parts", "whole").cells()


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


def test_the_exact_check_finds_what_one_line_gives_away():
    # Row [3, 20 | 23] with only the 3 hidden: 23 - 20 = 3. Hiding the 20 as well leaves 3 + x = 23.
    values = np.array([3, 20, 23])
    lines = grid_lines((1, 3), total_row=False, total_column=True)
    assert disclosed(values, np.array([True, False, False]), lines, 10) == [0]
    assert disclosed(values, np.array([True, True, False]), lines, 10) == []


@pytest.mark.parametrize("seed", range(3))
def test_linked_random_hierarchies_disclose_nothing(seed):
    # Staff in agencies, agencies in one total: after suppression no hidden cell has one value.
    rng = np.random.default_rng(200 + seed)
    counted = Counted(("n",))
    for _ in range(15):
        agencies = int(rng.integers(1, 5))
        size = int(rng.integers(2, 9))
        staff = pl.DataFrame({"agency": [f"A{int(a)}" for a in rng.integers(0, agencies, size=size)],
                              "n": rng.integers(0, 30, size=size)})
        agency = staff.group_by("agency").agg(pl.col("n").sum())
        overall = agency.select(pl.col("n").sum())
        linked = (Linked(max_count=10).add("staff", staff.with_row_index("s"), ("agency", "s"), counted)
                  .add("agency", agency, ("agency",), counted).add("all", overall, (), counted)
                  .sums("staff", "agency").sums("agency", "all"))
        values, lines, ids = linked.cells()
        shown = linked.suppress()
        hidden = np.concatenate([shown[name].mask["n"].to_numpy() for name in ("staff", "agency", "all")])
        assert disclosed(values, hidden, lines, 10) == []
        assert (hidden[(values >= 1) & (values <= 10)]).all()
