"""The extract contract as data: one description drives every check the loader makes.

Each table lists its columns (type, required, unique, enum, range, foreign key) and the
rules that relate two columns of a row. The loader turns this into SQL; nothing else
in the project restates a rule of the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# The logical types of the contract and the DuckDB type each becomes once accepted.
SQL_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
    "decimal": "DOUBLE",
    "integer": "BIGINT",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    references: str | None = None  # table whose key this column must name
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    maximum_is_current_year: bool = False
    default: float | None = None  # value taken when an optional cell is empty
    deadline: bool = False  # a date set in advance, not one on which something happened

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class NotBefore:
    """``column`` may not be earlier than ``other`` (compared as dates when either is a date)."""

    column: str
    other: str


@dataclass(frozen=True)
class OnlyWith:
    """``column`` may be set only when ``other`` is set."""

    column: str
    other: str


@dataclass(frozen=True)
class RequiredExactlyWhen:
    """``column`` is required when ``other`` is set, and must be empty when it is not."""

    column: str
    other: str


Rule = NotBefore | OnlyWith | RequiredExactlyWhen


@dataclass(frozen=True)
class Table:
    name: str
    core: bool
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def key(self) -> Column | None:
        return next((c for c in self.columns if c.unique), None)

    @property
    def required_columns(self) -> list[str]:
        """Columns the file must have a header for: those that may never be null."""
        return [c.name for c in self.columns if c.required]

    @property
    def event_columns(self) -> list[str]:
        """Date and timestamp columns recording when something happened."""
        return [c.name for c in self.columns if c.type in ("date", "timestamp") and not c.deadline]

    @property
    def parents(self) -> list[str]:
        return [c.references for c in self.columns if c.references and c.references != self.name]


# The blanks trimmed from around an id (the contract's "surrounding blanks"); a line of
# nothing else is a blank line.
BLANKS = " \t"
# Dates and timestamps outside these days are impossible in an extract (the contract).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

SERVICE_LEVELS = ("RSC-I", "RSC-F", "CM")
STAFF_ROLES = ("RSC-I", "RSC-F", "CM", "other")
CONTACT_KINDS = ("client", "attempt", "rst_meeting", "collateral")
CONTACT_MODES = ("in_person", "phone", "video", "text", "other")


def _id(name: str, **kw: Any) -> Column:
    return Column(name, "id", **kw)


TABLES: tuple[Table, ...] = (
    Table("agencies", True, (
        _id("agency_id", required=True, unique=True),
        Column("agency_name", "text", required=True),
        Column("oversight", "enum", required=True, enum=("BHD", "DCTS")),
        Column("county", "text"),
        Column("program_start_on", "date"),
    )),
    Table("staff", True, (
        _id("staff_id", required=True, unique=True),
        _id("agency_id", required=True, references="agencies"),
        Column("role", "enum", required=True, enum=STAFF_ROLES),
        Column("fte", "decimal", minimum=0, minimum_exclusive=True, maximum=1.0, default=1.0),
        Column("hired_on", "date", required=True),
        Column("separated_on", "date"),
    ), (NotBefore("separated_on", "hired_on"),)),
    Table("clients", True, (
        _id("client_id", required=True, unique=True),
        _id("family_id"),
        Column("birth_year", "integer", minimum=1900, maximum_is_current_year=True),
    )),
    Table("episodes", True, (
        _id("episode_id", required=True, unique=True),
        _id("client_id", required=True, references="clients"),
        _id("agency_id", required=True, references="agencies"),
        Column("service_level", "enum", required=True, enum=SERVICE_LEVELS),
        Column("referred_at", "timestamp", required=True),
        Column("emergency", "bool", required=True),
        Column("assigned_at", "timestamp"),
        Column("enrolled_on", "date"),
        Column("discharged_on", "date"),
        Column("discharge_type", "enum", enum=("planned", "unplanned")),
    ), (
        NotBefore("assigned_at", "referred_at"),
        NotBefore("enrolled_on", "referred_at"),
        OnlyWith("discharged_on", "enrolled_on"),
        NotBefore("discharged_on", "enrolled_on"),
        RequiredExactlyWhen("discharge_type", "discharged_on"),
    )),
    Table("assignments", True, (
        _id("episode_id", required=True, references="episodes"),
        _id("staff_id", required=True, references="staff"),
        Column("start_on", "date", required=True),
        Column("end_on", "date"),
    ), (NotBefore("end_on", "start_on"),)),
    Table("contacts", True, (
        _id("contact_id", required=True, unique=True),
        _id("episode_id", required=True, references="episodes"),
        _id("staff_id", references="staff"),
        Column("contact_at", "timestamp", required=True),
        Column("kind", "enum", required=True, enum=CONTACT_KINDS),
        Column("mode", "enum", required=True, enum=CONTACT_MODES),
    )),
    Table("care_plans", False, (
        _id("episode_id", required=True, references="episodes"),
        Column("plan_kind", "enum", required=True, enum=("preliminary", "final", "review")),
        Column("completed_on", "date", required=True),
        Column("safety_plan", "bool"),
    )),
    Table("monitoring_visits", False, (
        _id("agency_id", required=True, references="agencies"),
        Column("visited_on", "date", required=True),
    )),
    Table("documentation_reviews", False, (
        _id("agency_id", required=True, references="agencies"),
        Column("review_year", "integer", required=True),
        Column("requested_on", "date", required=True),
        Column("materials_received_on", "date"),
        Column("population_size", "integer", minimum=0),
        Column("sample_size", "integer", minimum=0),
        Column("completed_on", "date"),
        Column("outcome", "enum", enum=("met", "not_met")),
    )),
    Table("action_plans", False, (
        _id("plan_id", required=True, unique=True),
        _id("agency_id", required=True, references="agencies"),
        Column("kind", "enum", required=True, enum=("plan_of_action", "corrective_action")),
        Column("source", "enum", required=True,
               enum=("documentation_oversight", "biennial_monitoring", "other")),
        Column("issued_on", "date", required=True),
        Column("due_on", "date", required=True, deadline=True),
        Column("response_on", "date"),
        Column("completed_on", "date"),
        _id("parent_plan_id", references="action_plans"),
    ), (NotBefore("due_on", "issued_on"), NotBefore("completed_on", "issued_on"))),
    Table("crs_enrollments", False, (
        _id("client_id", required=True, references="clients"),
        _id("agency_id", required=True, references="agencies"),
        Column("enrolled_on", "date", required=True),
        Column("recertified_on", "date"),
        Column("discharged_on", "date"),
    ), (NotBefore("discharged_on", "enrolled_on"),)),
    Table("incidents", False, (
        _id("incident_id", required=True, unique=True),
        _id("agency_id", required=True, references="agencies"),
        Column("occurred_on", "date", required=True),
        Column("reported_on", "date", required=True),
        Column("category", "text", required=True),
    ), (NotBefore("reported_on", "occurred_on"),)),
    Table("trainings", False, (
        _id("staff_id", required=True, references="staff"),
        Column("completed_on", "date", required=True),
        Column("hours", "decimal", required=True, minimum=0, minimum_exclusive=True),
        Column("exempt", "bool"),
    )),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


def load_order() -> list[Table]:
    """Tables ordered so that every parent is loaded before the tables that refer to it."""
    ordered: list[Table] = []
    done: set[str] = set()
    pending = list(TABLES)
    while pending:
        for table in pending:
            if all(p in done for p in table.parents):
                ordered.append(table)
                done.add(table.name)
                pending.remove(table)
                break
        else:  # pragma: no cover - guards the schema itself against a cycle
            raise RuntimeError("foreign keys form a cycle: " + ", ".join(t.name for t in pending))
    return ordered


def current_year() -> int:
    return date.today().year
