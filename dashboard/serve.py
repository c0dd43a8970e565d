"""What ``oversight serve`` does around Streamlit: read Streamlit's configuration as ``streamlit run``
would, check access before anyone is served, import what the pages use, then run the server in
this process."""

from __future__ import annotations

import ast
import importlib
import ipaddress
import logging
from pathlib import Path
from typing import Any

from streamlit import config
from streamlit.auth_util import validate_auth_credentials
from streamlit.errors import StreamlitAuthError
from streamlit.web import bootstrap
from streamlit.web.cli import main_run

import dashboard
from dashboard.auth import sign_in_configured
from metrics.policy.access import AccessError, AccessFile, access_file_path, load_access_file

LOCAL_ADDRESS = "127.0.0.1"

# Each session runs the pages in a thread of its own. Modules imported there for the first time by
# two sessions at once can reach one of them half initialised ("partially initialized module
# 'pandas'": Plotly takes pandas from sys.modules while another session still imports it), so the
# server imports, in its main thread before it serves anyone, every module the dashboard's code
# imports, and these, which the libraries it calls import only when first needed.
LAZILY_IMPORTED = (
    "pandas",
    "pyarrow.compute",
    "pyarrow.pandas_compat",
    "pyarrow.vendored.version",  # by pyarrow's bridge to pandas, at its first use
    "scipy.optimize",
    "scipy.stats",  # by metrics.measures.stats, at its first interval or test
    "holidays.countries",
    "plotly.io",
    "plotly.tools",
    "polars.io.spreadsheet._write_utils",  # by DataFrame.write_excel, for the page's workbook
    "kaleido",
)
DASHBOARD_DIR = Path(dashboard.__file__).parent


def load_streamlit_config(app: Path, flags: list[str]) -> dict[str, Any]:
    """Read Streamlit's configuration as ``streamlit run APP FLAGS`` does (its flags, the ``STREAMLIT_*``
    variables, config files) and return the options the flags and variables set, for ``run``."""
    context = main_run.make_context("streamlit run", [str(app), *flags])
    options = {name: value for name, value in context.params.items() if name not in ("target", "args")}
    # As `streamlit run` does, so that the .streamlit folder beside the app is read too (secrets included).
    config._main_script_path = str(app.resolve())
    bootstrap.load_config_options(flag_options=options)
    return options


def configured_access() -> AccessFile | None:
    """The access file, or None for local single-user mode; AccessError for any other set-up."""
    sign_in = sign_in_configured()
    if sign_in:
        try:
            validate_auth_credentials("default")
        except StreamlitAuthError as error:
            raise AccessError(f"sign-in is configured but incomplete: {' '.join(str(error).split())}") from error
    path = access_file_path(sign_in)
    return load_access_file(path) if path else None


def open_to_others(address: str) -> bool:
    """Whether a server listening on this address can be reached from other machines."""
    if address == "localhost":
        return False
    try:
        return not ipaddress.ip_address(address).is_loopback
    except ValueError:  # a host name
        return True


def imported_by_the_dashboard() -> list[str]:
    """Every module the dashboard's files import, where they start or inside a function."""
    names = set()
    for source in sorted(DASHBOARD_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
                names.add(node.module)
    return sorted(names)


def import_what_pages_use() -> None:
    # st.cache_data looks for the server's runtime where a module decorates a function, and warns that
    # there is none yet. Moot: each cache is made at its first call, on the runtime of the server by then.
    cache_log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = cache_log.level
    cache_log.setLevel(logging.ERROR)
    try:
        for name in (*imported_by_the_dashboard(), *LAZILY_IMPORTED):
            importlib.import_module(name)
    finally:
        cache_log.setLevel(level)


def run(app: Path, options: dict[str, Any]) -> None:
    """Serve the app until the server is stopped (Ctrl-C, SIGTERM)."""
    bootstrap.run(str(app), False, [], options)
