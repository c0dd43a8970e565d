"""A folder of extracts: the newest complete one is served, a newer one is built in the background.

The folder (``oversight serve --extracts DIR``) holds one extract folder per delivery, such as
``DIR/2026-10-31/`` and ``DIR/2026-11-30/``. A folder is **dated** by its manifest's ``taken_on``,
else by its name when that is a date (``YYYY-MM-DD``); a folder with neither, or a hidden one (its
name starting with ``.``), is left alone. A dated folder is **complete** when it holds a file for
every core table and nothing in it has changed for ``quiet`` seconds (modification and
status-change times of the folder and of every file in it: copying a file can set back its
modification time, never its status-change time). A supplier who can writes the extract into a
hidden folder and renames it into place when done; otherwise the quiet time covers a copy in progress.

The newest complete folder is built (``metrics.extract.loader.database_path``: once, under its lock,
published whole) and then served; a build that fails, or an extract with a core table without a
single accepted row, leaves the one served before in place, and the failure is kept, in words, until
the folder changes. ``ExtractsFolder.start`` looks again every ``look_every`` seconds in a thread of
its own, so that a new extract is built while the current one stays served.

The **previous** extract, which the data-quality page compares the served one with, is the newest
complete one older than it that loads. The one served before a switch is it at once (its database is
built); otherwise (a server started on a folder of several) the same thread builds it in the
background, one build at a time, never while a page waits.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from metrics.extract import schema
from metrics.extract.folder import FORMATS, ExtractError, fingerprint, read_manifest
from metrics.extract.loader import BUILD_VERSION, COMPUTED_STEP, BuildProgress, database_path
from metrics.extract.quality import empty_core_tables

log = logging.getLogger(__name__)

QUIET_SECONDS = 10.0
LOOK_EVERY_SECONDS = 30.0
FOLDER_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CORE_TABLES = tuple(t.name for t in schema.TABLES if t.core)

# (extract folder, progress) -> the built database's path; the loader's by default.
Builder = Callable[[Path, BuildProgress], Path]


def long_date(day: dt.date) -> str:
    """30 November 2026."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Candidate:
    """A dated extract folder."""

    folder: Path
    taken_on: dt.date

    @property
    def order(self) -> tuple[dt.date, str]:
        return self.taken_on, self.folder.name

    @property
    def name(self) -> str:
        """How the pages name it: "the extract of 30 November 2026 (folder 2026-11-30)"."""
        return f"the extract of {long_date(self.taken_on)} (folder {self.folder.name})"


@dataclass(frozen=True)
class Served(Candidate):
    database: Path = field(default=Path())
    fingerprint: str = ""


@dataclass(frozen=True)
class Building(Candidate):
    step: str = ""
    done: int = 0  # steps done: the tables loaded, in load order, then the computed tables
    total: int = 1
    started: float = 0.0  # time.monotonic()

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    def words(self) -> str:
        """E.g. "Building the extract of 30 November 2026: contacts (table 6 of 13)…"."""
        tables = self.total - 1
        if not self.step:
            what = "starting"
        elif self.step == COMPUTED_STEP:
            what = f"the computed tables (after all {tables} tables)"
        else:
            what = f"{self.step} (table {self.done + 1} of {tables})"
        return f"Building the extract of {long_date(self.taken_on)}: {what}…"


@dataclass(frozen=True)
class Failed(Candidate):
    message: str = ""  # in words, naming files by their name within the folder
    fingerprint: str | None = None  # tried again when this changes

    def words(self) -> str:
        return f"{self.name[0].upper()}{self.name[1:]} could not be loaded: {self.message}"


@dataclass(frozen=True)
class State:
    served: Served | None
    building: Building | None
    failures: tuple[Failed, ...]  # of folders newer than the one served, newest first


def dated(folder: Path) -> dt.date | None:
    """The folder's date: its manifest's taken_on, else its name when that is a date, else None."""
    try:
        manifest = read_manifest(folder)
    except ExtractError:
        manifest = None  # the build says what is wrong with it
    if manifest is not None:
        return manifest.taken_on
    if FOLDER_DATE.fullmatch(folder.name):
        try:
            return dt.date.fromisoformat(folder.name)
        except ValueError:
            return None
    return None


def _last_change(folder: Path) -> float:
    """The latest modification or status change of the folder and of anything in it."""
    latest = 0.0
    for path in (folder, *folder.iterdir()):
        info = path.lstat()
        latest = max(latest, info.st_mtime, info.st_ctime)
    return latest


def incomplete(folder: Path, quiet: float, now: float | None = None) -> str | None:
    """Why the folder is not complete yet, or None when it is."""
    try:
        present = {p.stem for p in folder.iterdir() if p.suffix.lower() in FORMATS and not p.name.startswith(".")}
        changed = _last_change(folder)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    missing = [name for name in CORE_TABLES if name not in present]
    if missing:
        return "no file yet for " + ", ".join(missing)
    if (now if now is not None else time.time()) - changed < quiet:
        return "still being written"
    return None


def complete_extracts(root: Path, quiet: float = QUIET_SECONDS, now: float | None = None) -> list[Candidate]:
    """The dated, complete extract folders in ``root``, newest first (by date, then name)."""
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError as error:
        raise ExtractError(f"{root}: the folder of extracts cannot be read ({error.strerror or error})") from None
    found = []
    for folder in folders:
        taken_on = dated(folder)
        if taken_on is not None and incomplete(folder, quiet, now) is None:
            found.append(Candidate(folder, taken_on))
    return sorted(found, key=lambda c: c.order, reverse=True)


def _fingerprint(folder: Path) -> str | None:
    try:
        return fingerprint(folder, BUILD_VERSION)
    except (ExtractError, OSError):
        return None


def _in_words(folder: Path, error: BaseException) -> str:
    """The loader's message with the folder's own path left out (files are named within it)."""
    text = str(error).replace(f"{folder}/", "").replace(str(folder), "the folder")
    return text[:1].lower() + text[1:] if text else "it could not be read"


class ExtractsFolder:
    """The served extract of one folder of extracts, and the building of a newer one.

    Shared by every session of the server (``watched``): ``state`` is read under a lock and swapped
    whole, so a session sees the extract served before a build or the one after, never a half-built one.
    """

    def __init__(self, root: Path, *, quiet: float = QUIET_SECONDS, look_every: float = LOOK_EVERY_SECONDS,
                 build: Builder | None = None) -> None:
        self.root = root.resolve()
        self.quiet = quiet
        self.look_every = look_every
        self._build: Builder = build or (lambda folder, progress: database_path(folder, progress))
        self._lock = threading.Lock()  # guards the state below
        self._looking = threading.Lock()  # one look (and build) at a time
        self._served: Served | None = None
        self._building: Building | None = None
        self._failures: dict[Path, Failed] = {}
        self._previous: Served | Building | Failed | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def state(self) -> State:
        with self._lock:
            served = self._served
            failures = [f for f in self._failures.values() if served is None or f.order > served.order]
            return State(served, self._building, tuple(sorted(failures, key=lambda f: f.order, reverse=True)))

    def served(self) -> Served | None:
        with self._lock:
            return self._served

    def check(self, progress: BuildProgress | None = None) -> State:
        """Look at the folder once and build what is newer than the served extract, the newest first
        (an older one when a newer fails). A second caller waits for the first, then finds it built."""
        with self._looking:
            for candidate in complete_extracts(self.root, self.quiet):
                served = self.served()
                if served is not None and candidate.order < served.order:
                    break
                current = _fingerprint(candidate.folder)
                if served is not None and candidate.folder == served.folder and current == served.fingerprint:
                    break  # the served one, unchanged
                failed = self._failures.get(candidate.folder)
                if failed is not None and failed.fingerprint == current:
                    continue  # failed before, and unchanged since: the next older one
                if self._try(candidate, current, progress):
                    break
        return self.state()

    def _try(self, candidate: Candidate, current: str | None, progress: BuildProgress | None) -> bool:
        def show(building: Building) -> None:
            self._building = building

        started = time.monotonic()
        loaded = self._load(candidate, current, progress, show)
        with self._lock:
            self._building = None
            if isinstance(loaded, Failed):
                self._failures[candidate.folder] = loaded
            else:
                if self._served is not None and self._served.order < loaded.order:
                    self._previous = self._served  # built already: the comparison needs no build
                self._served = loaded
                self._failures.pop(candidate.folder, None)
        if isinstance(loaded, Failed):
            log.warning("%s; still serving %s", loaded.words(), self._served.name if self._served else "nothing")
            return False
        log.info("serving %s (built in %.1f s)", loaded.name, time.monotonic() - started)
        return True

    def _load(self, candidate: Candidate, current: str | None, progress: BuildProgress | None,
              show: Callable[[Building], None]) -> Served | Failed:
        """Build ``candidate`` and make sure it has something to report on; each step is shown (``show``,
        called under the lock) and told to ``progress``."""
        started = time.monotonic()
        with self._lock:
            show(Building(candidate.folder, candidate.taken_on, started=started))
        log.info("building %s", candidate.name)

        def step(what: str, done: int, total: int) -> None:
            building = Building(candidate.folder, candidate.taken_on, what, done, total, started)
            with self._lock:
                show(building)
            log.info("%s", building.words())
            if progress is not None:
                progress(what, done, total)

        try:
            database = self._build(candidate.folder, step)
            con = duckdb.connect(str(database), read_only=True)
            try:
                empty = empty_core_tables(con)
            finally:
                con.close()
            if empty:
                raise ExtractError(f"no accepted rows in the core table{'s' if len(empty) > 1 else ''} "
                                   f"{', '.join(empty)}: there would be nothing to report on")
        except Exception as error:
            if isinstance(error, ExtractError):
                message = _in_words(candidate.folder, error)
            else:
                log.exception("building %s failed", candidate.name)
                message = "the build stopped on an internal error (the server's log has the details)"
            return Failed(candidate.folder, candidate.taken_on, message, _fingerprint(candidate.folder))
        return Served(candidate.folder, candidate.taken_on, database, _fingerprint(candidate.folder) or current or "")

    def previous(self) -> Served | Building | Failed | None:
        """The extract before the served one, to compare it with: the newest complete extract older than
        it that loads, once built (``Served``), while it is built (``Building``), or why the newest older
        one could not be loaded when none older loads (``Failed``); None when the folder holds no complete
        extract older than the served one, or nothing is served."""
        with self._lock:
            previous = self._previous
            served = self._served
        if served is None or previous is None or previous.order >= served.order:
            return None
        return previous

    def build_previous(self, progress: BuildProgress | None = None) -> Served | Building | Failed | None:
        """Find the extract before the served one and build it when it is not built yet (the watcher's
        thread calls it; one built before is found in the loader's cache at once), then ``previous()``.
        One build at a time, with ``check``'s; an older one that failed is tried again once it changes."""
        with self._looking:
            served, known = self.served(), self.previous()
            if served is None:
                return None
            found: Served | Failed | None = None
            for candidate in complete_extracts(self.root, self.quiet):
                if candidate.order >= served.order:
                    continue
                current = _fingerprint(candidate.folder)
                if isinstance(known, Served) and known.folder == candidate.folder and known.fingerprint == current:
                    return known
                failed = self._failures.get(candidate.folder)
                if failed is None or failed.fingerprint != current:
                    loaded = self._load(candidate, current, progress, self._show_previous)
                    if isinstance(loaded, Served):
                        found = loaded
                        break
                    log.warning("%s (the extract before the one served)", loaded.words())
                    with self._lock:
                        self._failures[candidate.folder] = failed = loaded
                found = found or failed  # the newest older one's failure, unless an older one loads
            with self._lock:
                self._previous = found
        return self.previous()

    def _show_previous(self, building: Building) -> None:
        self._previous = building

    def start(self) -> None:
        """Look again every ``look_every`` seconds in a thread of the process (started once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._keep_looking, name=f"extracts {self.root.name}",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()

    def _keep_looking(self) -> None:
        while True:
            # The extract before the served one first: a server started on a folder of several has
            # built only the newest.
            try:
                self.build_previous()
            except Exception:
                log.exception("building the extract before the one served in %s failed", self.root)
            if self._stop.wait(self.look_every):
                return
            try:
                self.check()
            except Exception:  # a folder unreadable for a moment: look again later
                log.exception("looking at %s failed", self.root)


_WATCHED: dict[Path, ExtractsFolder] = {}
_WATCHED_GUARD = threading.Lock()


def watched(root: Path, **options: float) -> ExtractsFolder:
    """The one ``ExtractsFolder`` of this process for ``root`` (made with ``options`` the first time)."""
    root = root.resolve()
    with _WATCHED_GUARD:
        if root not in _WATCHED:
            _WATCHED[root] = ExtractsFolder(root, quiet=options.get("quiet", QUIET_SECONDS),
                                            look_every=options.get("look_every", LOOK_EVERY_SECONDS))
        return _WATCHED[root]


def options_from_environment() -> dict[str, float]:
    """The quiet time and the look interval ``oversight serve`` was given (OVERSIGHT_EXTRACTS_QUIET, _LOOK_EVERY)."""
    found = {}
    for key, variable in (("quiet", "OVERSIGHT_EXTRACTS_QUIET"), ("look_every", "OVERSIGHT_EXTRACTS_LOOK_EVERY")):
        if os.environ.get(variable):
            found[key] = float(os.environ[variable])
    return found

