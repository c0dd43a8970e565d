"""The demo extract: deterministic, complete, shaped like a county, and its planted bad rows
are exactly the rows the loader rejects."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from metrics.demo import EXTRACT_END, DemoSummary, PlantedReject, write_demo
from metrics.extract import schema
from metrics.extract.loader import FALSE_WORDS, TRUE_WORDS, build_database
from metrics.extract.quality import extract_span
from metrics.measures.adherence import live_period_counts, period_counts
from metrics.policy.calendar import add_business_days
from metrics.policy.filters import Filters
from metrics.policy.settings import settings

# Small and fast. The loaded extract is a little larger: transfers and staff turnover need
# teams of more than one, which the smallest scales give only a few agencies.
SCALE = 0.2
LOADED_SCALE = 0.5


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, DemoSummary]:
    folder = tmp_path_factory.mktemp("demo")
    return folder, write_demo(folder, seed=11, scale=LOADED_SCALE)


@pytest.fixture(scope="module")
def loaded(demo, tmp_path_factory) -> duckdb.DuckDBPyConnection:
    folder, _ = demo
    database = tmp_path_factory.mktemp("database") / "demo.duckdb"
    build_database(folder, database)
    con = duckdb.connect(str(database), read_only=True)
    yield con
    con.close()


def records(path: Path) -> list[list[str]]:
    """The file's records; record i is on line i + 1 (every record is one line)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# ---------------------------------------------------------------------------
# Determinism and format


def test_same_seed_gives_identical_files_and_another_seed_other_contacts(tmp_path):
    first = write_demo(tmp_path / "a", seed=5, scale=SCALE)
    second = write_demo(tmp_path / "b", seed=5, scale=SCALE)
    write_demo(tmp_path / "c", seed=6, scale=SCALE)
    assert first == second
    for table in schema.TABLES:
        name = f"{table.name}.csv"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "contacts.csv").read_bytes() != (tmp_path / "c" / "contacts.csv").read_bytes()


def test_writes_every_table_with_the_contract_header_and_nothing_else(demo):
    folder, summary = demo
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{t.name}.csv" for t in schema.TABLES] + ["extract.toml"])
    # The manifest the contract describes: the day the synthetic extract ends, and where it came from.
    assert (folder / "extract.toml").read_text() == (
        'taken_on = 2026-10-31\nsource = "oversight demo: synthetic, seed 11, scale 0.5"\n')
    for table in schema.TABLES:
        text = (folder / f"{table.name}.csv").read_text(encoding="utf-8")
        lines = text.split("\n")
        assert lines[0] == ",".join(c.name for c in table.columns)
        assert text.endswith("\n") and "\r" not in text
        assert summary.rows[table.name] == len(lines) - 2  # less the header and the empty piece after the last newline


def test_values_are_written_in_the_contract_forms(demo):
    folder, summary = demo
    episodes = records(folder / "episodes.csv")
    planted = {p.line for p in summary.planted if p.table == "episodes"}
    good = [row for line, row in enumerate(episodes[1:], start=2) if line not in planted]
    for row in good:
        dt.datetime.strptime(row[4], "%Y-%m-%d %H:%M:%S")  # referred_at
        assert row[5] in ("true", "false")  # emergency
        assert row[7] == "" or dt.date.fromisoformat(row[7]).isoformat() == row[7]  # enrolled_on
    assert any(row[7] == "" for row in good), "never-enrolled referrals are written with an empty cell"


# ---------------------------------------------------------------------------
# Planted bad rows


def _rule_other(table: schema.Table, column: str, kind: type) -> str:
    return next(r.other for r in table.rules if isinstance(r, kind) and r.column == column)


def _as_date_or_time(value: str) -> dt.date | dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S") if " " in value else dt.date.fromisoformat(value)


def _day_of(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _breaks(folder: Path, planted: PlantedReject, others: list[PlantedReject]) -> bool:
    """Whether the planted row, read back from its line, breaks what it says it breaks."""
    table = schema.TABLES_BY_NAME[planted.table]
    rows = records(folder / f"{planted.table}.csv")
    header, cells = rows[0], rows[planted.line - 1]
    if planted.reason_kind == "too_many_columns":
        return len(cells) > len(header)
    if planted.reason_kind == "too_few_columns":
        return len(cells) < len(header)
    assert len(cells) == len(header)
    row = dict(zip(header, cells, strict=True))
    value = row[planted.column]
    column = table.column(planted.column)
    kind = planted.reason_kind
    if kind == "missing_required":
        return column.required and value.strip() == ""
    if kind == "bad_date":
        return _fails(lambda: dt.datetime.strptime(value, "%Y-%m-%d"))
    if kind == "bad_timestamp":
        return _fails(lambda: dt.datetime.strptime(value.replace("T", " "), "%Y-%m-%d %H:%M:%S"))
    if kind == "timestamp_offset":
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", value) is not None
    if kind == "bad_bool":
        return value.lower() not in TRUE_WORDS + FALSE_WORDS
    if kind == "bad_decimal":
        return _fails(lambda: float(value))
    if kind == "bad_integer":
        return _fails(lambda: int(value))
    if kind == "bad_enum":
        return value not in column.enum
    if kind == "out_of_range":
        number = float(value)
        too_low = column.minimum is not None and (number <= column.minimum if column.minimum_exclusive
                                                  else number < column.minimum)
        return too_low or (column.maximum is not None and number > column.maximum)
    if kind == "duplicate_key":
        key = table.key.name
        return column.name == key and any(r[header.index(key)] == value for r in rows[1:planted.line - 1])
    if kind in ("missing_parent", "rejected_parent"):
        parent = schema.TABLES_BY_NAME[column.references]
        parent_rows = records(folder / f"{parent.name}.csv")
        at = parent_rows[0].index(parent.key.name)
        lines = [line for line, r in enumerate(parent_rows, start=1) if line > 1 and r[at] == value]
        if kind == "missing_parent":
            return not lines
        bad_lines = {p.line for p in others if p.table == parent.name}
        return bool(lines) and set(lines) <= bad_lines
    if kind == "not_before":
        other = row[_rule_other(table, planted.column, schema.NotBefore)]
        left, right = _as_date_or_time(value), _as_date_or_time(other)
        if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
            return left < right
        return _day_of(left) < _day_of(right)  # compared as dates when either is a date
    if kind == "only_with":
        rule = next(r for r in table.rules if r.column == planted.column
                    and isinstance(r, schema.OnlyWith | schema.RequiredExactlyWhen))
        return value != "" and row[rule.other] == ""
    if kind == "required_when":
        return value == "" and row[_rule_other(table, planted.column, schema.RequiredExactlyWhen)] != ""
    raise AssertionError(f"unknown reason kind {kind}")


def _fails(parse) -> bool:
    try:
        parse()
    except ValueError:
        return True
    return False


def test_every_planted_line_breaks_what_it_says(demo):
    folder, summary = demo
    for planted in summary.planted:
        assert _breaks(folder, planted, list(summary.planted)), planted


def test_the_planted_rows_cover_every_kind_of_rejection(demo):
    _, summary = demo
    kinds = {p.reason_kind for p in summary.planted}
    assert kinds >= {"missing_required", "duplicate_key", "bad_date", "bad_timestamp", "timestamp_offset",
                     "bad_bool", "bad_decimal", "bad_integer", "bad_enum", "out_of_range", "missing_parent",
                     "rejected_parent", "not_before", "only_with", "required_when", "too_many_columns",
                     "too_few_columns"}
    # Every rule relating two columns of a row is broken at least once.
    broken = {(p.table, p.column) for p in summary.planted}
    for table in schema.TABLES:
        for rule in table.rules:
            assert (table.name, rule.column) in broken, (table.name, rule)
    # A handful, not a flood.
    assert 25 <= len(summary.planted) <= 45


def test_the_loader_rejects_exactly_the_planted_rows(demo, loaded):
    _, summary = demo
    rejected = {(t, line): column for t, line, column in
                loaded.execute('SELECT "table", line, "column" FROM rejects').fetchall()}
    assert set(rejected) == {(p.table, p.line) for p in summary.planted}
    for planted in summary.planted:
        if planted.column is not None:
            assert rejected[(planted.table, planted.line)] == planted.column, planted
    # And no good row is lost: accepted plus rejected rows are the rows written.
    for table, rows_read, accepted, rejected_rows in loaded.execute(
            'SELECT "table", rows_read, accepted, rejected FROM load_report').fetchall():
        assert rows_read == summary.rows[table] == accepted + rejected_rows


def test_rows_under_a_planted_parent_are_listed_as_rejected_parent(demo, loaded):
    _, summary = demo
    cascade = loaded.execute(
        """SELECT "table", line FROM rejects WHERE reason LIKE '%refers to a rejected row%'"""
    ).fetchall()
    assert cascade, "the demo plants a bad episode with contacts, an assignment and a care plan"
    listed = {(p.table, p.line) for p in summary.planted if p.reason_kind == "rejected_parent"}
    assert set(cascade) == listed
    assert {table for table, _ in cascade} == {"assignments", "contacts", "care_plans"}


def test_the_same_handful_is_planted_at_every_scale(tmp_path):
    small = write_demo(tmp_path / "small", seed=3, scale=0.05)
    larger = write_demo(tmp_path / "larger", seed=3, scale=3.0)

    def what(summary) -> list[tuple]:
        return [(p.table, p.column, p.reason_kind) for p in summary.planted]

    assert what(small) == what(larger)


# ---------------------------------------------------------------------------
# The county


def test_nothing_happens_after_the_end(loaded):
    # Deadlines (a plan's due date) may lie ahead; everything that happened is on or before the end.
    for table in schema.TABLES:
        for column in table.event_columns:
            last = loaded.execute(f"SELECT max(CAST({column} AS DATE)) FROM {table.name}").fetchone()[0]
            assert last is None or last <= EXTRACT_END, (table.name, column, last)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


PATTERNS = {
    "referrals never contacted, and so never enrolled": """
        SELECT count(*) FROM episodes e
        WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.episode_id = e.episode_id AND c.kind = 'client')
          AND e.enrolled_on IS NULL AND e.referred_at < TIMESTAMP '2026-10-01'""",
    "emergency referrals": "SELECT count(*) FROM episodes WHERE emergency",
    "RSC-F families of two or more clients": """
        SELECT count(*) FROM (SELECT family_id FROM clients WHERE family_id IS NOT NULL
                              GROUP BY family_id HAVING count(*) >= 2)""",
    "part-time staff": "SELECT count(*) FROM staff WHERE fte < 1",
    "staff who left": "SELECT count(*) FROM staff WHERE separated_on IS NOT NULL",
    "staff who joined during the three years": "SELECT count(*) FROM staff WHERE hired_on >= DATE '2023-11-01'",
    "supervisors": "SELECT count(*) FROM staff s JOIN agencies a USING (agency_id) "
                   "WHERE a.oversight = 'BHD' AND s.role = 'other'",
    "transfers": "SELECT count(*) FROM (SELECT episode_id FROM assignments GROUP BY 1 HAVING count(*) >= 2)",
    "planned discharges": "SELECT count(*) FROM episodes WHERE discharge_type = 'planned'",
    "unplanned discharges": "SELECT count(*) FROM episodes WHERE discharge_type = 'unplanned'",
    "episodes open at the end": "SELECT count(*) FROM episodes WHERE enrolled_on IS NOT NULL AND discharged_on IS NULL",
    "contacts of all four kinds": "SELECT (count(DISTINCT kind) = 4)::INT FROM contacts",
    "contacts without a staff member": "SELECT count(*) FROM contacts WHERE staff_id IS NULL",
    "late final care plans": """
        SELECT count(*) FROM care_plans p JOIN episodes e USING (episode_id)
        WHERE p.plan_kind = 'final' AND p.completed_on > e.enrolled_on + 30""",
    "a monitoring visit on 29 February 2024": "SELECT count(*) FROM monitoring_visits WHERE visited_on = DATE '2024-02-29'",
    "a program never visited": """
        SELECT count(*) FROM agencies a WHERE a.oversight = 'DCTS'
          AND NOT EXISTS (SELECT 1 FROM monitoring_visits v WHERE v.agency_id = a.agency_id)""",
    "a program overdue for its visit": """
        SELECT count(*) FROM (SELECT agency_id, max(visited_on) AS last FROM monitoring_visits GROUP BY 1)
        WHERE last + INTERVAL 2 YEAR < DATE '2026-10-31'""",
    "two or more plans of action escalated to corrective actions": """
        SELECT (count(*) >= 2)::INT FROM action_plans c JOIN action_plans p ON p.plan_id = c.parent_plan_id
        WHERE c.kind = 'corrective_action' AND p.kind = 'plan_of_action'""",
    "corrective-action responses late and missing": """
        SELECT least(count(*) FILTER (WHERE response_on > issued_on + 10),
                     count(*) FILTER (WHERE response_on IS NULL))
        FROM action_plans WHERE kind = 'corrective_action'""",
    "documentation reviews not yet complete": "SELECT count(*) FROM documentation_reviews WHERE completed_on IS NULL",
    "CRS participants recertified and discharged": """
        SELECT least(count(recertified_on), count(discharged_on)) FROM crs_enrollments""",
    "incidents reported late": "SELECT count(*) FROM incidents WHERE reported_on > occurred_on",
    "orientation hours granted by exemption": "SELECT count(*) FROM trainings WHERE exempt",
}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_county_shows_the_pattern(loaded, pattern):
    assert _count(loaded, PATTERNS[pattern]) > 0, pattern


def test_some_documentation_materials_arrive_after_15_business_days(loaded):
    reviews = loaded.execute(
        "SELECT requested_on, materials_received_on FROM documentation_reviews WHERE materials_received_on IS NOT NULL"
    ).fetchall()
    late = [r for r in reviews if r[1] > add_business_days(r[0], 15)]
    assert 0 < len(late) < len(reviews)


def test_about_one_referral_in_ten_is_an_emergency(loaded):
    share = loaded.execute("SELECT avg(emergency::INT) FROM episodes").fetchone()[0]
    assert 0.06 <= share <= 0.14


def test_families_share_one_agency_and_every_rsc_f_client_has_a_family(loaded):
    assert _count(loaded, """
        SELECT count(*) FROM episodes e JOIN clients c USING (client_id)
        WHERE e.service_level = 'RSC-F' AND c.family_id IS NULL""") == 0
    assert _count(loaded, """
        SELECT count(*) FROM (SELECT c.family_id FROM episodes e JOIN clients c USING (client_id)
                              WHERE c.family_id IS NOT NULL GROUP BY 1 HAVING count(DISTINCT e.agency_id) > 1)""") == 0


def test_staff_carry_episodes_of_their_own_agency_and_role_while_employed(loaded):
    assert _count(loaded, """
        SELECT count(*) FROM assignments a JOIN staff s USING (staff_id) JOIN episodes e USING (episode_id)
        WHERE s.agency_id <> e.agency_id OR s.role <> e.service_level
           OR a.start_on < s.hired_on OR coalesce(a.end_on, DATE '2026-10-31') > coalesce(s.separated_on, DATE '2026-10-31')
        """) == 0
    assert _count(loaded, """
        SELECT count(*) FROM contacts c JOIN staff s USING (staff_id)
        WHERE CAST(c.contact_at AS DATE) NOT BETWEEN s.hired_on AND coalesce(s.separated_on, DATE '2026-10-31')
        """) == 0


def test_contacts_grow_with_scale(tmp_path):
    # Staff, clients, episodes and contacts grow linearly with the scale.
    one = write_demo(tmp_path / "one", seed=9, scale=1.0)
    two = write_demo(tmp_path / "two", seed=9, scale=2.0)
    assert 1.5 <= two.rows["contacts"] / one.rows["contacts"] <= 2.5
    assert 1.5 <= two.rows["episodes"] / one.rows["episodes"] <= 2.5


def test_scale_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        write_demo(tmp_path, scale=0)


def test_the_bundled_demo_is_the_generators_output(tmp_path):
    bundled = Path(__file__).resolve().parent.parent / "data" / "demo"
    write_demo(tmp_path, seed=2026, scale=1.0)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in bundled.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name


def _sorted_counts(frame: pl.DataFrame) -> list[tuple]:
    return sorted(frame.select("month", "agency_id", "staff_id", "service_level", "requirement",
                               "periods_due", "periods_met").rows(), key=repr)


def test_the_stored_period_grid_counts_what_a_live_count_does(loaded):
    last = extract_span(loaded)[1]
    assert loaded.execute("SELECT grid_end FROM adherence_grid_info").fetchall() == [(last,)]
    agencies = [a for (a,) in loaded.execute("SELECT DISTINCT agency_id FROM episodes ORDER BY 1 LIMIT 3").fetchall()]
    variants = [
        Filters(as_of=last),
        Filters(as_of=last - dt.timedelta(days=200)),
        Filters(as_of=last, period_start=last - dt.timedelta(days=90), period_end=last - dt.timedelta(days=10)),
        Filters(as_of=last - dt.timedelta(days=45), agencies=tuple(agencies), service_levels=("RSC-I", "CM")),
    ]
    for filters in variants:
        stored = period_counts(loaded, filters)
        assert stored.height > 0
        assert _sorted_counts(stored) == _sorted_counts(live_period_counts(loaded, filters, settings())), filters


def test_an_as_of_date_after_the_stored_grid_is_counted_live(loaded):
    last = extract_span(loaded)[1]
    at_end = period_counts(loaded, Filters(as_of=last))
    later = period_counts(loaded, Filters(as_of=last + dt.timedelta(days=60)))
    # Two months on with no contacts recorded: the open episodes' periods keep falling due,
    # and only periods that began before the last date can be met.
    new_due = later["periods_due"].sum() - at_end["periods_due"].sum()
    new_met = later["periods_met"].sum() - at_end["periods_met"].sum()
    assert new_due > 0
    assert 0 <= new_met < new_due
