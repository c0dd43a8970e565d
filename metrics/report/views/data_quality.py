"""The data-quality page: the root causes of rejected rows, rows accepted and rejected per table,
the reasons, rows with a warning; and a root cause in words for the data supplier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import polars as pl

from metrics.disclosure.suppression import Counted, Linked, complement, suppress_counts
from metrics.extract.checks import CATALOGUE
from metrics.extract.root_causes import recovered_text
from metrics.extract.schema import TABLES_BY_NAME, load_order
from metrics.measures.docs import MEASURES_DOC, slug
from metrics.measures.registry import MEASURES
from metrics.policy import wording
from metrics.policy.settings import Settings
from metrics.report.views import Figures, Metric

# Rows of the extract are records of clients and their care: counted like people while presenting.
ROWS = Counted(("rows_read", "rejected", "warnings"), (("rejected", "rows_read"), ("warnings", "rows_read")))
ACCEPTED = complement("rejected", "rows_read")
# The root causes the page lists one by one, most rows recovered first; the others share a row, so
# that the table (and its suppression while presenting) stays small whatever the extract.
CAUSES_SHOWN = 20
# A cause's agencies are named up to this many; more are counted.
AGENCIES_NAMED = 3
# A value quoted in a cause, cut to this many characters.
VALUE_CHARACTERS = 40
# Columns whose values may name someone or something (ids, free text): never quoted in a cause.
UNQUOTED_TYPES = ("id", "text")


def caption(extract_name: str, info: dict[str, str], first: dt.date, taken: dt.date) -> str:
    """The extract, the day it was taken and where that day comes from."""
    basis = ("its manifest, extract.toml" if info["extract_date_from"] == "manifest" else
             f"the latest day on which anything in it happened, up to the day it was loaded "
             f"({dt.date.fromisoformat(info['loaded_on']):%d %B %Y})")
    return (
        f"Extract `{extract_name}`, taken on **{taken:%d %B %Y}** (from {basis}); events from "
        f"{first:%d %B %Y}. The figures open on that date."
    )


def reasons(rejected: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows by table and column, with the first reason and line."""
    return rejected.group_by("table", "column", maintain_order=True).agg(
        pl.len().alias("rejected"), pl.col("reason").first().alias("example"), pl.col("line").min().alias("first_line")
    )


def linked(summary: pl.DataFrame, rejected: pl.DataFrame, causes: pl.DataFrame) -> Linked:
    """Reasons add up to each table's rejected rows, tables to the extract's; the rows a root cause
    takes with it per table add up to its rows recovered and to each table's rejected rows."""
    listed, per_table = cause_rows(causes)
    return (
        Linked()
        .add("tables", summary, ("table",), ROWS)
        .add("all", summary.select(pl.col("rows_read", "rejected", "warnings").sum()), (), ROWS)
        .add("reasons", reasons(rejected), ("table", "column"), Counted(("rejected",)))
        .add("causes", listed.select("rank", "rejected"), ("rank",), Counted(("rejected",)))
        .add("cause_tables", per_table, ("rank", "table"), Counted(("rejected",)))
        .sums("tables", "all")
        .sums("reasons", "tables")
        .sums("cause_tables", "causes")
        .sums("cause_tables", "tables")
    )


# ---------------------------------------------------------------------------
# Root causes: fix one row, recover every row rejected because of it


def cause_rows(causes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The causes the page lists (rows of ``metrics.extract.root_causes``), each with its ``rank``:
    the ``CAUSES_SHOWN`` first, then one row (``rest``) for the others, with how many ``causes`` it
    stands for and the ``most`` rows one of them recovers; their rows recovered as ``rejected``,
    their ``agencies`` and their ``tables`` in load order. And the rows each listed cause takes per
    table (rank, table, rejected)."""
    order = {table.name: i for i, table in enumerate(load_order())}
    ranked = causes.with_row_index("rank", offset=1).with_columns(
        pl.col("rank").cast(pl.Int64), pl.lit(False).alias("rest"), pl.lit(1, pl.Int64).alias("causes"),
        pl.col("recovered").list.eval(pl.element().struct.field("table")).alias("tables"))
    listed = ranked.head(CAUSES_SHOWN)
    others = ranked.slice(CAUSES_SHOWN)
    if others.height:
        agencies = others["agencies"].explode().drop_nulls().unique().sort().to_list()
        tables = sorted(others["tables"].explode().unique().to_list(), key=order.__getitem__)
        listed = pl.concat([listed, pl.DataFrame({
            "rank": [CAUSES_SHOWN + 1], "rest": [True], "causes": [others.height],
            "rows_recovered": [others["rows_recovered"].sum()], "most": [others["rows_recovered"].max()],
            "agencies": [agencies], "tables": [tables],
        }, schema_overrides={"agencies": pl.List(pl.String), "tables": pl.List(pl.String)})], how="diagonal_relaxed")
    per_table = (
        ranked.select(pl.min_horizontal("rank", pl.lit(CAUSES_SHOWN + 1, pl.Int64)).alias("rank"), "recovered")
        .explode("recovered")
        .select("rank", pl.col("recovered").struct.field("table"), pl.col("recovered").struct.field("rows"))
        .group_by("rank", "table").agg(pl.col("rows").sum().cast(pl.Int64).alias("rejected"))
        .sort("rank", pl.col("table").replace_strict(order, return_dtype=pl.Int32))
    ) if causes.height else pl.DataFrame(schema={"rank": pl.Int64, "table": pl.String, "rejected": pl.Int64})
    return listed.rename({"rows_recovered": "rejected"}), per_table


@cache
def _headings() -> dict[str, str]:
    """Each section of docs/measures.md by slug, its heading as a sentence says it ("contact
    adherence", but "Safety/Crisis Plans")."""
    found = {}
    for line in MEASURES_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            first = heading.split()[0]
            found[slug(heading)] = heading[0].lower() + heading[1:] if first[1:] == first[1:].lower() else heading
    return found


def measures_counted_from(tables: Iterable[str]) -> list[str]:
    """The measures counted from any of ``tables`` (``Measure.reads``), each definition once, in the
    registry's order: what a rejected row of those tables is missing from."""
    touched = set(tables)
    definitions = dict.fromkeys(m.definition for m in MEASURES if touched & set(m.reads))
    return [_headings()[definition] for definition in definitions]


def measures_text(tables: Iterable[str]) -> str:
    """``measures_counted_from`` in words: "every measure" when it is all of them, "none" when none."""
    measures = measures_counted_from(tables)
    if len(measures) == len({m.definition for m in MEASURES}):
        return "every measure"
    return _listed(measures) if measures else "none"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def cause_text(cause: Mapping[str, Any], public: bool = False) -> str:
    """Where a root cause is and what is wrong with it, in the supplier's terms: "staff line 12,
    fte 1.5: must be at most 1". No value of an identifier or of free text is quoted (an id is taken
    out of its reason too), nor the text of a line that could not be read; while presenting
    (``public``) only the table and column are given, as the reasons table does."""
    table, column, value, reason = cause["table"], cause["column"], cause["value"], cause["reason"]
    if public:
        return f"{table}, {column}" if column and not cause["whole_line"] else f"{table}, a line that cannot be read"
    where = f"{table} line {cause['line']:,}"
    if cause["whole_line"]:
        return f"{where}: {reason}"
    schema_column = next((c for c in TABLES_BY_NAME[table].columns if c.name == column), None)
    quoted = value is not None and schema_column is not None and schema_column.type not in UNQUOTED_TYPES
    if value is not None and not quoted:
        reason = reason.replace(f" '{value}'", "")
    if column is None:
        return f"{where}: {reason}"
    if quoted:
        shown = value if len(value) <= VALUE_CHARACTERS else value[:VALUE_CHARACTERS - 1] + "…"
        return f"{where}, {column} {shown}: {reason}"
    return f"{where}: {reason}" if reason.startswith(f"{column} ") else f"{where}, {column}: {reason}"


def agencies_text(agencies: list[str], names: Mapping[str, str]) -> str:
    """The agencies of a cause's rows by name (an agency not in the extract's accepted agencies
    by its id), or how many when there are more than ``AGENCIES_NAMED``."""
    if len(agencies) > AGENCIES_NAMED:
        return f"{len(agencies)} agencies"
    return _listed([names.get(agency, agency) for agency in agencies]) if agencies else ""


def cause_sentence(cause: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A root cause for the data supplier, one sentence: "staff line 12, fte 1.5: must be at most 1 —
    fixing it recovers 415 rows (1 staff, 30 assignments, 384 contacts) of Recovery Agency B;
    caseload utilization and contact adherence are counted without them." ``cause`` is a row of
    ``metrics.extract.root_causes``; ``names`` the agencies' names by id. No identifier of a client,
    staff member or episode is written (see ``cause_text``)."""
    rows = int(cause["rows_recovered"])
    tables = [item["table"] for item in cause["recovered"]]
    recovered = f"{rows:,} rows ({recovered_text(cause['recovered'])})" if rows > 1 else "1 row"
    agencies = agencies_text(cause["agencies"], names)
    measures = measures_counted_from(tables)
    them = "them" if rows > 1 else "it"
    missed = (f"no measure is counted from {them}" if not measures else
              f"every measure is counted without {them}" if measures_text(tables) == "every measure" else
              f"{_listed(measures)} {'is' if len(measures) == 1 else 'are'} counted without {them}")
    return f"{cause_text(cause)} — fixing it recovers {recovered}{f' of {agencies}' if agencies else ''}; {missed}."


def causes_caption(causes: pl.DataFrame) -> str:
    """What the root causes table lists, and in what order."""
    listed = (f"the {CAUSES_SHOWN} that recover most rows, then the others together"
              if causes.height > CAUSES_SHOWN else "those that recover most rows first")
    return ("A row that names a rejected row (a contact of a rejected episode) is rejected with it. Each cause is "
            "a row rejected for itself: fixing it in the extract recovers it and every row rejected with it, and "
            f"the measures named are counted without those rows until then. Causes are listed {listed}.")


def root_causes_table(figures: Figures, causes: pl.DataFrame, names: Mapping[str, str],
                      public: bool) -> pl.DataFrame:
    """The page's table of root causes: each cause (``cause_text``), its rows recovered as shown
    (suppressed while presenting), its agencies, the measures counted without its rows, and its
    rows per table as shown; the causes after the first ``CAUSES_SHOWN`` share a last row."""
    listed, _ = cause_rows(causes)
    shown = figures.table("causes")
    per_table = figures.table("cause_tables")
    by_rank: dict[int, list[str]] = {}
    for row in per_table.iter_rows(named=True):
        by_rank.setdefault(row["rank"], []).append(f"{wording.count_text(row['rejected'])} {row['table']}")
    rows = []
    for cause in listed.iter_rows(named=True):
        if cause["rest"]:
            # How many other causes there are, and how many rows each recovers at most, are counts of rows.
            what = ("the other causes" if public else
                    f"{cause['causes']:,} other causes, each recovering at most {wording.plural(cause['most'], 'row')}")
        else:
            what = cause_text(cause, public)
        rows.append({
            "cause": what,
            "rows": shown.filter(pl.col("rank") == cause["rank"])["rejected"].item(),
            "agencies": agencies_text(cause["agencies"], names),
            "measures": measures_text(cause["tables"]),
            "tables": ", ".join(by_rank.get(cause["rank"], [])),
        })
    return pl.DataFrame(rows, schema={"cause": pl.String, "rows": shown["rejected"].dtype, "agencies": pl.String,
                                      "measures": pl.String, "tables": pl.String})


def headlines(figures: Figures, summary: pl.DataFrame) -> list[Metric]:
    total = figures.table("all").row(0, named=True)
    return [
        Metric("Rows read", wording.count_text(total["rows_read"])),
        Metric("Accepted", wording.count_text(total[ACCEPTED])),
        Metric("Rejected", wording.count_text(total["rejected"])),
        Metric("With a warning", wording.count_text(total["warnings"]),
               "Accepted rows dated after the extract was taken."),
        Metric("Tables absent", int((~summary["present"]).sum()),
               "Optional tables the extract does not hold: the views that need them say so."),
    ]


def empty_tables_error(empty: list[str]) -> str:
    return (f"No accepted rows in {', '.join(f'`{name}`' for name in empty)}: the other pages have nothing to "
            "report on until the extract holds some.")


def tables_table(figures: Figures, summary: pl.DataFrame) -> pl.DataFrame:
    """Each table's rows; the column of extra columns only when a file has any, so that the table
    fits a projector's width."""
    per_table = figures.table("tables").select(
        "table",
        "core",
        "present",
        "rows_read",
        pl.col(ACCEPTED).alias("accepted"),
        "rejected",
        "warnings",
        "blank_lines",
        pl.col("extra_columns").list.join(", "),
    )
    return per_table if summary["extra_columns"].list.len().sum() else per_table.drop("extra_columns")


def rejected_rows(rejected: pl.DataFrame) -> pl.DataFrame:
    """Every rejected row as the page lists it: a row rejected in cascade says which rejected row it
    went with ("episodes line 5119", lines written as the Line column writes them), in one column of
    text that is blank for a root cause."""
    return rejected.with_columns(pl.format("{} line {}", "cause_table", "cause_line").alias("cause")).drop(
        "cause_table", "cause_line")


def reasons_table(figures: Figures, public: bool) -> pl.DataFrame:
    """Why rows were rejected. An example reason may quote a value of the extract: while
    presenting, reasons are only counted."""
    return figures.table("reasons").rename({"rejected": "rows"}).drop(["example", "first_line"] if public else [])


def warned_note(warned: pl.DataFrame) -> str:
    """While presenting: how many values are dated after the extract was taken."""
    return (f"{wording.count_text(warned.height)} values are dated after the extract was taken; the rows are not "
            "shown while presenting.")


def checks_table(found: pl.DataFrame, rules: Settings, public: bool) -> pl.DataFrame:
    """Each check of the catalogue that found rows (metrics.extract.checks), in its order: its kind,
    rule and guidance, the rows it found and how many agencies they name. Rows of the extract are
    counted like people while presenting."""
    counted = found.group_by("check").agg(
        pl.struct("table", "line").n_unique().cast(pl.Int64).alias("rows"),
        pl.col("agency_id").drop_nulls().n_unique().cast(pl.Int64).alias("agencies"),
    )
    by_check = {check: (rows, agencies) for check, rows, agencies in counted.iter_rows()}
    frame = pl.DataFrame(
        [{"check": check.id, "severity": check.severity, "rule": check.rule_text(rules), "guidance": check.guidance,
          "rows": by_check[check.id][0], "agencies": by_check[check.id][1]}
         for check in CATALOGUE if check.id in by_check],
        schema={"check": pl.String, "severity": pl.String, "rule": pl.String, "guidance": pl.String,
                "rows": pl.Int64, "agencies": pl.Int64},
    )
    return suppress_counts(frame, ["rows"]).display if public else frame


def agency_named(names: Mapping[str, str]) -> pl.Expr:
    """``agency``: the name of ``agency_id`` (the id itself when the extract names it not), "(no agency)"
    for rows that name none."""
    return (pl.col("agency_id").replace_strict(dict(names), default=pl.col("agency_id"))
            .fill_null("(no agency)").alias("agency"))


def check_rule(rules: Settings) -> pl.Expr:
    """``rule``: the rule of the row's ``check`` in words, with ``rules``' thresholds."""
    return pl.col("check").replace_strict({c.id: c.rule_text(rules) for c in CATALOGUE},
                                          return_dtype=pl.String).alias("rule")


def checks_by_agency(counts: pl.DataFrame, names: Mapping[str, str], rules: Settings, public: bool) -> pl.DataFrame:
    """The rows each check found per agency (``counts``: check_results.counts_by_agency), agencies by
    name; rows that name no agency last."""
    frame = counts.select("agency_id", agency_named(names), "check", "severity", check_rule(rules), "rows")
    return suppress_counts(frame, ["rows"]).display if public else frame
