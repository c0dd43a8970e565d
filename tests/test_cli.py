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
    try:
        main(["validate", "--extract", str(folder)])
    except SystemExit as stop:
        assert stop.code == 2
    else:
        raise AssertionError("expected exit status 2")
    assert "missing core table agencies.csv" in capsys.readouterr().err


def test_streamlit_config_becomes_command_line_options(tmp_path):
    config = tmp_path / "streamlit_config.toml"
    config.write_text('[server]\nheadless = true\nport = 9000\n[theme]\nbase = "light"\n')
    assert streamlit_flags(config) == ["--server.headless=true", "--server.port=9000", "--theme.base=light"]
