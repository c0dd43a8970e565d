"""The data-quality checks, declared once: what each finds, how serious it is, and what the
supplier should do about it (in the spirit of HUD's HMIS data-quality catalogue, "Eva").

A check's severity is ``rejected`` (a rule of the extract contract: the loader keeps the row out
of every figure) or ``warning`` (the row is counted, but something about it, or about what is
missing around it, looks wrong). Its ``rule`` says in words what it finds and its ``guidance``
what the supplier should do; a rule may name a setting (``{settings.quiet_caseload_days}``),
filled in by :meth:`Check.rule_text` so that an override changes the words too.

Rejections are found by the loader, which records each rejected row in ``rejects``.
:func:`rejection_checks` maps each to its check: by what the loader records as data where it
does (a line it could not read, ``whole_line``; a row rejected for the rejected row it names,
``cause_line``), else by its reason. The loader words reasons in SQL, from constants where it has
them (``TYPE_REASONS``, read from it here) and from the contract otherwise (``schema.py``), so the
reasons one column of one table can be given are formatted here the same way, and a reason is
matched whole, or by its fixed start and end where it quotes a value or a line: never by a word
found somewhere in it. A date-typed value rejected as "not a date" but written as one (2024-02-30,
hour 24) is an impossible date, told by the value's shape. A reason matching nothing falls to
``contract_rule``, which a test on the demo extract (a bad row of every kind) keeps empty; the
loader's wording is not edited here, so a change there shows in that test.

Warnings are computed after load, each by a query of its own, ``queries/check_<id>.sql``,
returning the rows it flags (``metrics.extract.check_results`` runs them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from metrics.extract import parquetfile, schema
from metrics.extract.loader import TYPE_REASONS
from metrics.policy.settings import Settings

REJECTED, WARNING = "rejected", "warning"
SEVERITIES = (REJECTED, WARNING)

# The start of the loader's reason for a row dated after the extract was taken.
DATED_LATER = "dated after the extract was taken"
# The first characters that make a spreadsheet read a cell as a formula (OWASP), as
# metrics.report.export neutralises them (a test keeps the two lists equal).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    rule: str  # may name settings: "{settings.quiet_caseload_days}"
    guidance: str
    # queries/<query>.sql, which returns the rows a warning flags; None for a rejection.
    query: str | None = None

    def rule_text(self, settings: Settings) -> str:
        return self.rule.format(settings=settings)


CATALOGUE: tuple[Check, ...] = (
    # The contract's rules: the loader rejects the row.
    Check("malformed_line", REJECTED,
          "A line must read as one row of its file: as many values as the header has columns, quotes "
          "matched, UTF-8 text, no carriage return outside a quoted value.",
          "Export the table again as UTF-8 CSV, quoting every value that holds a comma, a quote or a line "
          "break; look at the line for a stray quote or separator."),
    Check("missing_value", REJECTED,
          "A required value may not be empty.",
          "Fill the value in from the source system; if the source system does not hold it, tell the "
          "oversight team which rows lack it and why."),
    Check("malformed_value", REJECTED,
          "A value must be written in its column's type: dates as YYYY-MM-DD, timestamps as YYYY-MM-DD "
          "HH:MM[:SS] in local time without an offset, booleans as true/false, numbers with '.' as "
          "the decimal separator.",
          "Export the column in the contract's format; a date written the local way (03/15/2026) or a "
          "timestamp with a time zone offset is the usual cause."),
    Check("impossible_date", REJECTED,
          "A date or timestamp must exist (no 30 February, no hour 24) and lie between "
          f"{schema.EARLIEST_DATE} and {schema.LATEST_DATE}.",
          "Correct the date in the source system; where the column may be empty, leave an unknown date "
          "empty rather than writing a placeholder such as 9999-12-31."),
    Check("unknown_code", REJECTED,
          "A coded value must be one of the contract's words for its column, spelt exactly (in lower "
          "case unless the contract shows otherwise).",
          "Map the source system's code to the contract's list; a new kind of value the list lacks is "
          "a question for the oversight team."),
    Check("out_of_range", REJECTED,
          "A number must lie within its column's range in the contract (an FTE above 0 and at most 1.0, "
          "a birth year from 1900 to this year, training hours above 0, sizes not negative).",
          "Correct the value; an FTE above 1.0 is usually two posts recorded as one staff row (the FTE "
          "is the share of one full-time post)."),
    Check("dates_out_of_order", REJECTED,
          "The dates of one row must come in their order: assigned and enrolled not before the referral, "
          "discharged not before enrolled, separated not before hired, an end not before its start, a "
          "plan due or completed not before it was issued, an incident reported not before it occurred.",
          "Correct whichever of the two dates is wrong; the reason names both."),
    Check("inconsistent_values", REJECTED,
          "Values that go together must be filled in together: a discharge date only with an enrolment "
          "date, and a discharge type exactly when there is a discharge date.",
          "Fill in the missing value, or empty the one that should not be there."),
    Check("duplicate_key", REJECTED,
          "A key (agency_id, staff_id, client_id, episode_id, contact_id, plan_id, incident_id) names one "
          "row: the first row with it is kept, each later one is rejected.",
          "Remove the repeated row, or give a distinct record an id of its own."),
    Check("unknown_reference", REJECTED,
          "An id that names a row of another table (an agency, staff member, client, episode or parent "
          "plan) must name a row the extract holds.",
          "Include the row it names in the extract (it may have been filtered out), or correct the id."),
    Check("rejected_reference", REJECTED,
          "A row that names a rejected row is rejected with it: nothing can be counted against a row "
          "that is not there.",
          "Fix the row it names (the reason gives its table and line): this row is then accepted with it."),
    Check("contract_rule", REJECTED,
          "Any other rule of the extract contract.",
          "Read the reason given with the row and the extract contract; tell the oversight team if it "
          "is unclear."),
    # Warnings: the row is counted, but something looks wrong.
    Check("dated_later", WARNING,
          "A date or timestamp lies after the day the extract was taken: it records what cannot have "
          "happened yet. The row is kept, and never moves the report date.",
          "Check the date in the source system: a date typed in the wrong year or month, or a clock set "
          "wrong, is the usual cause.",
          "check_dated_later"),
    Check("quiet_staff", WARNING,
          "A staff member carried clients on the first and on the last of the "
          "{settings.quiet_caseload_days} days up to the extract's date, and no contact of theirs "
          "(contacts.staff_id) is recorded in those days.",
          "Check that their contacts are entered, and entered under their own staff_id; if their "
          "clients have moved on, end the assignments (end_on).",
          "check_quiet_staff"),
    Check("quiet_agency", WARNING,
          "An agency had a client enrolled throughout the {settings.quiet_caseload_days} days up to the "
          "extract's date (enrolled by the first, not discharged before the last), and no contact with "
          "any of its episodes is recorded in those days.",
          "Check that the agency's contacts reached the extract (an export filter, a failed transfer); "
          "if its clients have been discharged, record the discharges.",
          "check_quiet_agency"),
    Check("volume_drop", WARNING,
          "An agency's contacts in a complete month of the extract fell by more than "
          "{settings.volume_drop_share:.0%} from its contacts in the month before.",
          "Check that the month's contacts are all in the extract: a fall this steep is more often "
          "contacts not yet entered or not exported than work not done.",
          "check_volume_drop"),
    Check("duplicate_contact", WARNING,
          "A contact is recorded twice: another contact of the same episode has the same contact_at "
          "and the same kind (the first, by line, is taken as the original).",
          "Remove the repeated contact if it is one contact entered twice; if there really were two, "
          "record each at its own time.",
          "check_duplicate_contact"),
    Check("formula_text", WARNING,
          "A text value (an agency's name or county, an incident category) starts with =, +, -, @, a "
          "tab or a carriage return, which a spreadsheet would run as a formula. The files this project "
          "writes show it after an apostrophe.",
          "Remove the leading character in the source system, or confirm that the value is meant so.",
          "check_formula_text"),
    Check("unassigned_referral", WARNING,
          "An episode referred {settings.unassigned_business_days} or more business days before the "
          "extract's date (Monday to Friday less holidays) has not been assigned: no assigned_at and "
          "no assignment starting by that date.",
          "Record the assignment (assigned_at and the assignment of staff) if there was one; a "
          "referral closed without one cannot be told from one still waiting in the extract, so list "
          "those for the oversight team.",
          "check_unassigned_referral"),
)

CHECKS_BY_ID = {check.id: check for check in CATALOGUE}
WARNING_CHECKS = tuple(check for check in CATALOGUE if check.severity == WARNING)


# ---------------------------------------------------------------------------
# Rejections: each reason the loader gives, and its check

# A date or timestamp in the shape of one, whatever its digits: a value with this shape that the
# loader could not read is a day or hour that does not exist.
_DATE_SHAPE = r"\d{4}-\d{2}-\d{2}"
_TIMESTAMP_SHAPE = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
_RULE_CHECKS = {schema.NotBefore: "dates_out_of_order", schema.OnlyWith: "inconsistent_values",
                schema.RequiredExactlyWhen: "inconsistent_values"}


@dataclass(frozen=True)
class Reason:
    """A reason the loader gives for rejecting a row on one column of one table (a regular
    expression matched against the whole reason) and the check it belongs to."""

    table: str
    column: str
    pattern: str
    check: str


def _exact(text: str) -> str:
    return re.escape(text)


def _column_reasons(table: schema.Table, column: schema.Column) -> list[Reason]:
    """The loader's reasons for one column, worded as ``loader._column_checks`` and
    ``loader._value_checks`` word them."""
    def reason(pattern: str, check: str) -> Reason:
        return Reason(table.name, column.name, pattern, check)

    reasons = []
    if column.required:
        reasons.append(reason(_exact("required value is empty"), "missing_value"))
    if column.type == "enum":
        reasons.append(reason(_exact("not one of: " + ", ".join(column.enum)), "unknown_code"))
    elif column.type in TYPE_REASONS:
        reasons.append(reason(_exact(TYPE_REASONS[column.type]),
                              "malformed_value"))
    if column.minimum is not None:
        words = "greater than" if column.minimum_exclusive else "at least"
        reasons.append(reason(_exact(f"must be {words} {column.minimum:g}"), "out_of_range"))
    if column.maximum_is_current_year:
        # The year the extract was loaded in, which a reason read later still names.
        reasons.append(reason(r"must be at most \d{4}", "out_of_range"))
    elif column.maximum is not None:
        reasons.append(reason(_exact(f"must be at most {column.maximum:g}"), "out_of_range"))
    if column.type in ("date", "timestamp"):
        reasons.append(reason(_exact(f"outside {schema.EARLIEST_DATE} to {schema.LATEST_DATE}"), "impossible_date"))
    if column.unique:
        reasons.append(reason(_exact(f"duplicate {column.name} (first on line ") + r"\d+\)", "duplicate_key"))
    if column.references is not None:
        # The id is quoted inside the reason, between a fixed start and end. (A row naming a
        # rejected row is told by its cause, not by its reason.)
        start = _exact(f"{column.name} '")
        parent = column.references
        reasons.append(reason(start + ".*" + _exact(f"' not found in {parent}"), "unknown_reference"))
    return reasons


def _rule_reasons(table: schema.Table, rule: schema.Rule) -> list[Reason]:
    """The loader's reasons for one rule between two columns (``loader._rule_check``)."""
    check = _RULE_CHECKS[type(rule)]
    column, other = rule.column, rule.other
    if isinstance(rule, schema.NotBefore):
        patterns = [_exact(f"is before {other} (") + r".*\)"]
    elif isinstance(rule, schema.OnlyWith):
        patterns = [_exact(f"is set but {other} is empty")]
    else:
        patterns = [_exact(f"required when {other} is set"), _exact(f"must be empty when {other} is empty")]
    return [Reason(table.name, column, pattern, check) for pattern in patterns]


def rejection_reasons() -> tuple[Reason, ...]:
    """Every reason the loader can give for a row of a table, per column."""
    reasons: list[Reason] = []
    for table in schema.TABLES:
        for column in table.columns:
            reasons.extend(_column_reasons(table, column))
        for rule in table.rules:
            reasons.extend(_rule_reasons(table, rule))
    return tuple(reasons)


def rejection_checks(rejected: pl.DataFrame) -> pl.DataFrame:
    """``rejected`` (the columns of ``rejects``: table, column, value, reason, cause_line and
    whole_line) with ``check``, the id of the check each row breaks, rows in their order.

    What the loader records as data decides first: a line it could not read into values
    (``whole_line``, and Parquet text that is not UTF-8) is ``malformed_line``, a row rejected
    for the rejected row it names (``cause_line``) is ``rejected_reference``. The rest are matched
    against :func:`rejection_reasons` for their table and column; ``contract_rule`` for none."""
    reasons = pl.DataFrame(
        [(r.table, r.column, f"^(?:{r.pattern})$", r.check) for r in rejection_reasons()],
        schema={"table": pl.String, "column": pl.String, "_pattern": pl.String, "_check": pl.String},
        orient="row",
    )
    numbered = rejected.with_row_index("_row")
    matched = (
        numbered.select("_row", "table", "column", "reason")
        .join(reasons, on=["table", "column"], how="inner")
        .filter(pl.col("reason").str.contains(pl.col("_pattern")))
        .group_by("_row").agg(pl.col("_check").first())
    )
    # A value shaped as a date that the loader could not read as one is a day that does not exist.
    place = pl.concat_str("table", pl.lit("."), "column")
    dates = [f"{t.name}.{c.name}" for t in schema.TABLES for c in t.columns if c.type == "date"]
    stamps = [f"{t.name}.{c.name}" for t in schema.TABLES for c in t.columns if c.type == "timestamp"]
    impossible = (
        (pl.col("_check") == "malformed_value")
        & ((place.is_in(dates) & pl.col("value").str.contains(f"^{_DATE_SHAPE}$"))
           | (place.is_in(stamps) & pl.col("value").str.contains(f"^{_TIMESTAMP_SHAPE}$")))
    ).fill_null(False)
    unreadable = pl.col("whole_line").fill_null(False) | (pl.col("reason") == parquetfile.NOT_UTF8)
    return (
        numbered.join(matched, on="_row", how="left")
        .with_columns(
            pl.when(unreadable).then(pl.lit("malformed_line"))
            .when(pl.col("cause_line").is_not_null()).then(pl.lit("rejected_reference"))
            .when(impossible).then(pl.lit("impossible_date"))
            .otherwise(pl.col("_check").fill_null("contract_rule"))
            .alias("check")
        )
        .sort("_row")
        .drop("_row", "_check")
    )
