"""The ``oversight`` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from metrics.extract.check_results import findings
from metrics.extract.extracts import LOOK_EVERY_SECONDS, QUIET_SECONDS
from metrics.extract.folder import DEFAULT_EXTRACT, ExtractError
from metrics.extract.loader import BuildProgress, database_path, read_report
from metrics.extract.quality import (
    agency_names,
    empty_core_tables,
    extract_date,
    extract_info,
    rejects_frame,
    warnings_frame,
)
from metrics.extract.root_causes import root_causes
from metrics.policy.quarters import Quarter
from metrics.report import DECK_FORMATS, REPORT_FORMATS, DeckFormat
from metrics.report.export import write_all, write_csv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_APP = PROJECT_ROOT / "dashboard" / "app.py"
STREAMLIT_CONFIG = PROJECT_ROOT / "streamlit_config.toml"

# Exit statuses, one per meaning. 3 is a fault of this program, never of the extract.
EXIT_OK, EXIT_REJECTED, EXIT_UNLOADABLE, EXIT_INTERNAL = 0, 1, 2, 3
# Set to see the traceback of an internal error (it may quote values of the extract).
DEBUG_VARIABLE = "OVERSIGHT_DEBUG"
# How far past the extract's date a report date may go: the extract can hold nothing later.
LATEST_REPORT_DAYS = 366
# The root causes `oversight validate` prints, most rows recovered first.
ROOT_CAUSES_PRINTED = 10


class Unreportable(ExtractError):
    """The extract loaded, but a core table has no accepted row: no figure would mean anything."""


@contextmanager
def _progress_bar() -> Iterator[BuildProgress | None]:
    """A bar following a build's steps (the loader's progress callback) on the terminal's error
    stream, gone once the build is done. None when that is no terminal: a script reading the
    command's output gets its text alone, not even the blank line a finished bar leaves."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("building", total=None, step="")

        def step(what: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, step=what)

        yield step


@contextmanager
def _database(extract: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the extract's database, closed when the command is done."""
    con = duckdb.connect(str(database_path(extract)), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _refuse_nothing_to_report(con: duckdb.DuckDBPyConnection) -> None:
    """Stop before computing figures from a core table without a single accepted row."""
    empty = empty_core_tables(con)
    if empty:
        raise Unreportable(f"no accepted rows in the core table{'s' if len(empty) > 1 else ''} {', '.join(empty)}: "
                           "there is nothing to report on (see `oversight validate`)")


def cmd_demo(args: argparse.Namespace) -> int:
    from metrics.demo import write_demo

    summary = write_demo(Path(args.out), seed=args.seed, scale=args.scale)
    total = sum(summary.rows.values())
    print(f"wrote a synthetic extract to {args.out} (seed {args.seed}, scale {args.scale:g}): "
          f"{total:,} rows in {len(summary.rows)} tables, {len(summary.planted)} planted bad rows")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    extract = Path(args.extract)
    with _progress_bar() as step:  # the build, when the extract has not been built yet
        database_path(extract, progress=step)
    with _database(extract) as con:
        reports = read_report(con)
        rejects = rejects_frame(con)
        warnings = warnings_frame(con)
        info = extract_info(con)
        empty = empty_core_tables(con)
        causes = root_causes(con)
        names = agency_names(con)
        found = findings(con)
        if args.by_agency:
            from metrics.report.agency_reports import write_agency_reports

            written = write_agency_reports(con, Path(args.by_agency), format=args.report_format)
    print(f"{'table':<22} {'file':<28} {'read':>10} {'accepted':>10} {'rejected':>9} {'warnings':>9} {'blank':>6}")
    for report in reports:
        file = Path(report.file).name if report.file is not None else "(absent, optional)"
        print(f"{report.table:<22} {file:<28} {report.rows_read:>10,} {report.accepted:>10,} "
              f"{report.rejected:>9,} {report.warnings:>9,} {report.blank_lines:>6,}")
    basis = "its manifest" if info["extract_date_from"] == "manifest" else \
        f"its latest event on or before the day it was loaded, {info['loaded_on']}"
    print(f"\nextract's date: {info['extract_date']} (from {basis})")
    for report in reports:
        if report.extra_columns:
            print(f"{report.table}: extra columns ignored: {', '.join(report.extra_columns)}")
    if rejects.height:
        _print_root_causes(causes, names, rejects.height)
    for title, rows in (("rows rejected", rejects), ("accepted rows with a warning", warnings)):
        if not rows.height:
            continue
        print(f"\n{rows.height:,} {title}. First reasons:")
        for table, group in rows.group_by("table", maintain_order=True):
            for row in group.head(3).iter_rows(named=True):
                print(f"  {table[0]}, line {row['line']}, {row['column'] or '(whole line)'}: "
                      f"{row['reason']} [{(row['value'] or '').encode('unicode_escape').decode()}]")
            if group.height > 3:
                print(f"  {table[0]}: … and {group.height - 3:,} more")
    _print_checks(found)
    if args.rejects:
        write_csv(rejects, Path(args.rejects))
        print(f"\nrejected rows written to {args.rejects}")
    if args.by_agency:
        print(f"\na report per agency to send back, its rejected rows and warnings with the rule and what to do: "
              f"{len(written)} {args.report_format.upper()} files in {args.by_agency}")
    if empty:
        print(f"\nerror: no accepted rows in the core table{'s' if len(empty) > 1 else ''} "
              f"{', '.join(empty)}: there is nothing to report on", file=sys.stderr)
        return EXIT_UNLOADABLE
    return EXIT_REJECTED if rejects.height else EXIT_OK


def _print_checks(found: pl.DataFrame) -> None:
    """Rows found by each check of the catalogue (metrics.extract.checks), rejections and warnings, as
    the data-quality page counts them."""
    from metrics.policy.settings import settings
    from metrics.report.views.data_quality import checks_table

    counted = checks_table(found, settings(), public=False)
    if counted.is_empty():
        return
    print("\nBy check of the catalogue (rows; the rule):")
    for check in counted.iter_rows(named=True):
        print(f"  {check['severity']:<8} {check['check']:<20} {check['rows']:>9,}  {check['rule']}")


def _print_root_causes(causes: pl.DataFrame, names: dict[str, str], rejected: int) -> None:
    """The rows rejected for themselves, most rows recovered first: fixing one recovers it and every
    row rejected with it (metrics.extract.root_causes)."""
    from metrics.report.views.data_quality import cause_sentence

    def rows(n: int) -> str:
        return f"{n:,} row{'s' if n != 1 else ''}"

    print(f"\nRoot causes: the {rows(rejected)} rejected go back to {rows(causes.height)} rejected for "
          "themselves; fixing one recovers it and every row rejected with it. Most rows recovered first:")
    for rank, cause in enumerate(causes.head(ROOT_CAUSES_PRINTED).iter_rows(named=True), start=1):
        print(f"  {rank}. {cause_sentence(cause, names)}")
    rest = causes.slice(ROOT_CAUSES_PRINTED)
    if rest.height:
        most = rest.select(pl.col("rows_recovered").max()).item()
        print(f"  … and {rest.height:,} more, each recovering at most {rows(most)}")


@dataclass(frozen=True)
class ReportDate:
    as_of: dt.date  # the date asked for, or the default one
    taken: dt.date  # the extract's date
    rejected: int  # rows the load set aside


def _report_date(con: duckdb.DuckDBPyConnection, asked: dt.date | None) -> ReportDate:
    """The report date a command counts on (``asked``, or the settings' default from the extract's
    date), refused when the extract could hold nothing to count then."""
    from metrics.extract.quality import extract_span
    from metrics.policy.quarters import default_report_date

    _refuse_nothing_to_report(con)
    taken = extract_span(con)[1]
    as_of = asked or default_report_date(taken)
    if as_of > taken + dt.timedelta(days=LATEST_REPORT_DAYS):
        raise Unreportable(f"--as-of {as_of.isoformat()} is more than a year after the extract's date, "
                           f"{taken.isoformat()}: the extract holds nothing to count then")
    return ReportDate(as_of, taken, sum(r.rejected for r in read_report(con)))


def _say_what_was_left_out(date: ReportDate, extract: str, what: str) -> None:
    if date.as_of > date.taken:
        print(f"note: {date.as_of.isoformat()} is after the extract's date, {date.taken.isoformat()}: the figures "
              "count rows dated after the extract was taken as if they had happened")
    if date.rejected:
        print(f"{date.rejected:,} rejected rows were left out of every {what} (see `oversight validate --extract "
              f"{extract}`)")


def cmd_metrics(args: argparse.Namespace) -> int:
    from metrics.measures.registry import compute
    from metrics.policy.filters import Filters

    with _database(Path(args.extract)) as con:
        date = _report_date(con, args.as_of)
        tables = compute(con, Filters(as_of=date.as_of))
    paths = write_all(tables, Path(args.out))
    print(f"measures as of {date.as_of.isoformat()} written to {args.out}: {len(paths)} files")
    _say_what_was_left_out(date, args.extract, "measure")
    return EXIT_OK


def cmd_changes(args: argparse.Namespace) -> int:
    from metrics.policy.settings import settings
    from metrics.report.changes import compare
    from metrics.report.views.changes import summary_text

    new_dir, old_dir = Path(args.extract), Path(args.since)
    for extract in (old_dir, new_dir):
        with _progress_bar() as step:  # the build, when the extract has not been built yet
            database_path(extract, progress=step)
    with _database(old_dir) as old, _database(new_dir) as new:
        for con, option, folder in ((old, "--since", args.since), (new, "--extract", args.extract)):
            try:
                _refuse_nothing_to_report(con)
            except Unreportable as error:
                raise Unreportable(f"{option} {folder}: {error}") from None
        old_taken, new_taken = extract_date(old), extract_date(new)
        if old_taken > new_taken:
            raise Unreportable(f"--since {args.since} was taken on {old_taken.isoformat()}, after --extract "
                               f"{args.extract} ({new_taken.isoformat()}): --since names the older extract")
        changes = compare(old, new, settings())
    paths = write_all(changes.files(), Path(args.out))
    months = changes.months
    print(f"changes from the extract of {old_taken.isoformat()} to that of {new_taken.isoformat()} written to "
          f"{args.out}: {len(paths)} files (figures of {months[0]:%B %Y} to {months[-1]:%B %Y}, both counted as of "
          f"{old_taken.isoformat()})")
    print(summary_text(changes))
    return EXIT_OK


def cmd_worklists(args: argparse.Namespace) -> int:
    from metrics.measures.worklists import worklists
    from metrics.policy.filters import Filters

    with _database(Path(args.extract)) as con:
        date = _report_date(con, args.as_of)
        tables = worklists(con, Filters(as_of=date.as_of))
    write_all(tables, Path(args.out))
    counts = ", ".join(f"{name} {frame.height:,}" for name, frame in tables.items())
    print(f"worklists for the morning after {date.as_of.isoformat()} written to {args.out}: {counts}")
    _say_what_was_left_out(date, args.extract, "worklist")
    return EXIT_OK


def cmd_sample(args: argparse.Namespace) -> int:
    from metrics.measures.sample import documentation_sample, materials

    with _database(Path(args.extract)) as con:
        sample = documentation_sample(con, args.agency, args.year, args.seed)
    # The CSV stays a plain table; how it was drawn is printed so that it can be filed with it.
    write_csv(materials(sample.drawn), Path(args.out))
    print(sample.describe())
    if not sample.population_size:
        print("the population is empty: nothing to sample")
    print(f"materials to request written to {args.out}")
    return EXIT_OK


def cmd_anonymize(args: argparse.Namespace) -> int:
    from metrics.extract.anonymize import AnonymizeError, anonymize

    try:
        report = anonymize(Path(args.in_dir), Path(args.out), Path(args.key_file), taken_on=args.taken_on)
    except AnonymizeError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNLOADABLE
    except OSError as error:
        print(f"error: {error.filename or '(no file named)'}: {error.strerror or 'cannot be read or written'}",
              file=sys.stderr)
        return EXIT_UNLOADABLE
    except Exception as error:
        # Neither a traceback nor the message: either could quote a value of the export.
        print(f"error: the anonymizer stopped unexpectedly ({type(error).__name__}); no extract was written",
              file=sys.stderr)
        return EXIT_UNLOADABLE
    print(report.text())
    print(f"report written to {report.report_path}")
    return EXIT_REJECTED if report.withheld else EXIT_OK


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from metrics.report.deck import build_deck

    quarter: Quarter = args.quarter
    extract, out = Path(args.extract), Path(args.out)
    # The format --format names, else the one the file's name asks for, else PDF.
    format: DeckFormat = "pptx" if (args.format or out.suffix.lower()[1:]) == "pptx" else "pdf"
    with _database(extract) as con:
        _refuse_nothing_to_report(con)
        labels = agency_names(con)
        agencies = tuple(sorted(set(args.agency))) if args.agency else None
        unknown = sorted(set(agencies or ()) - set(labels))
        if unknown:
            raise Unreportable(f"--agency {', '.join(unknown)}: no such agency in the extract "
                               f"(its agencies: {', '.join(sorted(labels))})")
        deck = build_deck(con, quarter, out, extract.name, labels, agencies, format)
    audience = "" if agencies is None else f" for {', '.join(labels[a] for a in agencies)}"
    print(f"deck for the CRS meeting of {quarter.meeting_date:%A %d %B %Y}{audience} ({deck.pages} "
          f"{'slides' if format == 'pptx' else 'pages'}, {format.upper()}) written to {out}")
    return EXIT_OK


def streamlit_flags(config_path: Path = STREAMLIT_CONFIG) -> list[str]:
    """The project's Streamlit configuration as command-line options."""
    if not config_path.exists():
        return []
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    flags = []
    for section, options in config.items():
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def cmd_serve(args: argparse.Namespace) -> int:
    # Streamlit runs in this process, after access is checked: a set-up that would show anyone more
    # than they may see stops here, before anything is served.
    from dashboard import serve
    from metrics.policy.access import AccessError
    from metrics.store.db import connect_database, query

    address = args.address or serve.LOCAL_ADDRESS
    options = serve.load_streamlit_config(
        DASHBOARD_APP, [*streamlit_flags(), f"--server.port={args.port}", f"--server.address={address}"]
    )
    try:
        access = serve.configured_access()
    except AccessError as error:
        for problem in str(error).splitlines():
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_UNLOADABLE
    if access is None and serve.open_to_others(address):
        print(f"warning: no sign-in is configured and the dashboard listens on {address}: "
              "anyone who can reach it sees every agency", file=sys.stderr)
    if args.extracts:
        served = _serve_folder_of_extracts(Path(args.extracts), args.quiet_for, args.look_every)
        if served is None:
            return EXIT_UNLOADABLE
        extract, database = served
    else:
        extract = Path(args.extract or DEFAULT_EXTRACT).resolve()
        database = database_path(extract)
    known = query(connect_database(database), "agency_list")["agency_id"].to_list()
    for warning in access.unknown_agencies(known) if access else []:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.extracts:
        os.environ["OVERSIGHT_EXTRACT"] = str(extract)
    serve.import_what_pages_use()
    mode = "local single-user mode" if access is None else f"sign-in, access file {access.path}"
    host = f"[{address}]" if ":" in address else address
    what = (f"extracts: {Path(args.extracts).resolve()}, serving {extract.name}" if args.extracts
            else f"extract: {extract}")
    print(f"serving the dashboard on http://{host}:{args.port} ({mode}; {what})", flush=True)
    serve.run(DASHBOARD_APP, options)
    return EXIT_OK


def _serve_folder_of_extracts(root: Path, quiet: float, look_every: float) -> tuple[Path, Path] | None:
    """Build the newest complete extract of ``root`` (a progress bar on the terminal), then keep
    looking for newer ones in a thread of this process, logging each build; None when none loads."""
    import logging

    from metrics.extract import extracts

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    extracts.log.addHandler(handler)
    extracts.log.setLevel(logging.INFO)
    extracts.log.propagate = False
    # The dashboard, in this process, finds the folder through these (metrics.extract.extracts.watched).
    os.environ.update(OVERSIGHT_EXTRACTS=str(root.resolve()), OVERSIGHT_EXTRACTS_QUIET=str(quiet),
                      OVERSIGHT_EXTRACTS_LOOK_EVERY=str(look_every))
    folder = extracts.watched(root, **extracts.options_from_environment())
    extracts.log.setLevel(logging.WARNING)  # the bar tells the first build
    with _progress_bar() as step:
        state = folder.check(progress=step)
    extracts.log.setLevel(logging.INFO)
    for failure in state.failures:
        print(f"warning: {failure.words()}", file=sys.stderr)
    if state.served is None:
        print(f"error: {root}: no complete extract could be loaded (a complete extract is a dated folder with a file "
              "for every core table, unchanged for a while; see the README)", file=sys.stderr)
        return None
    folder.start()
    return state.served.folder, state.served.database


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oversight", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write a synthetic extract")
    demo.add_argument("--out", required=True, help="folder to write the extract into")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--scale", type=float, default=1.0, help="volume multiplier (100 for benchmarks)")
    demo.set_defaults(run=cmd_demo)

    validate = commands.add_parser("validate", help="load an extract and report rejected rows")
    validate.add_argument("--extract", required=True)
    validate.add_argument("--rejects", help="write every rejected row to this CSV file")
    validate.add_argument("--by-agency", metavar="DIR",
                          help="write a report per agency of its rejected rows and warnings, with each check's rule "
                               "and what the supplier should do, into this folder")
    validate.add_argument("--report-format", choices=REPORT_FORMATS, default="csv",
                          help="with --by-agency: csv (the default), or xlsx for a workbook per agency, its counts per "
                               "check on a first sheet")
    validate.set_defaults(run=cmd_validate)

    measures = commands.add_parser("metrics", help="write every measure as CSV files")
    measures.add_argument("--extract", required=True)
    measures.add_argument("--as-of", type=dt.date.fromisoformat,
                          help="report date YYYY-MM-DD (default: the extract's date, or the month or quarter end the "
                               "setting default_report_date names)")
    measures.add_argument("--out", required=True, help="folder for the CSV files")
    measures.set_defaults(run=cmd_metrics)

    changes = commands.add_parser("changes", help="what changed since an earlier extract: rows, checks, past figures")
    changes.add_argument("--extract", required=True, help="the newer extract")
    changes.add_argument("--since", required=True, metavar="EXTRACT", help="the older extract to compare it with")
    changes.add_argument("--out", required=True, help="folder for the CSV files")
    changes.set_defaults(run=cmd_changes)

    lists = commands.add_parser("worklists", help="write who needs what now: referrals waiting, contacts due")
    lists.add_argument("--extract", required=True)
    lists.add_argument("--as-of", type=dt.date.fromisoformat,
                       help="report date YYYY-MM-DD: the lists are for the morning after it (default: as for metrics)")
    lists.add_argument("--out", required=True, help="folder for the CSV files")
    lists.set_defaults(run=cmd_worklists)

    sample = commands.add_parser("sample", help="draw the documentation oversight's 20%% sample")
    sample.add_argument("--extract", required=True)
    sample.add_argument("--agency", required=True, help="the program's agency_id")
    sample.add_argument("--year", type=int, required=True, help="the review year")
    sample.add_argument("--seed", type=int, required=True, help="record it: the same seed repeats the draw")
    sample.add_argument("--out", required=True, help="CSV file of the materials to request")
    sample.set_defaults(run=cmd_sample)

    anonymize = commands.add_parser("anonymize", help="turn an identified export into a contract extract")
    anonymize.add_argument("--in", dest="in_dir", required=True, help="folder of the identified export")
    anonymize.add_argument("--out", required=True, help="new folder for the extract")
    anonymize.add_argument("--key-file", required=True, help="secret key (32+ random bytes, chmod 600)")
    anonymize.add_argument("--taken-on", type=dt.date.fromisoformat,
                           help="the day the export was taken, YYYY-MM-DD (default: the export's extract.toml, "
                                "else today)")
    anonymize.set_defaults(run=cmd_anonymize)

    report = commands.add_parser("report", help="the quarterly CRS meeting deck, as PDF or PowerPoint")
    report.add_argument("--extract", required=True)
    report.add_argument("--quarter", required=True, type=_quarter, help="e.g. 2026Q3: the meeting of July 2026")
    report.add_argument("--out", required=True, help="file to write (.pdf or .pptx)")
    report.add_argument("--format", choices=DECK_FORMATS,
                        help="pdf or pptx (default: from the file name given to --out, else pdf)")
    report.add_argument("--agency", action="append", metavar="ID",
                        help="a deck for this agency only, for a contract meeting (repeat for several)")
    report.set_defaults(run=cmd_report)

    serve = commands.add_parser("serve", help="serve the dashboard")
    which = serve.add_mutually_exclusive_group()
    which.add_argument("--extract", help="the extract folder to serve (default: the bundled demo extract)")
    which.add_argument("--extracts", metavar="DIR",
                       help="a folder of dated extract folders: serve the newest complete one, and switch to a newer "
                            "one once it is built in the background")
    serve.add_argument("--quiet-for", type=float, default=QUIET_SECONDS, metavar="SECONDS",
                       help="with --extracts: an extract folder is complete once nothing in it changed for this long")
    serve.add_argument("--look-every", type=float, default=LOOK_EVERY_SECONDS, metavar="SECONDS",
                       help="with --extracts: how often to look for a new extract")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; whatever goes wrong ends in one message and an exit status by meaning."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)  # the cmd_* function of the command
        return status
    except ExtractError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNLOADABLE
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or 'cannot be read or written'}", file=sys.stderr)
        return EXIT_UNLOADABLE
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if os.environ.get(DEBUG_VARIABLE):
            raise
        # The message itself could quote a value of the extract: only its kind is shown.
        print(f"error: an internal error ({type(error).__name__}) stopped the command; this is a fault of "
              f"the program, not of the extract. Run it again with {DEBUG_VARIABLE}=1 to see where.",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
