"""Shared fixtures: a minimal valid extract that tests change one row at a time."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

BASE_TABLES = {
    "agencies": """agency_id,agency_name,oversight,county,program_start_on
A1,Alpha Recovery,BHD,Milwaukee,2019-05-01
A2,Beta County CRS,DCTS,Dane,
""",
    "staff": """staff_id,agency_id,role,fte,hired_on,separated_on
S1,A1,RSC-I,1.0,2024-01-01,
S2,A2,other,,2024-02-01,2025-06-30
""",
    "clients": """client_id,family_id,birth_year
C1,F1,1980
C2,,
""",
    "episodes": """episode_id,client_id,agency_id,service_level,referred_at,emergency,assigned_at,enrolled_on,discharged_on,discharge_type
E1,C1,A1,RSC-I,2024-03-01 10:00,false,2024-03-01 12:00,2024-03-02,2024-06-01,planned
E2,C2,A1,CM,2024-03-05T08:30:00,yes,,,,
""",
    "assignments": """episode_id,staff_id,start_on,end_on
E1,S1,2024-03-02,2024-06-01
""",
    "contacts": """contact_id,episode_id,staff_id,contact_at,kind,mode
K1,E1,S1,2024-03-01 15:00,client,phone
K2,E2,,2024-03-06 09:00,attempt,other
""",
}


def write_extract(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


# Agency A3 is bad (oversight NOPE): its staff S3 and episode E3 are rejected with it, then the
# assignment of E1 to S3 and the contact of E1 by S3 (A1's, through E1), and E3's assignment and
# contact (A3's). For the cascade's tests: the loader's reasons and the root causes.
BAD_AGENCY_CASCADE = {
    "agencies": ["A3,Gamma,NOPE,,"],
    "staff": ["S3,A3,CM,1,2024-01-01,"],
    "episodes": ["E3,C1,A3,CM,2024-04-01 10:00,no,,2024-04-02,,"],
    "assignments": ["E1,S3,2024-03-02,", "E3,S1,2024-04-02,"],
    "contacts": ["K3,E1,S3,2024-03-05 10:00,client,phone", "K4,E3,,2024-04-02 10:00,client,phone"],
}
# P1 (line 2) is due before it was issued; P2 escalates P1 and P3 escalates P2; P4 escalates a plan
# that does not exist.
PLAN_CHAIN = (
    "plan_id,agency_id,kind,source,issued_on,due_on,response_on,completed_on,parent_plan_id\n"
    "P1,A2,plan_of_action,other,2024-05-01,2024-04-01,,,\n"
    "P2,A2,corrective_action,other,2024-06-01,2024-07-01,,,P1\n"
    "P3,A2,corrective_action,other,2024-06-01,2024-07-01,,,P2\n"
    "P4,A2,corrective_action,other,2024-06-01,2024-07-01,,,P9\n"
)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """Each test builds its databases in a cache folder of its own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("OVERSIGHT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def build(tmp_path, cache):
    """Build a database from the base extract with changes; returns an open connection."""
    from metrics.extract.loader import database_path

    counter = iter(range(1000))

    def _build(extra_rows: dict[str, list[str]] | None = None,
               replace: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
        tables = dict(BASE_TABLES)
        tables.update(replace or {})
        for name, rows in (extra_rows or {}).items():
            tables[name] = tables.get(name, "") + "".join(row + "\n" for row in rows)
        folder = write_extract(tmp_path / f"extract{next(counter)}", tables)
        return duckdb.connect(str(database_path(folder)), read_only=True)

    return _build


def rejects(con: duckdb.DuckDBPyConnection, table: str | None = None) -> list[tuple]:
    """(table, line, column, value, reason) of every rejected row, in file order."""
    sql = 'SELECT "table", line, "column", value, reason FROM rejects'
    if table:
        return con.execute(sql + ' WHERE "table" = ? ORDER BY line', [table]).fetchall()
    return con.execute(sql + ' ORDER BY "table", line').fetchall()


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    """A small demo extract (seed 3, scale 0.3) loaded, and its agencies' names: the decks' tests'."""
    from metrics.demo import write_demo
    from metrics.extract.loader import connect

    folder = tmp_path_factory.mktemp("extract")
    write_demo(folder, seed=3, scale=0.3)
    con = connect(folder)
    return con, dict(con.sql("SELECT agency_id, agency_name FROM agencies").fetchall())
