"""The structure of the code: checks that read it rather than run it (its types and its imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy_api

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_metrics_type_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy, as configured in pyproject.toml ([tool.mypy]: strict, on metrics/), finds nothing."""
    monkeypatch.chdir(PROJECT_ROOT)  # the config's `files` are relative to where mypy runs
    report, errors, status = mypy_api.run(["--config-file", str(PROJECT_ROOT / "pyproject.toml")])
    assert status == 0, f"mypy exited {status}:\n{report}{errors}"


def test_import_contracts_hold() -> None:
    """The layers of pyproject.toml's [tool.importlinter]: the core headless, the report without
    Streamlit, the dashboard never reaching into the command line, and no import cycles."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout, done.stdout
