"""An extract folder: its table files, its manifest, and a fingerprint of both.

A folder holds one file per table (``<table>.csv`` or ``<table>.parquet``) and may hold
the manifest ``extract.toml`` (the contract). Hidden files and files of other kinds are
left alone. A name that looks like a table but is not a regular file (a folder, a FIFO, a
device, a socket) stops the load at once: reading one could hang or never end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from metrics.extract import schema

FORMATS = (".csv", ".parquet")
# The synthetic extract bundled with the project, served and reported on when none is named.
DEFAULT_EXTRACT = Path(__file__).resolve().parents[2] / "data" / "demo"
MANIFEST = "extract.toml"
MANIFEST_KEYS = ("taken_on", "source")


class ExtractError(Exception):
    """The extract cannot be loaded at all; the message names the file and the problem."""


@dataclass(frozen=True)
class Manifest:
    taken_on: dt.date
    source: str | None = None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _regular_file(path: Path) -> Path:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise ExtractError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        raise ExtractError(f"{path}: {_kind(mode)}, not a file that can be read as a table")
    return path


def _entries(extract_dir: Path) -> list[Path]:
    if not extract_dir.is_dir():
        raise ExtractError(f"{extract_dir}: not a folder")
    try:
        return sorted(p for p in extract_dir.iterdir() if not p.name.startswith("."))
    except OSError as error:
        raise ExtractError(f"{extract_dir}: the folder cannot be read ({error.strerror or error})") from None


def table_files(extract_dir: Path) -> dict[str, Path]:
    """The file of each table present, after checking names, duplicates, kinds and core tables."""
    files: dict[str, Path] = {}
    for path in _entries(extract_dir):
        if path.suffix.lower() not in FORMATS:
            continue
        name = path.stem
        if name not in schema.TABLES_BY_NAME:
            raise ExtractError(
                f"{path}: unknown table name '{name}' "
                f"(expected one of: {', '.join(t.name for t in schema.TABLES)})"
            )
        if name in files:
            raise ExtractError(f"{path}: table '{name}' is given twice ({files[name].name} and {path.name})")
        files[name] = _regular_file(path)
    missing = [t.name for t in schema.TABLES if t.core and t.name not in files]
    if missing:
        raise ExtractError(
            f"{extract_dir}: missing core table{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"{m}.csv" for m in missing)
        )
    return files


def manifest_file(extract_dir: Path) -> Path | None:
    path = extract_dir / MANIFEST
    return _regular_file(path) if path.exists() or path.is_symlink() else None


def read_manifest(extract_dir: Path) -> Manifest | None:
    """The extract's manifest, or None when it has none."""
    path = manifest_file(extract_dir)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ExtractError(f"{path}: not valid TOML ({error})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExtractError(f"{path}: cannot be read ({error})") from None
    unknown = sorted(set(data) - set(MANIFEST_KEYS))
    if unknown:
        raise ExtractError(f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                           f"(a manifest holds {' and '.join(MANIFEST_KEYS)})")
    taken_on = data.get("taken_on")
    if isinstance(taken_on, str):
        try:
            taken_on = dt.date.fromisoformat(taken_on)
        except ValueError:
            pass
    if taken_on is None:
        raise ExtractError(f"{path}: taken_on is required (the day the extract was taken, e.g. taken_on = 2026-10-31)")
    if not isinstance(taken_on, dt.date) or isinstance(taken_on, dt.datetime):
        raise ExtractError(f"{path}: taken_on must be a date such as 2026-10-31")
    if not schema.EARLIEST_DATE <= taken_on <= schema.LATEST_DATE:
        raise ExtractError(f"{path}: taken_on {taken_on} is outside {schema.EARLIEST_DATE} to {schema.LATEST_DATE}")
    source = data.get("source")
    if source is not None and not isinstance(source, str):
        raise ExtractError(f"{path}: source must be text")
    return Manifest(taken_on, source)


def fingerprint(extract_dir: Path, build_version: str) -> str:
    """Identifies this extract's content: changes whenever a table file or the manifest does.

    Size, modification time, status-change time, device and inode together: an edit that
    puts back a file's size and modification time still moves its status-change time,
    which no program can set, and a file replaced by another has another inode.
    """
    digest = hashlib.sha256(f"{build_version}|{schema.current_year()}".encode())
    files = sorted(table_files(extract_dir).items())
    manifest = manifest_file(extract_dir)
    if manifest is not None:
        files.append((MANIFEST, manifest))
    for name, path in files:
        info = os.stat(path)
        digest.update(f"|{name}|{path.name}|{info.st_size}|{info.st_mtime_ns}|{info.st_ctime_ns}"
                      f"|{info.st_dev}|{info.st_ino}".encode())
    return digest.hexdigest()[:20]
