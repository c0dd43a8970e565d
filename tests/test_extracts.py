"""A folder of extracts (metrics.extract.extracts): which folder is the newest complete extract, the
build of a newer one while the current stays served, and the loader's progress."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest

from metrics.extract.extracts import (
    Building,
    ExtractsFolder,
    Failed,
    Served,
    complete_extracts,
    dated,
    incomplete,
)
from metrics.extract.loader import COMPUTED_STEP, build_database, database_path
from tests.conftest import BASE_TABLES, write_extract


def extract(root: Path, name: str, taken_on: str | None = None, tables: dict[str, str] | None = None) -> Path:
    folder = write_extract(root / name, tables or BASE_TABLES)
    if taken_on:
        (folder / "extract.toml").write_text(f"taken_on = {taken_on}\n", encoding="utf-8")
    return folder


def names(root: Path, quiet: float = 5.0, later: float = 60) -> list[str]:
    """The complete extracts as seen ``later`` seconds from now."""
    return [c.folder.name for c in complete_extracts(root, quiet, now=time.time() + later)]


def test_a_folder_is_dated_by_its_manifest_else_its_name(tmp_path):
    assert dated(extract(tmp_path, "november", "2026-11-30")) == dt.date(2026, 11, 30)
    assert dated(extract(tmp_path, "2026-10-31")) == dt.date(2026, 10, 31)
    # The manifest wins over the name.
    assert dated(extract(tmp_path, "2026-09-30", "2026-10-01")) == dt.date(2026, 10, 1)
    assert dated(extract(tmp_path, "latest")) is None
    assert dated(extract(tmp_path, "2026-02-30")) is None


def test_the_newest_complete_extract_comes_first(tmp_path):
    extract(tmp_path, "2026-09-30")
    extract(tmp_path, "b-november", "2026-11-30")
    extract(tmp_path, "2026-10-31")
    extract(tmp_path, "undated")  # left alone
    extract(tmp_path, ".2026-12-31")  # hidden: still being copied in
    assert names(tmp_path) == ["b-november", "2026-10-31", "2026-09-30"]


def test_incomplete_folders_are_skipped(tmp_path):
    extract(tmp_path, "2026-10-31")
    no_contacts = {k: v for k, v in BASE_TABLES.items() if k != "contacts"}
    missing = extract(tmp_path, "2026-11-30", tables=no_contacts)
    assert incomplete(missing, 5.0) == "no file yet for contacts"
    fresh = extract(tmp_path, "2026-12-31")
    assert incomplete(fresh, 5.0) == "still being written"
    assert names(tmp_path, later=0) == []
    # Once quiet for long enough, it counts.
    assert incomplete(fresh, 5.0, now=time.time() + 10) is None
    assert names(tmp_path) == ["2026-12-31", "2026-10-31"]


def test_a_file_copied_with_its_old_times_still_counts_as_new(tmp_path):
    folder = extract(tmp_path, "2026-10-31")
    long_ago = time.time() - 3600
    for path in (folder, *folder.iterdir()):  # as `cp -p` does: the status change stays now
        os.utime(path, (long_ago, long_ago))
    assert incomplete(folder, 5.0) == "still being written"


def test_the_newest_is_built_and_served(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    extract(tmp_path, "2026-11-30", "2026-11-30")
    state = ExtractsFolder(tmp_path, quiet=0).check()
    assert state.served is not None and state.served.folder.name == "2026-11-30"
    assert state.served.database.exists() and state.building is None and state.failures == ()


def test_a_broken_newest_extract_leaves_the_older_served_and_says_why(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    broken = dict(BASE_TABLES, contacts="contact_id,episode_id\nK1,E1\n")
    extract(tmp_path, "2026-11-30", tables=broken)
    watcher = ExtractsFolder(tmp_path, quiet=0)
    state = watcher.check()
    assert state.served is not None and state.served.folder.name == "2026-10-31"
    (failure,) = state.failures
    assert failure.folder.name == "2026-11-30"
    assert failure.words() == ("The extract of 30 November 2026 (folder 2026-11-30) could not be loaded: "
                               "contacts.csv: missing required columns contact_at, kind, mode")
    assert str(tmp_path) not in failure.words()
    # Not tried again while unchanged; tried again, and served, once mended.
    assert watcher.check().served == state.served
    mended = extract(tmp_path, "2026-11-30")
    assert dated(mended) == dt.date(2026, 11, 30)
    state = watcher.check()
    assert state.served is not None and state.served.folder.name == "2026-11-30" and state.failures == ()


def test_a_core_table_without_an_accepted_row_is_a_failed_build(tmp_path, cache):
    first = extract(tmp_path, "2026-10-31")
    watcher = ExtractsFolder(tmp_path, quiet=0)
    watcher.check()
    empty = dict(BASE_TABLES, agencies="agency_id,agency_name,oversight\nA1,Alpha,NOPE\n")
    extract(tmp_path, "2026-11-30", tables=empty)
    state = watcher.check()
    assert state.served is not None and state.served.folder == first
    (failure,) = state.failures
    assert "no accepted rows in the core tables agencies" in failure.message


def test_nothing_complete_serves_nothing(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    state = ExtractsFolder(tmp_path, quiet=3600).check()
    assert state.served is None and state.failures == ()


def test_concurrent_looks_build_once(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    builds = []
    gate = threading.Event()

    def build(folder: Path, progress) -> Path:
        builds.append(folder)
        gate.wait(5)
        return database_path(folder, progress)

    watcher = ExtractsFolder(tmp_path, quiet=0, build=build)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(watcher.check().served)) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(set(seen)) == 1 and seen[0] is not None


def test_the_current_extract_stays_served_while_a_newer_builds(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    started, release = threading.Event(), threading.Event()
    steps: list[Building] = []

    def build(folder: Path, progress) -> Path:
        if folder.name == "2026-11-30":
            progress("contacts", 5, 14)
            started.set()
            release.wait(5)
        return database_path(folder, progress)

    watcher = ExtractsFolder(tmp_path, quiet=0, build=build, look_every=0.05)
    first = watcher.check().served
    watcher.start()
    watcher.start()  # once
    extract(tmp_path, "2026-11-30")
    assert started.wait(5)
    state = watcher.state()
    assert state.served == first
    assert state.building is not None
    steps.append(state.building)
    assert steps[0].words() == "Building the extract of 30 November 2026: contacts (table 6 of 13)…"
    release.set()
    deadline = time.monotonic() + 10
    while watcher.served() == first and time.monotonic() < deadline:
        time.sleep(0.05)
    watcher.stop()
    served = watcher.served()
    assert served is not None and served.folder.name == "2026-11-30" and watcher.state().building is None


def test_the_extract_served_before_a_switch_is_the_previous_at_once(tmp_path, cache):
    extract(tmp_path, "2026-10-31")
    builds: list[str] = []

    def build(folder: Path, progress) -> Path:
        builds.append(folder.name)
        return database_path(folder, progress)

    watcher = ExtractsFolder(tmp_path, quiet=0, build=build)
    first = watcher.check().served
    assert watcher.previous() is None and watcher.build_previous() is None  # nothing older
    extract(tmp_path, "2026-11-30")
    watcher.check()
    assert watcher.previous() == first  # its database built already
    assert watcher.build_previous() == first
    assert builds == ["2026-10-31", "2026-11-30"]


def test_the_previous_of_a_folder_of_several_is_built_in_the_background(tmp_path, cache):
    for name in ("2026-09-30", "2026-10-31", "2026-11-30"):
        extract(tmp_path, name)
    watcher = ExtractsFolder(tmp_path, quiet=0, look_every=0.05)
    served = watcher.check().served
    assert served is not None and served.folder.name == "2026-11-30"
    assert watcher.previous() is None  # only the newest is built at start
    watcher.start()  # the watcher's thread builds the one before it first
    deadline = time.monotonic() + 30
    while not isinstance(watcher.previous(), Served) and time.monotonic() < deadline:
        time.sleep(0.05)
    watcher.stop()
    previous = watcher.previous()
    assert isinstance(previous, Served) and previous.folder.name == "2026-10-31" and previous.database.exists()
    assert watcher.state().served == served


def test_a_previous_that_cannot_be_loaded_gives_way_to_an_older_one(tmp_path, cache):
    extract(tmp_path, "2026-09-30")
    extract(tmp_path, "2026-10-31", tables=dict(BASE_TABLES, contacts="contact_id,episode_id\nK1,E1\n"))
    extract(tmp_path, "2026-11-30")
    watcher = ExtractsFolder(tmp_path, quiet=0)
    watcher.check()
    previous = watcher.build_previous()
    assert isinstance(previous, Served) and previous.folder.name == "2026-09-30"
    assert watcher.state().failures == ()  # an older extract's failure is not the served one's news
    # With nothing older that loads, the page says why the one before could not be loaded.
    (tmp_path / "2026-09-30" / "contacts.csv").write_text("contact_id,episode_id\nK1,E1\n", encoding="utf-8")
    failed = watcher.build_previous()
    assert isinstance(failed, Failed) and failed.folder.name == "2026-10-31"
    assert failed.words().startswith("The extract of 31 October 2026 (folder 2026-10-31) could not be loaded")


def test_the_loader_tells_its_progress_table_by_table(tmp_path):
    folder = write_extract(tmp_path / "x", BASE_TABLES)
    calls: list[tuple[str, int, int]] = []
    build_database(folder, tmp_path / "x.duckdb", lambda *call: calls.append(call))
    assert calls[0] == ("agencies", 0, 14)
    assert calls[-1] == (COMPUTED_STEP, 13, 14)
    assert [done for _, done, _ in calls] == list(range(14))


@pytest.mark.parametrize("step,done,text", [
    ("", 0, "starting"),
    (COMPUTED_STEP, 13, "the computed tables (after all 13 tables)"),
    ("agencies", 0, "agencies (table 1 of 13)"),
])
def test_progress_in_words(step, done, text):
    building = Building(Path("2026-11-30"), dt.date(2026, 11, 30), step, done, 14)
    assert building.words() == f"Building the extract of 30 November 2026: {text}…"
