"""The dashboard's access to the extract: which one, its connection, and cached aggregates.

The extract is the one ``oversight serve --extract`` names, or with ``--extracts`` the one its folder
serves now (``metrics.extract.extracts``), fixed for each run of a session's page (``pin_served``) so
that a page is drawn from one extract. Every cache below is keyed by the database's path, which
names the extract's fingerprint: after a switch the caches answer for the new one without clearing.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from metrics.extract import quality
from metrics.extract.check_results import counts_by_agency, findings
from metrics.extract.extracts import Building, ExtractsFolder, Failed, Served, options_from_environment, watched
from metrics.extract.folder import DEFAULT_EXTRACT, ExtractError
from metrics.extract.loader import database_path
from metrics.extract.quality import extract_span
from metrics.extract.root_causes import root_causes as find_root_causes
from metrics.measures.registry import BY_NAME
from metrics.measures.sample import Sample, documentation_sample
from metrics.measures.worklists import WORKLIST_BY_NAME, now_filters
from metrics.policy.filters import Filters
from metrics.policy.settings import Settings, settings
from metrics.report.agency_reports import agency_reports
from metrics.report.changes import Changes, compare
from metrics.store import db
from metrics.store.cache import kept

SERVED_KEY = "served_extract"  # the session's extract, with --extracts


def extracts_folder() -> ExtractsFolder | None:
    """The folder of extracts served (``oversight serve --extracts``), looked at in the background;
    None when one extract is served."""
    root = os.environ.get("OVERSIGHT_EXTRACTS")
    if not root:
        return None
    folder = watched(Path(root), **options_from_environment())
    folder.start()  # once per process; the command line has started it already
    return folder


def pin_served() -> Served | None:
    """Fix, for this run of the session's page, the extract the folder serves now; returns the one the
    session was shown before when it differs (a switch), else None. The router calls it first."""
    folder = extracts_folder()
    if folder is None:
        return None
    current = folder.served()
    before = st.session_state.get(SERVED_KEY)
    st.session_state[SERVED_KEY] = current
    return before if before is not None and before != current else None


def _served(folder: ExtractsFolder) -> Served:
    pinned = st.session_state.get(SERVED_KEY) if get_script_run_ctx() is not None else None
    served = pinned or folder.served()
    if served is None:
        raise ExtractError(f"{folder.root}: no extract is served yet")
    return served


def extract_dir() -> Path:
    folder = extracts_folder()
    if folder is not None:
        return _served(folder).folder
    return Path(os.environ.get("OVERSIGHT_EXTRACT", DEFAULT_EXTRACT))


def database_key() -> str:
    """The built database's path: it names the extract's fingerprint, so it keys every cache."""
    folder = extracts_folder()
    if folder is not None:
        return str(_served(folder).database)
    return str(database_path(extract_dir()))


def measure(name: str, database: str, filters: Filters) -> pl.DataFrame:
    """One output table for these filters, computed once per (database, filters, settings)."""
    return _measure(database, filters, settings(), name)


@kept(maxsize=512)
def _measure(database: str, filters: Filters, settings: Settings, name: str) -> pl.DataFrame:
    return BY_NAME[name].compute(db.connect_database(Path(database)), filters)


def worklist(name: str, database: str, filters: Filters) -> pl.DataFrame:
    """One worklist for these filters (which hold the visitor's agencies), once per (database, filters, settings):
    the counting window does not change a worklist, so it is no part of the key."""
    return _worklist(database, now_filters(filters), settings(), name)


@kept(maxsize=64)
def _worklist(database: str, filters: Filters, settings: Settings, name: str) -> pl.DataFrame:
    return WORKLIST_BY_NAME[name].compute(db.connect_database(Path(database)), filters)


@kept(maxsize=8)
def agencies(database: str) -> pl.DataFrame:
    return db.query(db.connect_database(Path(database)), "agency_list")


@kept(maxsize=8)
def date_range(database: str):
    return extract_span(db.connect_database(Path(database)))


@kept(maxsize=8)
def load_summary(database: str) -> pl.DataFrame:
    return quality.load_summary(db.connect_database(Path(database)))


@kept(maxsize=8)
def rejects(database: str) -> pl.DataFrame:
    return quality.rejects_frame(db.connect_database(Path(database)))


@kept(maxsize=8)
def root_causes(database: str) -> pl.DataFrame:
    return find_root_causes(db.connect_database(Path(database)))


@kept(maxsize=8)
def check_findings(database: str, rules: Settings) -> pl.DataFrame:
    """Every finding of the catalogue's checks (metrics.extract.check_results), with ``rules``' thresholds."""
    return findings(db.connect_database(Path(database)), rules)


@kept(maxsize=8)
def check_counts(database: str, rules: Settings) -> pl.DataFrame:
    return counts_by_agency(db.connect_database(Path(database)), rules)


@kept(maxsize=8)
def reports_to_send_back(database: str, rules: Settings) -> dict[str | None, pl.DataFrame]:
    """Per agency (None: rows naming none), its rejected rows and warnings with each check's rule and guidance."""
    return agency_reports(db.connect_database(Path(database)), rules)


@kept(maxsize=8)
def rows_with_warnings(database: str) -> pl.DataFrame:
    return quality.warnings_frame(db.connect_database(Path(database)))


@kept(maxsize=8)
def extract_info(database: str) -> dict[str, str]:
    return quality.extract_info(db.connect_database(Path(database)))


@kept(maxsize=8)
def empty_core_tables(database: str) -> list[str]:
    return quality.empty_core_tables(db.connect_database(Path(database)))


def provides(database: str, table: str) -> bool:
    """Whether the extract has this (optional) table at all."""
    summary = load_summary(database)
    return bool(summary.filter(pl.col("table") == table)["present"].item())


def drawn_sample(database: str, agency_id: str, review_year: int, seed: int, filters: Filters) -> Sample:
    """A program's documentation sample, drawn once per (database, filters, settings, program, year, seed)."""
    return _drawn_sample(database, filters, settings(), agency_id, review_year, seed)


@kept(maxsize=64)
def _drawn_sample(database: str, filters: Filters, settings: Settings, agency_id: str, review_year: int,
                  seed: int) -> Sample:
    return documentation_sample(db.connect_database(Path(database)), agency_id, review_year, seed, filters)


def previous_extract() -> Served | Building | Failed | None:
    """With a folder of extracts, the one before the extract this page run is drawn from, to compare it
    with (built in the background: ``ExtractsFolder.build_previous``); None when one extract is served
    or the folder holds none older."""
    folder = extracts_folder()
    if folder is None:
        return None
    previous = folder.previous()
    # Just after a switch the folder's previous may be the extract this run still shows.
    return previous if previous is not None and previous.order < _served(folder).order else None


@kept(maxsize=4)
def extract_changes(previous: str, database: str, rules: Settings) -> Changes:
    """What changed between the previous extract's database and this one's (metrics.report.changes)."""
    return compare(db.connect_database(Path(previous)), db.connect_database(Path(database)), rules)
