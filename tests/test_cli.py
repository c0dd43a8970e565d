"""The `oversight` command line: exit statuses, the rejects file, the Streamlit options."""

from __future__ import annotations

import csv

from metrics.cli import main, streamlit_flags
from tests.conftest import BASE_TABLES, write_extract


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
    assert rows[0] == ["table", "line", "column", "value", "reason"]
    # Tables in load order (clients before contacts), then by line.
    assert [r[:3] for r in rows[1:]] == [["clients", "4", "birth_year"], ["contacts", "4", "kind"],
                                        ["contacts", "5", "contact_at"]]


def test_validate_unloadable_extract_exits_2_naming_the_file(tmp_path, cache, capsys):
    folder = write_extract(tmp_path / "extract", BASE_TABLES)
    (folder / "agencies.csv").unlink()
    assert main(["validate", "--extract", str(folder)]) == 2
    assert "missing core table agencies.csv" in capsys.readouterr().err


def test_streamlit_config_becomes_command_line_options(tmp_path):
    config = tmp_path / "streamlit_config.toml"
    config.write_text('[server]\nheadless = true\nport = 9000\n[theme]\nbase = "light"\n')
    assert streamlit_flags(config) == ["--server.headless=true", "--server.port=9000", "--theme.base=light"]


def test_metrics_writes_every_table_with_the_contract_columns_first(tmp_path, cache, capsys):
    from metrics.outputs import OUTPUTS

    tables = dict(BASE_TABLES)
    tables["clients"] += "C9,,1850\n"
    folder = write_extract(tmp_path / "extract", tables)
    out = tmp_path / "measures"
    assert main(["metrics", "--extract", str(folder), "--as-of", "2024-06-30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "measures as of 2024-06-30" in printed and "1 rejected rows were left out" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{o.name}.csv" for o in OUTPUTS)
    for output in OUTPUTS:
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
