"""The dashboard's access to the extract: which one, and its connection."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from metrics import db
from metrics.cli import DEFAULT_EXTRACT


def extract_dir() -> Path:
    return Path(os.environ.get("OVERSIGHT_EXTRACT", DEFAULT_EXTRACT))


def connection() -> duckdb.DuckDBPyConnection:
    return db.connect(extract_dir())

