"""Every DCTS oversight deadline still open on D: what is late and what falls due soon.

Deadline kinds and their dates (see docs/measures.md, "Deadlines"):

- ``materials``: documentation materials, ``requested_on`` + 15 business days, not yet received;
- ``review``: the documentation review, ``materials_received_on`` + 90 days, not yet completed;
- ``response``: a corrective action's written response, ``issued_on`` + 10 days, not yet received;
- ``plan``: a plan of action or corrective action, ``due_on``, not yet completed;
- ``monitoring``: the next biennial monitoring visit, ``next_due_on``.

The dates come from the same measures the monitoring and plans pages show, so that the
deadlines never disagree with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import duckdb
import polars as pl

from metrics.measures.action_plans import action_plans
from metrics.measures.monitoring import documentation_status, monitoring_status
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings
from metrics.policy.settings import settings as current_settings

SCHEMA = {"agency_id": pl.String, "kind": pl.String, "what": pl.String, "reference": pl.String,
          "due_on": pl.Date}


def _rows(frame: pl.DataFrame, kind: str, due: str, what: Callable[[dict[str, Any]], str],
          reference: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    return [{"agency_id": row["agency_id"], "kind": kind, "what": what(row), "reference": reference(row),
             "due_on": row[due]} for row in frame.iter_rows(named=True) if row[due] is not None]


def deadlines(con: duckdb.DuckDBPyConnection, filters: Filters, settings: Settings | None = None) -> pl.DataFrame:
    """One row per open deadline on D: late ones first (most late at the top), then by date."""
    settings = settings or current_settings()
    docs = documentation_status(con, filters, settings)
    plans = action_plans(con, filters, settings)
    visits = monitoring_status(con, filters, settings)
    rows = [
        *_rows(docs.filter(pl.col("requested_on").is_not_null() & pl.col("materials_received_on").is_null()),
               "materials", "materials_due_on",
               lambda r: f"Documentation materials for the {r['review_year']} review", lambda r: str(r["review_year"])),
        *_rows(docs.filter(pl.col("materials_received_on").is_not_null() & pl.col("completed_on").is_null()),
               "review", "review_due_on",
               lambda r: f"Complete the {r['review_year']} documentation review", lambda r: str(r["review_year"])),
        *_rows(plans.filter(pl.col("response_status").is_in(["pending", "missing"])), "response", "response_due_on",
               lambda r: f"Written response to corrective action {r['plan_id']}", lambda r: r["plan_id"]),
        # An escalated plan was superseded by its corrective action, which carries the deadline.
        *_rows(plans.filter(pl.col("status").is_in(["open", "overdue"])), "plan", "due_on",
               lambda r: f"{'Corrective action' if r['kind'] == 'corrective_action' else 'Plan of action'} "
                         f"{r['plan_id']} completed", lambda r: r["plan_id"]),
        *_rows(visits, "monitoring", "next_due_on", lambda r: "Biennial monitoring visit", lambda r: "visit"),
    ]
    frame = pl.DataFrame(rows, schema=SCHEMA)
    as_of = filters.as_of
    horizon = as_of + dt.timedelta(days=settings.deadlines_horizon_days)
    return frame.with_columns(
        pl.lit(as_of).alias("as_of"),
        pl.when(pl.col("due_on") < as_of).then(pl.lit("late"))
        .when(pl.col("due_on") <= horizon).then(pl.lit("due_soon"))
        .otherwise(pl.lit("later")).alias("status"),
        (pl.col("due_on") - pl.lit(as_of)).dt.total_days().alias("days_until_due"),
    ).select("as_of", "agency_id", "kind", "what", "due_on", "status", "days_until_due", "reference").sort(
        "due_on", "agency_id", "kind", "reference")


def _escape(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT: a line break of any kind (CR LF, CR or LF) is written as ``\\n``;
    a bare CR would otherwise end the content line for some readers and split the event."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 §3.1: lines longer than 75 octets continue on lines starting with a space."""
    parts: list[str]
    parts, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not parts else 74):
            parts.append(current)
            current = ""
        current += char
    parts.append(current)
    return [parts[0], *(" " + part for part in parts[1:])]


def to_ics(frame: pl.DataFrame, stamp: dt.datetime, labels: dict[str, str] | None = None) -> str:
    """An iCalendar (RFC 5545) file with one all-day event per deadline.

    The UID is built from the deadline itself, so that importing a newer file updates the
    events instead of duplicating them.
    """
    labels = labels or {}
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Recovery Oversight//Deadlines//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for row in frame.iter_rows(named=True):
        program = labels.get(row["agency_id"], row["agency_id"])
        summary = f"{program}: {row['what']} due"
        uid = f"{row['kind']}-{row['agency_id']}-{row['reference']}-{row['due_on']:%Y%m%d}@recovery-oversight"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(uid)}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{row['due_on']:%Y%m%d}",
            f"DTEND;VALUE=DATE:{row['due_on'] + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
