"""The tables built once at load from the checked tables, declared as data.

The loader builds each of them after the extract's own tables are checked, so that a measure
reads a few stored rows instead of every contact; none of them is a measure, and the loader
needs no measure to build them. A table counted under settings (the contact rules) stores
what it was counted with beside it, so that other settings count live instead.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.store.db import create_table


def requirement_params(settings: Settings) -> dict[str, list[str] | list[int]]:
    """The contact rules as the parallel lists the queries unnest, one service level per position."""
    rules = settings.contact_periods()
    return {
        "requirement_levels": [rule[0] for rule in rules],
        "requirement_names": [rule[1] for rule in rules],
        "requirement_days": [int(rule[2]) for rule in rules],
        "requirement_kinds": [rule[3] for rule in rules],
    }


def _no_params(through: dt.date, settings: Settings) -> dict[str, object]:
    return {}


def _grid_params(through: dt.date, settings: Settings) -> dict[str, object]:
    return {**Filters(as_of=through).params(), **requirement_params(settings)}


def _grid_rules(settings: Settings) -> str:
    return json.dumps(requirement_params(settings), sort_keys=True)


@dataclass(frozen=True)
class DerivedTable:
    table: str
    query: str  # queries/<query>.sql
    params: Callable[[dt.date, Settings], dict[str, object]] = _no_params  # from the extract's date and the settings
    # The settings the rows depend on, stored in `<table>_info` with the last day they cover (`grid_end`).
    rules: Callable[[Settings], str] | None = None


# One row per episode: the first events after its referral (first contact, milestones).
EPISODE_FIRSTS = DerivedTable("episode_firsts", "episode_firsts")
# Every complete contact period up to the extract's date, with whether it was met (adherence).
ADHERENCE_GRID = DerivedTable("adherence_grid", "adherence_periods", _grid_params, _grid_rules)

DERIVED_TABLES: tuple[DerivedTable, ...] = (EPISODE_FIRSTS, ADHERENCE_GRID)


def build_derived_tables(con: duckdb.DuckDBPyConnection, through: dt.date, settings: Settings) -> None:
    """Store every derived table in the database being built; ``through`` is the extract's date."""
    for derived in DERIVED_TABLES:
        create_table(con, derived.table, derived.query, **derived.params(through, settings))
        if derived.rules is not None:
            con.execute(f"CREATE TABLE {derived.table}_info AS SELECT CAST(? AS DATE) AS grid_end, ? AS rules",
                        [through, derived.rules(settings)])


def stored_covers(con: duckdb.DuckDBPyConnection, derived: DerivedTable, as_of: dt.date, settings: Settings) -> bool:
    """Whether ``derived`` was stored under these settings and runs at least to ``as_of``."""
    assert derived.rules is not None, f"{derived.table} does not depend on settings"
    cursor = con.cursor()
    if not cursor.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                          [f"{derived.table}_info"]).fetchall()[0][0]:
        return False
    through: dt.date
    rules: str
    through, rules = cursor.execute(f"SELECT grid_end, rules FROM {derived.table}_info").fetchall()[0]
    return rules == derived.rules(settings) and as_of <= through
