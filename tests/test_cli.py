"""The `oversight` command line: exit statuses, the rejects file, the Streamlit options."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metrics.cli import main, streamlit_flags
from tests.conftest import BASE_TABLES, write_extract
from tests.test_app import demo_extract  # noqa: F401 - shared fixture


def test_validate_clean_extract_exits_0(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    assert main(["validate", "--extract", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "episodes" in out and "rows rejected" not in out


def test_validate_with_rejects_exits_1_and_writes_every_rejected_row(tmp_path, cache, capsys):
    tables = dict(BASE_TABLES)
    tables["contacts"] += "K8,E1,S1,2024-03-02 10:00,visit,phone\nK9,E1,S1,=1+2,client,phone\n"
    tables["clients"] += "C9,,1850\n"
    folder = write_extract(tmp_path / "extract", tables)
    rejects_file = tmp_path / "out" / "rejects.csv"
    assert main(["validate", "--extract", str(folder), "--rejects", str(rejects_file)]) == 1
    out = capsys.readouterr().out
    assert "3 rows rejected" in out
    assert "contacts, line 4, kind: not one of" in out
    with rejects_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["table", "line", "column", "value", "reason", "cause_table", "cause_line"]
    # Tables in load order (clients before contacts), then by line.
    assert [r[:3] for r in rows[1:]] == [["clients", "4", "birth_year"], ["contacts", "4", "kind"],
                                        ["contacts", "5", "contact_at"]]


def test_validate_counts_each_check_and_writes_a_report_per_agency(tmp_path, cache, capsys):
    from metrics.extract.checks import CHECKS_BY_ID

    tables = dict(BASE_TABLES)
    # K1 again under another id: the same episode, time and kind. A warning: accepted, exit 0.
    tables["contacts"] += "K3,E1,S1,2024-03-01 15:00,client,phone\n"
    folder = write_extract(tmp_path / "extract", tables)
    assert main(["validate", "--extract", str(folder), "--by-agency", str(tmp_path / "reports")]) == 0
    out = capsys.readouterr().out
    assert "By check of the catalogue" in out
    (line,) = [text for text in out.splitlines() if "duplicate_contact" in text]
    assert line.split()[:3] == ["warning", "duplicate_contact", "1"]
    # A file for each agency of the extract, and one for rows naming none.
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["agency_A1.csv", "agency_A2.csv",
                                                                        "no_agency.csv"]
    with (tmp_path / "reports" / "agency_A1.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    (duplicate,) = [row for row in rows if row["check"] == "duplicate_contact"]
    assert (duplicate["table"], duplicate["line"]) == ("contacts", "4")  # K3, the later of the two
    assert duplicate["guidance"] == CHECKS_BY_ID["duplicate_contact"].guidance
    with (tmp_path / "reports" / "agency_A2.csv").open(encoding="utf-8", newline="") as handle:
        assert [row for row in csv.DictReader(handle) if row["check"] == "duplicate_contact"] == []


def test_validate_prints_the_root_causes_first_most_rows_recovered_first(tmp_path, cache, capsys):
    # Staff S4 (line 4, fte 1.5) takes two assignments and a contact naming it: 4 rows. Eleven contacts
    # of an unknown kind (lines 5 to 15 after the one naming S4) take themselves: the first nine after
    # S4's make the ten printed, and two more are left.
    tables = dict(BASE_TABLES)
    tables["staff"] += "S4,A1,CM,1.5,2024-01-01,\n"
    tables["assignments"] += "E1,S4,2024-03-02,\nE2,S4,2024-03-06,\n"
    tables["contacts"] += "K3,E1,S4,2024-03-05 10:00,client,phone\n" + "".join(
        f"K{n},E1,S1,2024-03-05 10:{n:02d},visit,phone\n" for n in range(10, 21))
    folder = write_extract(tmp_path / "extract", tables)
    assert main(["validate", "--extract", str(folder)]) == 1
    out = capsys.readouterr().out
    causes = out.index("Root causes: the 15 rows rejected go back to 12 rows rejected for themselves")
    assert causes < out.index("15 rows rejected. First reasons:")
    listed = out[causes:].splitlines()[1:12]
    assert listed[0] == (
        "  1. staff line 4, fte 1.5: must be at most 1 — fixing it recovers 4 rows (1 staff, 2 assignments, "
        "1 contacts) of Alpha Recovery; caseload utilization, contact adherence, care-coordination milestones, "
        "time to first contact and orientation training are counted without them.")
    assert [line.split(",")[0] for line in listed[1:10]] == [f"  {rank}. contacts line {line}"
                                                            for rank, line in zip(range(2, 11), range(5, 14), strict=True)]
    assert listed[10] == "  … and 2 more, each recovering at most 1 row"


def test_validate_unloadable_extract_exits_2_naming_the_file(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "agencies.csv").unlink()
    assert main(["validate", "--extract", str(folder)]) == 2
    assert "missing core table agencies.csv" in capsys.readouterr().err


def test_streamlit_config_becomes_command_line_options(tmp_path):
    config = tmp_path / "streamlit_config.toml"
    config.write_text('[server]\nheadless = true\nport = 9000\n[theme]\nbase = "light"\n')
    assert streamlit_flags(config) == ["--server.headless=true", "--server.port=9000", "--theme.base=light"]


def test_visitors_are_shown_no_error_details():
    assert "--client.showErrorDetails=none" in streamlit_flags()


def test_metrics_writes_every_table_with_the_contract_columns_first(tmp_path, cache, capsys):
    from metrics.measures.registry import MEASURES

    tables = dict(BASE_TABLES)
    tables["clients"] += "C9,,1850\n"
    folder = write_extract(tmp_path / "extract", tables)
    out = tmp_path / "measures"
    assert main(["metrics", "--extract", str(folder), "--as-of", "2024-06-30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "measures as of 2024-06-30" in printed and "1 rejected rows were left out" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{o.name}.csv" for o in MEASURES)
    for output in MEASURES:
        with (out / f"{output.name}.csv").open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header[: len(output.contract_columns)] == list(output.contract_columns), output.name


def test_metrics_defaults_to_the_latest_event_date(tmp_path, cache, capsys):
    # The base extract's latest event is staff S2's separation on 2025-06-30 (later than E1's
    # discharge on 2024-06-01 and the last contact on 2024-03-06).
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    assert main(["metrics", "--extract", str(folder), "--out", str(tmp_path / "m")]) == 0
    assert "measures as of 2025-06-30" in capsys.readouterr().out
    with (tmp_path / "m" / "first_contact_episodes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # E1 referred 2024-03-01 10:00 and first reached at 15:00: 5 hours, within 24.
    e1 = next(r for r in rows if r["episode_id"] == "E1")
    assert (e1["hours"], e1["due"], e1["met"]) == ("5.0", "true", "true")


def test_anonymize_refuses_a_key_others_can_read(tmp_path, capsys):
    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o644)
    assert main(["anonymize", "--in", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
                 "--key-file", str(key)]) == 2
    assert "chmod 600" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_names_the_meeting_of_the_quarter(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    assert main(["report", "--extract", str(folder), "--quarter", "2024Q3", "--out", str(tmp_path / "d.pdf")]) == 0
    # 1 July 2024 is a Monday: Wednesdays 3, 10, 17.
    assert "Wednesday 17 July 2024" in capsys.readouterr().out
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")


def test_report_writes_powerpoint_by_the_files_name_or_by_format(tmp_path, cache, capsys):
    from pptx import Presentation

    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    assert main(["report", "--extract", str(folder), "--quarter", "2024Q3", "--out", str(tmp_path / "d.pptx")]) == 0
    assert "PPTX" in capsys.readouterr().out
    assert Presentation(str(tmp_path / "d.pptx")).slides[1].shapes.title.text == "Agenda"
    # --format wins over the file's name.
    assert main(["report", "--extract", str(folder), "--quarter", "2024Q3", "--out", str(tmp_path / "deck"),
                 "--format", "pptx"]) == 0
    assert (tmp_path / "deck").read_bytes().startswith(b"PK")  # a PowerPoint file is a zip


def test_a_deck_for_one_agency_is_for_that_agency(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    out = tmp_path / "a1.pdf"
    assert main(["report", "--extract", str(folder), "--quarter", "2024Q3", "--out", str(out), "--agency", "A1"]) == 0
    assert "for Alpha Recovery" in capsys.readouterr().out
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Alpha Recovery" in text and "Beta County CRS" not in text


@pytest.mark.parametrize("args,message", [
    (["--quarter", "2024Q5"], "not a quarter: '2024Q5'"),
    (["--quarter", "2024Q3", "--agency", "Z9"], "--agency Z9: no such agency in the extract"),
    (["--quarter", "2024Q3", "--format", "docx"], "invalid choice: 'docx'"),
])
def test_a_deck_that_cannot_be_made_is_refused_with_a_message(tmp_path, cache, capsys, args, message):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    try:
        status = main(["report", "--extract", str(folder), "--out", str(tmp_path / "d.pdf"), *args])
    except SystemExit as stop:  # argparse's own refusals
        status = stop.code
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "d.pdf").exists()


# `oversight serve`, each in a process of its own: Streamlit's configuration is global to a process.
AUTH_SECTION = """[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-only-cookie-secret"
client_id = "recovery-oversight"
client_secret = "test-only"
server_metadata_url = "https://sign-in.invalid/.well-known/openid-configuration"
"""
# Everything `oversight serve` does but serving: the address it would listen on is printed instead.
UP_TO_SERVING = (
    "import sys\n"
    "from dashboard import serve\n"
    "from metrics.cli import main\n"
    "serve.run = lambda app, options: print('listening on', options['server_address'])\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def oversight_serve(tmp_path, args: list[str], secrets: str | None = None, access: str | None = None,
                    code: list[str] | None = None) -> subprocess.CompletedProcess:
    """`oversight serve ARGS` with these secrets and access file (None: none), in a folder of its own."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("STREAMLIT_") and name != "OVERSIGHT_ACCESS_FILE"}
    env["OVERSIGHT_CACHE_DIR"] = str(tmp_path / "cache")
    # Named even when absent, so that no secrets file of the machine's is read.
    env["STREAMLIT_SECRETS_FILES"] = str(tmp_path / "secrets.toml")
    if secrets is not None:
        (tmp_path / "secrets.toml").write_text(secrets, encoding="utf-8")
    if access is not None:
        env["OVERSIGHT_ACCESS_FILE"] = str(tmp_path / "access.toml")
        (tmp_path / "access.toml").write_text(access, encoding="utf-8")
    return subprocess.run([sys.executable, *(code or ["-m", "metrics.cli"]), "serve", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("secrets,access,message", [
    (None, '[users]\n"a@x.org" = "all"\n',
     "error: OVERSIGHT_ACCESS_FILE names an access file (T/access.toml) but sign-in is not configured (no [auth] "
     "section in Streamlit's secrets): without sign-in nobody's access can be checked, and every visitor would see "
     "every agency. Configure sign-in, or unset OVERSIGHT_ACCESS_FILE for local single-user mode.\n"),
    (AUTH_SECTION, None,
     "error: sign-in is configured ([auth] in Streamlit's secrets) but OVERSIGHT_ACCESS_FILE names no access file: "
     "nobody's access can be looked up. Set OVERSIGHT_ACCESS_FILE to the access file.\n"),
    (AUTH_SECTION, '[users]\n"A@x.org" = "all"\n"a@x.org" = "all"\n"b@x.org" = "some"\n',
     'error: T/access.toml:3:1: "a@x.org" is the same address as "A@x.org" on line 2: addresses are compared without '
     "regard to case, so list each once\n"
     'error: T/access.toml:4:13: "b@x.org" must be granted "all" or a list of agency ids (each a non-empty text), '
     'such as ["RSA01", "RSA02"]\n'),
    # The string runs into the end of line 2, after its 16 characters.
    (AUTH_SECTION, '[users]\n"a@x.org" = "all\n',
     "error: T/access.toml:2:17: Illegal character '\\n' (not valid TOML)\n"),
    (AUTH_SECTION.replace('client_id = "recovery-oversight"\n', ""), '[users]\n"a@x.org" = "all"\n',
     "error: sign-in is configured but incomplete: Authentication credentials in `.streamlit/secrets.toml` for the "
     "default authentication provider are missing the following keys: ['client_id']. Please check your "
     "configuration.\n"),
    ('[auth\nredirect_uri = "x"\n', None,
     "error: Streamlit's secrets cannot be read: Error parsing secrets file at T/secrets.toml: Expected ']' at the "
     "end of a table declaration (at line 1, column 6)\n"),
])
def test_serve_refuses_to_start_without_sign_in_and_access_file_in_order(tmp_path, secrets, access, message):
    started = time.monotonic()
    # The extract does not exist: access is checked before anything else, and nothing is served.
    result = oversight_serve(tmp_path, ["--extract", str(tmp_path / "no-extract")], secrets, access)
    assert (result.returncode, result.stdout, result.stderr.replace(str(tmp_path), "T")) == (2, "", message)
    assert time.monotonic() - started < 20


def test_serve_listens_on_this_machine_only_by_default(tmp_path):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    result = oversight_serve(tmp_path, ["--extract", str(folder)], code=["-c", UP_TO_SERVING])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "listening on 127.0.0.1"
    assert "serving the dashboard on http://127.0.0.1:8501 (local single-user mode" in result.stdout
    assert result.stderr == ""


def test_serve_warns_when_everything_is_open_to_other_machines(tmp_path):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    result = oversight_serve(tmp_path, ["--extract", str(folder), "--address", "0.0.0.0"], code=["-c", UP_TO_SERVING])
    assert result.stdout.splitlines()[-1] == "listening on 0.0.0.0"
    assert result.stderr == ("warning: no sign-in is configured and the dashboard listens on 0.0.0.0: anyone who "
                             "can reach it sees every agency\n")


def test_serve_with_sign_in_also_listens_on_this_machine_and_names_unknown_agencies(tmp_path):
    # The base extract holds agencies A1 and A2.
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    access = '[users]\n"boss@x.org" = "all"\n"sup@x.org" = ["A1", "Z9"]\n'
    result = oversight_serve(tmp_path, ["--extract", str(folder)], AUTH_SECTION, access, code=["-c", UP_TO_SERVING])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "listening on 127.0.0.1"
    assert f"(sign-in, access file {tmp_path}/access.toml;" in result.stdout
    assert result.stderr.replace(str(tmp_path), "T") == (
        'warning: T/access.toml:3:15: agency "Z9" is not in the extract: it grants nothing until the extract has it\n'
    )


def test_serve_imports_what_the_pages_use_before_serving(demo_extract, tmp_path):  # noqa: F811
    # Sessions run the pages in threads of their own, and two importing a module at once can find it half
    # initialised: after serve's imports, every page, exact and presenting, imports none of these afresh.
    script = """
import sys
from dashboard.serve import import_what_pages_use
from streamlit.testing.v1 import AppTest
from tests.test_app import APP, PAGES

import_what_pages_use()
before = set(sys.modules)
at = AppTest.from_file(APP, default_timeout=120)
for presenting in (False, True):
    at.session_state["presenting"] = presenting
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.message for e in at.exception])
heavy = {"numpy", "pandas", "pyarrow", "polars", "duckdb", "scipy", "holidays", "fpdf", "kaleido", "dashboard",
         "metrics"}
print(sorted(name for name in set(sys.modules) - before if name.split(".")[0] in heavy))
"""
    env = {**os.environ, "OVERSIGHT_EXTRACT": str(demo_extract), "OVERSIGHT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("OVERSIGHT_ACCESS_FILE", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parent.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", ["metrics", "worklists"])
def test_a_report_date_far_past_the_extract_is_refused_with_a_message(command, tmp_path, cache, capsys):
    # The base extract's date is 2025-06-30 (staff S2's separation); up to 366 days later (2026-07-01)
    # is allowed, a day more is not.
    folder = write_extract(tmp_path / "extract", dict(BASE_TABLES))
    out = tmp_path / "out"
    assert main([command, "--extract", str(folder), "--as-of", "9999-12-31", "--out", str(out)]) == 2
    assert capsys.readouterr().err == ("error: --as-of 9999-12-31 is more than a year after the extract's date, "
                                       "2025-06-30: the extract holds nothing to count then\n")
    assert not out.exists()
    assert main([command, "--extract", str(folder), "--as-of", "2026-07-02", "--out", str(out)]) == 2
    assert main([command, "--extract", str(folder), "--as-of", "2026-07-01", "--out", str(out)]) == 0


def test_worklists_say_how_many_rows_were_rejected(tmp_path, cache, capsys):
    tables = dict(BASE_TABLES)
    tables["clients"] += "C9,,1850\n"
    folder = write_extract(tmp_path / "extract", tables)
    assert main(["worklists", "--extract", str(folder), "--as-of", "2024-06-30", "--out", str(tmp_path / "out")]) == 0
    assert "1 rejected rows were left out of every worklist" in capsys.readouterr().out
