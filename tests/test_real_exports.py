"""Files as real case-management systems export them: stray quotes, blank lines, bytes that
are not UTF-8, impossible dates, line endings of every kind, the extract's date, things named
like tables that are not files, and several sessions loading one extract at once.

Each test writes its file by hand and states what every line must become.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from metrics.cli import main
from metrics.extract import loader
from metrics.extract.folder import ExtractError
from metrics.extract.loader import database_path
from metrics.extract.quality import extract_info, extract_span
from tests.conftest import BASE_TABLES, rejects, write_extract

ROOT = Path(__file__).resolve().parent.parent
CONTACTS_HEADER = BASE_TABLES["contacts"].splitlines()[0]


def contacts_file(lines: list[str], ending: str = "\n", last_ending: bool = True) -> str:
    text = ending.join([CONTACTS_HEADER, *lines])
    return text + ending if last_ending else text


def contact(number: int, at: str = "2024-03-02 10:00") -> str:
    return f"K{number},E1,S1,{at},client,phone"


def accepted_ids(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    return con.execute("SELECT contact_id, line FROM contacts ORDER BY line").fetchall()


def report_of(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int, int]:
    return con.execute('SELECT rows_read, accepted, rejected, blank_lines FROM load_report WHERE "table" = ?',
                       [table]).fetchall()[0]


# ---------------------------------------------------------------------------
# Every line accounted for


def test_a_stray_quote_costs_its_own_line_and_reading_goes_on(build):
    # 13 data lines (lines 2-14); line 6 opens a quote that never closes.
    lines = [contact(n) for n in range(1, 14)]
    lines[4] = 'K5,E1,S1,"2024-03-02 10:00,client,phone'
    con = build(replace={"contacts": contacts_file(lines)})
    assert report_of(con, "contacts") == (13, 12, 1, 0)
    assert rejects(con, "contacts") == [
        ("contacts", 6, "contact_at", 'K5,E1,S1,"2024-03-02 10:00,client,phone', 'unmatched quote (")')]
    assert [line for _, line in accepted_ids(con)] == [2, 3, 4, 5, *range(7, 15)]


def test_a_quote_inside_a_value_that_is_not_quoted_rejects_that_line(build):
    lines = [contact(1), 'K2,E1,S"1,2024-03-02 10:00,client,phone', contact(3)]
    con = build(replace={"contacts": contacts_file(lines)})
    assert [(r[1], r[2], r[4]) for r in rejects(con, "contacts")] == [(3, "staff_id", 'unmatched quote (")')]
    assert accepted_ids(con) == [("K1", 2), ("K3", 4)]


def test_two_stray_quotes_do_not_pair_up_into_one_value(build):
    # Lines 3 and 5 each hold one quote; joined they are no well-formed record of six cells.
    lines = [contact(1), 'K2,E1,S1,"2024-03-02 10:00,client,phone', contact(3),
             'K4,E1,S1,2024-03-02 10:00,"client,phone', contact(5)]
    con = build(replace={"contacts": contacts_file(lines)})
    assert [(r[1], r[2]) for r in rejects(con, "contacts")] == [(3, "contact_at"), (5, "kind")]
    assert accepted_ids(con) == [("K1", 2), ("K3", 4), ("K5", 6)]


def test_a_quoted_value_spanning_lines_is_one_record(build):
    # An extra column's value runs over lines 3-5: one record; then K3 on line 6, a bad line 7.
    text = (CONTACTS_HEADER + ",note\n" + contact(1) + ",\n" + contact(2) + ',"first\nsecond\nthird"\n'
            + contact(3) + ",\n" + "K4,E1,S1,bad,client,phone,\n")
    con = build(replace={"contacts": text})
    assert report_of(con, "contacts") == (4, 3, 1, 0)
    assert accepted_ids(con) == [("K1", 2), ("K2", 3), ("K3", 6)]
    assert [(r[1], r[2]) for r in rejects(con, "contacts")] == [(7, "contact_at")]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_blank_lines_are_skipped_and_counted(build, ending):
    lines = ["", contact(1), "  ", "\t", "K2,E1,S1,bad,client,phone", contact(3), ""]
    con = build(replace={"contacts": contacts_file(lines, ending)})
    # Physical lines: 2 blank, 3 K1, 4-5 blank (spaces, a tab), 6 K2 (bad), 7 K3, 8 blank.
    assert report_of(con, "contacts") == (3, 2, 1, 4)
    assert accepted_ids(con) == [("K1", 3), ("K3", 7)]
    assert [(r[1], r[2]) for r in rejects(con, "contacts")] == [(6, "contact_at")]


@pytest.mark.parametrize("ending,last_ending", [("\r\n", True), ("\r\n", False), ("\n", False)])
def test_line_endings_of_either_kind_load_whole(build, ending, last_ending):
    lines = [contact(1), "K2,E1,,2024-03-03 11:00,attempt,other", contact(3)]
    con = build(replace={"contacts": contacts_file(lines, ending, last_ending)})
    assert rejects(con) == []
    # The last cell keeps no carriage return.
    assert con.execute("SELECT contact_id, mode, line FROM contacts ORDER BY line").fetchall() == [
        ("K1", "phone", 2), ("K2", "other", 3), ("K3", "phone", 4)]


def test_mixed_line_endings_and_a_carriage_return_outside_quotes(build):
    text = CONTACTS_HEADER + "\r\n" + contact(1) + "\n" + "K2,E1,S1,2024-03-02 10:00,cli\rent,phone\r\n" + \
        contact(3) + "\r\n" + contact(4) + "\n"
    con = build(replace={"contacts": text})
    assert [(r[1], r[2], r[4]) for r in rejects(con, "contacts")] == [
        (3, "kind", "carriage return inside a value that is not quoted")]
    assert con.execute("SELECT contact_id, mode, line FROM contacts ORDER BY line").fetchall() == [
        ("K1", "phone", 2), ("K3", "phone", 4), ("K4", "phone", 5)]


@pytest.mark.parametrize("where", ["first", "middle", "last without a line break"])
def test_bytes_that_are_not_utf8_reject_their_line_only(tmp_path, cache, where):
    good = [contact(n).encode() for n in range(1, 5)]
    bad = b"K9,E1,S\xe91,2024-03-02 10:00,client,phone"
    position = {"first": 0, "middle": 2, "last without a line break": 4}[where]
    lines = good[:position] + [bad] + good[position:]
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "contacts.csv").write_bytes(b"\n".join([CONTACTS_HEADER.encode(), *lines])
                                          + (b"" if position == 4 else b"\n"))
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    assert rejects(con, "contacts") == [("contacts", position + 2, "staff_id",
                                         "K9,E1,S\ufffd1,2024-03-02 10:00,client,phone", "not UTF-8 (byte 0xE9)")]
    # The neighbours are read exactly as written: no id is mangled.
    assert [cid for cid, _ in accepted_ids(con)] == ["K1", "K2", "K3", "K4"]


# ---------------------------------------------------------------------------
# Impossible values


@pytest.mark.parametrize("value,reason", [
    ("0000-01-02", "outside 1900-01-01 to 2100-12-31"),
    ("1899-12-31", "outside 1900-01-01 to 2100-12-31"),
    ("2101-01-01", "outside 1900-01-01 to 2100-12-31"),
    ("9999-12-31", "outside 1900-01-01 to 2100-12-31"),
    ("2024-02-30", "not a date (expected YYYY-MM-DD)"),
])
def test_impossible_dates_are_rejected(build, value, reason):
    con = build(extra_rows={"staff": [f"S9,A1,CM,1.0,{value},"]})
    assert rejects(con, "staff") == [("staff", 4, "hired_on", value, reason)]


TIMESTAMP_REASON = "not a timestamp (expected YYYY-MM-DD HH:MM[:SS], hours 00-23, local time, no offset)"


@pytest.mark.parametrize("value,reason", [
    ("2024-03-01 24:00", TIMESTAMP_REASON),
    ("2024-03-01 23:60", TIMESTAMP_REASON),
    ("2024-03-01 10:00:60", TIMESTAMP_REASON),
    ("2024-03-01T10:00-05:00", TIMESTAMP_REASON),
    ("0000-01-01 10:00", "outside 1900-01-01 to 2100-12-31"),
    ("2101-01-01 00:00", "outside 1900-01-01 to 2100-12-31"),
])
def test_impossible_times_are_rejected_not_rolled_over(build, value, reason):
    con = build(extra_rows={"contacts": [contact(5, value)]})
    assert rejects(con, "contacts") == [("contacts", 4, "contact_at", value, reason)]


def test_the_first_and_last_possible_days_are_accepted(build):
    con = build(extra_rows={"staff": ["S8,A1,CM,1.0,1900-01-01,", "S9,A1,CM,1.0,2100-12-31,"]})
    assert rejects(con) == []


# ---------------------------------------------------------------------------
# The extract's date


def test_without_a_manifest_the_extract_date_is_the_latest_event_by_the_day_of_loading(build):
    # The base extract's latest event is staff S2 leaving on 30 June 2025; a contact dated
    # 2096 has not happened yet: kept, listed as a warning, and the date does not move.
    con = build(extra_rows={"contacts": [contact(5, "2096-01-01 10:00")]})
    info = extract_info(con)
    assert (info["extract_date"], info["extract_date_from"]) == ("2025-06-30", "latest event")
    assert con.execute("SELECT contact_id FROM contacts WHERE line = 4").fetchall() == [("K5",)]
    assert con.execute('SELECT "table", line, "column", value, reason FROM warnings').fetchall() == [
        ("contacts", 4, "contact_at", "2096-01-01 10:00:00", "dated after the extract was taken (2025-06-30)")]
    assert con.execute('SELECT warnings FROM load_report WHERE "table" = \'contacts\'').fetchall() == [(1,)]
    # Nothing stored at load reaches past the extract's date.
    assert con.execute("SELECT grid_end FROM adherence_grid_info").fetchall()[0][0].isoformat() == "2025-06-30"


def test_a_manifest_gives_the_extract_date(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "extract.toml").write_text('taken_on = 2024-05-15\nsource = "BHD MIS"\n')
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    info = extract_info(con)
    assert (info["extract_date"], info["extract_date_from"], info["source"]) == ("2024-05-15", "manifest", "BHD MIS")
    assert extract_span(con)[1].isoformat() == "2024-05-15"
    # The discharge of 1 June 2024, the assignment's end that day and S2 leaving in 2025 come after it.
    assert con.execute('SELECT "table", "column" FROM warnings ORDER BY ALL').fetchall() == [
        ("assignments", "end_on"), ("episodes", "discharged_on"), ("staff", "separated_on")]


@pytest.mark.parametrize("text,message", [
    ('source = "x"\n', "taken_on is required"),
    ("taken_on = 2024-05-15T10:00:00\n", "taken_on must be a date such as 2026-10-31"),
    ("taken_on = 1850-01-01\n", "taken_on 1850-01-01 is outside 1900-01-01 to 2100-12-31"),
    ("taken_on = 2024-05-15\ntaken = 1\n", "unknown key taken"),
    ("taken_on = \n", "not valid TOML"),
])
def test_a_faulty_manifest_stops_the_load_naming_it(tmp_path, cache, text, message):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "extract.toml").write_text(text)
    with pytest.raises(ExtractError, match=message) as raised:
        database_path(folder)
    assert "extract.toml" in str(raised.value)


def test_metrics_report_as_of_the_extract_date_by_default(tmp_path, cache, capsys):
    tables = dict(BASE_TABLES)
    tables["contacts"] += contact(5, "2096-01-01 10:00") + "\n"
    folder = write_extract(tmp_path / "extract", tables)
    assert main(["metrics", "--extract", str(folder), "--out", str(tmp_path / "out")]) == 0
    assert "as of 2025-06-30" in capsys.readouterr().out
    assert (tmp_path / "out" / "caseload_agency.csv").read_text().splitlines()[1].startswith("2025-06-30,")


# ---------------------------------------------------------------------------
# Nothing to report on


@pytest.mark.parametrize("command", ["metrics", "validate", "report"])
def test_a_core_table_without_accepted_rows_stops_the_figures(tmp_path, cache, capsys, command):
    tables = dict(BASE_TABLES, contacts=CONTACTS_HEADER + "\n")
    folder = write_extract(tmp_path / "extract", tables)
    extra = {"metrics": ["--out", str(tmp_path / "out")], "validate": [],
             "report": ["--quarter", "2024Q2", "--out", str(tmp_path / "deck.pdf")]}[command]
    assert main([command, "--extract", str(folder), *extra]) == 2
    assert "no accepted rows in the core table contacts" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "deck.pdf").exists()


# ---------------------------------------------------------------------------
# A changed file is always seen


def test_an_edit_that_keeps_size_and_modification_time_is_seen(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    clients = folder / "clients.csv"
    before = clients.stat()
    first = database_path(folder)
    # Same length, same modification time, another birth year.
    clients.write_text(BASE_TABLES["clients"].replace("1980", "1981"))
    os.utime(clients, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert clients.stat().st_size == before.st_size and clients.stat().st_mtime_ns == before.st_mtime_ns
    second = database_path(folder)
    assert second != first
    con = duckdb.connect(str(second), read_only=True)
    assert con.execute("SELECT birth_year FROM clients WHERE client_id = 'C1'").fetchall() == [(1981,)]


# ---------------------------------------------------------------------------
# Cannot load: exit 2 at once, one message


def _make_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _make_device(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _make_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _make_socket(path: Path) -> socket.socket:
    path.unlink()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


@pytest.mark.parametrize("make,kind", [(_make_fifo, "a FIFO"), (_make_device, "a character device"),
                                       (_make_folder, "a folder"), (_make_socket, "a socket")])
def test_a_table_name_that_is_not_a_regular_file_stops_at_once(tmp_path, make, kind):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    held = make(folder / "contacts.csv")
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(tmp_path / "cache")}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "metrics.cli", "validate", "--extract", str(folder)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {folder / 'contacts.csv'}: {kind}, not a file that can be read as a table"]
    if held:
        held.close()


def test_a_line_over_the_size_limit_stops_naming_line_and_column(tmp_path, cache, capsys):
    from metrics.extract.csvfile import MAX_LINE_BYTES

    tables = dict(BASE_TABLES)
    tables["contacts"] += "K5,E1," + "S" * (MAX_LINE_BYTES + 10) + ",2024-03-02 10:00,client,phone\n"
    folder = write_extract(tmp_path / "extract", tables)
    assert main(["validate", "--extract", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {folder / 'contacts.csv'}: line 4, column 3 (staff_id): the line is longer than "
        f"{MAX_LINE_BYTES:,} bytes")


def test_a_header_over_the_size_limit_stops(tmp_path, cache, capsys):
    from metrics.extract.csvfile import MAX_LINE_BYTES

    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "clients.csv").write_text("client_id," + "x" * MAX_LINE_BYTES + "\nC1,1\n")
    assert main(["validate", "--extract", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {folder / 'clients.csv'}: line 1 (the header) is longer than {MAX_LINE_BYTES:,} bytes")


def test_an_unwritable_cache_folder_stops_with_one_message(tmp_path, monkeypatch, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("OVERSIGHT_CACHE_DIR", str(blocker / "cache"))
    assert main(["validate", "--extract", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {blocker / 'cache'}: the cache folder cannot be written") and "Traceback" not in err


def test_an_unreadable_folder_stops_with_one_message(tmp_path, cache, monkeypatch, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    # Tests run as root here, which no file mode stops: the refusal is the one the system gives.
    monkeypatch.setattr(Path, "iterdir", refuse)
    assert main(["validate", "--extract", str(folder)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {folder}: the folder cannot be read (Permission denied)"


def test_an_internal_error_shows_no_traceback_and_no_value(tmp_path, cache, monkeypatch, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)

    def broken(*args, **kwargs):
        raise ValueError("C1 1980-02-11 (a value that must not be shown)")

    monkeypatch.setattr("metrics.cli.read_report", broken)
    assert main(["validate", "--extract", str(folder)]) == 3
    err = capsys.readouterr().err
    assert "ValueError" in err and "C1" not in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# Several sessions, one extract


def test_threads_on_a_cold_database_share_one_build(tmp_path, cache, monkeypatch):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    builds = []
    real_build = loader.build_database

    def counted(*args):
        builds.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every other thread to arrive while it builds
        return real_build(*args)

    monkeypatch.setattr(loader, "build_database", counted)
    paths, errors = [], []

    def visit():
        try:
            path = database_path(folder)
            con = duckdb.connect(str(path), read_only=True)
            paths.append((path, con.execute("SELECT count(*) FROM load_report").fetchall()[0][0]))
        except Exception as error:  # noqa: BLE001 - every failure is collected and shown
            errors.append(error)

    threads = [threading.Thread(target=visit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(builds) == 1
    assert {path for path, _ in paths} == {paths[0][0]} and {n for _, n in paths} == {len(loader.schema.TABLES)}


def test_a_file_replaced_while_sessions_load_leaves_every_one_a_whole_database(tmp_path, cache):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    errors, seen = [], []
    replaced = threading.Event()

    def replace_clients():
        for count in range(4, 7):
            # Written beside, then renamed: the way an export tool drops a new file in place.
            fresh = folder / ".clients.csv.new"
            fresh.write_text(BASE_TABLES["clients"] + "".join(f"C{n},,1990\n" for n in range(3, count)))
            os.replace(fresh, folder / "clients.csv")
            time.sleep(0.25)
        replaced.set()

    def visit():
        while True:
            done = replaced.is_set()
            try:
                con = duckdb.connect(str(database_path(folder)), read_only=True)
                read, accepted = con.execute(
                    'SELECT rows_read, accepted FROM load_report WHERE "table" = \'clients\'').fetchall()[0]
                seen.append((read, accepted, con.execute("SELECT count(*) FROM clients").fetchall()[0][0]))
            except Exception as error:  # noqa: BLE001 - every failure is collected and shown
                errors.append(error)
            if done:
                return

    writer = threading.Thread(target=replace_clients)
    visitors = [threading.Thread(target=visit) for _ in range(4)]
    for thread in [writer, *visitors]:
        thread.start()
    for thread in [writer, *visitors]:
        thread.join()
    assert errors == []
    # Each database is whole: its clients table holds exactly what its report says was read,
    # and the last visits see the last file (C1, C2 and C3 to C5).
    assert seen and all(read == accepted == stored for read, accepted, stored in seen)
    assert seen[-1] == (5, 5, 5)


def test_a_killed_build_leaves_nothing_a_later_build_trips_over(tmp_path, cache):
    from metrics.demo import write_demo

    folder = tmp_path / "extract"
    write_demo(folder, seed=5, scale=0.5)
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(cache)}
    build = subprocess.Popen([sys.executable, "-m", "metrics.cli", "validate", "--extract", str(folder)],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(cache.glob("*.building*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(cache.glob("*.building*")), "the build never started"
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert list(cache.glob("*.building*"))  # what the killed build left
    con = duckdb.connect(str(database_path(folder)), read_only=True)
    assert con.execute('SELECT count(*) FROM load_report').fetchall()[0][0] == len(loader.schema.TABLES)
    assert list(cache.glob("*.building*")) == []


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/adherence.py", "app_pages/monitoring.py"])
def test_the_dashboard_says_there_is_nothing_to_report_on_instead_of_drawing_zeros(tmp_path, cache, monkeypatch,
                                                                                     page):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    folder = write_extract(tmp_path / "extract", dict(BASE_TABLES, contacts=CONTACTS_HEADER + "\n"))
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(folder))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The extract has no accepted rows in `contacts`: there is nothing to report on. The data-quality page "
        "shows what was rejected and why."]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    # The page that explains it still opens, and says the same.
    at.switch_page("app_pages/data_quality.py")
    at.run()
    assert not at.exception and at.title[0].value == "Data quality"
    assert [e.value for e in at.error] == [
        "No accepted rows in `contacts`: the other pages have nothing to report on until the extract holds some."]


def test_metrics_after_the_extract_date_say_so(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    assert main(["metrics", "--extract", str(folder), "--as-of", "2025-07-31", "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "note: 2025-07-31 is after the extract's date, 2025-06-30: the figures count rows dated after the "
        "extract was taken as if they had happened")
