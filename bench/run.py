"""The benchmark of issue 6: load, `oversight metrics`, each page's data and weekly contact
adherence, at demo scales 1, 10 and 100, against DuckDB's bare read and a plain pandas version.

    .venv/bin/python bench/run.py [--scales 1 10 100] [--quick] [--workdir DIR] [--keep] [--report]

(`make bench` runs it with the defaults.) For each scale it writes the demo extract (seed 2026)
into the work folder, then times each step in a fresh process of its own, so that the peak
memory reported (the child's maximum resident set, from ``os.wait4``) belongs to that step:

- ``bare_contacts`` / ``bare_all``: DuckDB alone counting the rows of contacts.csv, and of every
  table file, read as text (``read_csv(..., all_varchar = true, header = true)``): the floor for
  loading.
- ``load``: ``oversight validate`` with an empty cache folder: reads, checks and builds the
  database.
- ``metrics``: ``oversight metrics`` on the database just built (cold process, built database).
- ``page:<name>``: the data of one dashboard page, computed through ``dashboard.data`` (the
  ``st.cache_data`` functions the pages call, run outside Streamlit) with the sidebar's default
  filters: *cold* is the first computation in a fresh process that has imported what the
  server imports before serving anyone (``dashboard.serve.import_what_pages_use``: a visitor
  never waits on SciPy's first import), *warm* the median of three repeats of the same calls,
  which the dashboard's cache answers. Drawing (Plotly, Streamlit
  elements) is not included; ``bench/pages.py`` times whole AppTest page runs.
- ``deck:pdf`` / ``deck:pptx``: the whole quarterly deck of the latest quarter the extract
  covers (``metrics.report.deck.build_deck``, every chart drawn), on the built database.
- ``adherence``: ``metrics.measures.adherence.adherence_agency`` on the built database, in a fresh process
  (the first call; connecting and the build are not counted). It reads the contact-period grid
  stored at load (whose cost is in ``load``); ``live`` is the same count made from the contacts,
  as for an as-of date after the extract's last date.
- ``pandas``: weekly client-contact adherence of RSC episodes per agency written plainly in
  pandas from episodes.csv and contacts.csv (rows the loader rejected are dropped first, so that
  both count the same rows; that look-up is not timed). ``read`` is reading and typing the two
  files, ``compute`` the adherence itself. Its figures are checked against ``adherence_agency``.
- ``background``: a folder of extracts (``metrics.extract.extracts``, as ``oversight serve --extracts``
  serves it) serving the scale-1 demo, into which this scale's demo, taken a month later, is dropped
  (renamed into place from a hidden folder; both are hard links to the extracts written for the bench,
  so nothing is copied). Its build runs in a thread, as the server's own looks do, while the main
  thread makes the overview page's data calls, through ``dashboard.data`` against the extract served,
  each at a report date one day earlier than the one before, so that no cache answers: ``seconds`` is
  the build, ``idle_median`` the calls' median before the drop, ``during_median`` and ``during_max``
  theirs while it is built, and ``switched`` whether the new extract is the one served at the end.

Bad lines (``junk``, once per run, on the scale-1 demo): ``oversight validate`` on the demo
with its contacts.csv as written, with 1,000,000 more good contacts, and with 100,000 and
1,000,000 bad lines of every kind mixed in (rows too short, stray quotes, bytes that are not
UTF-8, blank lines, impossible dates, hour 24, unknown words, repeated ids, unknown episodes):
each bad line should cost about what a good one costs, since rejecting is done on whole sets.

Results accumulate in ``bench/results.json`` (one entry per scale, replaced when that scale is
run again, and one for the bad lines) and are written as markdown to ``bench/results.md`` and
printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource  # noqa: F401  (documents where ru_maxrss comes from: kB on Linux)
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_MD = ROOT / "bench" / "results.md"
SEED = 2026


def measure_pages() -> list[str]:
    """The dashboard's pages that show a measure of the registry, in the router's order."""
    from dashboard.navigation import PAGES as NAVIGATION
    from metrics.measures.registry import PAGE_OF_MEASURE

    shown = set(PAGE_OF_MEASURE.values())
    return [Path(page.file).stem for page in NAVIGATION if page.file in shown]


# The overview, the worklists, every page that shows a measure, and the data-quality page.
PAGES = ["overview", "worklists", *measure_pages(), "data_quality"]
RSC_LEVELS = ("RSC-I", "RSC-F")

# The issues' targets, judged at scale 100 (loading: issue 16's 10×, where issue 6 asked for 3×).
TARGET_LOAD_RATIO = 10.0
TARGET_PAGE_COLD = 2.0
TARGET_PAGE_WARM = 0.2
TARGET_METRICS = 30.0
TARGET_ADHERENCE_SPEEDUP = 10.0
TARGET_MEMORY_GB = 4.0
# Issue 15's, judged at scale 10: a whole deck, every chart drawn.
TARGET_DECK = 30.0
# Issue 16's, judged at scale 100: the worst page data call while a new extract is built in the background.
TARGET_BACKGROUND_PAGE = 2.0
# Page data calls timed with nothing being built, before a new extract is dropped in.
IDLE_CALLS = 5


# ---------------------------------------------------------------------------
# Running one step in a child process


def run_step(command: list[str], env: dict[str, str] | None = None, ok=(0,)) -> dict:
    """Run a command to its end: wall time, the child's peak memory, and its last stdout line."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, **(env or {})}, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode not in ok:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    return {"wall": wall, "peak_mb": usage.ru_maxrss / 1024, "last_line": lines[-1] if lines else ""}


def child(kind: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "_child", kind, *args]


# ---------------------------------------------------------------------------
# What the child processes do (``run.py _child KIND ...``): print one JSON line


def child_bare(files: list[str]) -> dict:
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    # ignore_errors: the demo plants malformed lines, which the loader rejects rather than fails on.
    sql = "SELECT count(*) FROM read_csv(?, all_varchar = true, header = true, ignore_errors = true)"
    rows = sum(con.execute(sql, [f]).fetchone()[0] for f in files)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def _page_calls(page: str):
    """The data calls a page makes with the sidebar's default filters (as the router draws them)."""

    from dashboard import data
    from metrics.measures.registry import HEADLINES, MEASURES
    from metrics.measures.worklists import WORKLISTS
    from metrics.policy.filters import Filters
    from metrics.policy.quarters import default_report_date
    from metrics.policy.settings import settings
    from metrics.policy.window import Window

    def calls(days_earlier: int = 0):
        database = data.database_key()
        data.agencies(database)  # the sidebar, on every page
        first, last = data.date_range(database)
        data.load_summary(database)
        # The sidebar's defaults: the default report date (or one ``days_earlier``) and counting window.
        window = Window(settings().default_window)
        filters = window.counted(Filters(as_of=default_report_date(last) - dt.timedelta(days=days_earlier)))
        if page == "overview":
            for headline in HEADLINES:
                data.measure(headline.measure, database, filters)
                data.measure(headline.measure, database, window.a_quarter_earlier(filters))
        elif page == "worklists":
            for worklist in WORKLISTS:
                data.worklist(worklist.name, database, filters)
        elif page == "data_quality":
            data.rejects(database)
        else:
            for measure in MEASURES:
                if measure.page == f"app_pages/{page}.py":
                    data.measure(measure.name, database, filters)

    return calls


def _as_the_server() -> None:
    """Ready a child that makes pages' data calls as the server would: with what it imports before
    serving anyone, and without the warning of st.cache_data that there is no Streamlit runtime."""
    import logging
    import warnings

    from dashboard.serve import import_what_pages_use

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import_what_pages_use()


def child_page(extract: str, page: str) -> dict:
    os.environ["OVERSIGHT_EXTRACT"] = extract
    _as_the_server()
    calls = _page_calls(page)
    start = time.perf_counter()
    calls()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(3):
        start = time.perf_counter()
        calls()
        warm.append(time.perf_counter() - start)
    return {"cold": cold, "warm": statistics.median(warm)}


def child_background(root: str, incoming: str, name: str) -> dict:
    """The folder of extracts ``root`` served; ``incoming`` renamed to ``name`` in it and built in the
    background while the overview page's data calls are made (see ``background`` above)."""
    import threading

    os.environ["OVERSIGHT_EXTRACTS"] = root
    os.environ["OVERSIGHT_EXTRACTS_QUIET"] = "0"
    # The server's own looks wait this long: the bench looks itself, so that the build is timed from its start.
    os.environ["OVERSIGHT_EXTRACTS_LOOK_EVERY"] = str(24 * 3600)
    _as_the_server()
    from dashboard import data

    folder = data.extracts_folder()
    assert folder is not None
    first = folder.check().served  # built before anything is served, as `oversight serve --extracts` does
    assert first is not None, f"{root}: the first extract was not served"
    calls = _page_calls("overview")
    calls()  # a first visit: the sidebar's figures, cached from then on in the server too

    def timed(days_earlier: int) -> float:
        start = time.perf_counter()
        calls(days_earlier)
        return time.perf_counter() - start

    idle = [timed(days) for days in range(1, IDLE_CALLS + 1)]
    Path(incoming).rename(Path(root) / name)
    built: dict[str, float] = {}

    def build() -> None:
        start = time.perf_counter()
        folder.check()
        built["seconds"] = time.perf_counter() - start

    builder = threading.Thread(target=build)
    builder.start()
    during = []
    while builder.is_alive():
        during.append(timed(IDLE_CALLS + 1 + len(during)))
    builder.join()
    if not during:
        raise RuntimeError("the new extract was built before a page's data calls were made")
    served = folder.served()
    return {"seconds": built["seconds"], "idle_median": statistics.median(idle),
            "during_median": statistics.median(during), "during_max": max(during), "calls": len(during),
            "first": first.name, "served": served.name if served else None,
            "switched": served is not None and served.folder.name == name}


def _as_of(con):
    from metrics.extract.quality import extract_span

    return extract_span(con)[1]


def child_adherence(extract: str) -> dict:
    import duckdb
    import polars as pl

    # Imported before the clock starts, as the server does: the first interval would import it.
    import scipy.stats  # noqa: F401

    from metrics.extract.loader import database_path
    from metrics.measures.adherence import adherence_agency, live_period_counts
    from metrics.policy.filters import Filters
    from metrics.policy.settings import settings

    con = duckdb.connect(str(database_path(Path(extract))), read_only=True)
    filters = Filters(as_of=_as_of(con))
    start = time.perf_counter()
    frame = adherence_agency(con, filters)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    adherence_agency(con, filters)
    second = time.perf_counter() - start
    # The same periods counted from the contacts, as for an as-of date past the stored grid.
    start = time.perf_counter()
    live_period_counts(con, filters, settings())
    live = time.perf_counter() - start
    rows = (
        frame.filter((pl.col("requirement") == "client_contact") & pl.col("service_level").is_in(RSC_LEVELS))
        .select("agency_id", "service_level", "periods_due", "periods_met")
        .sort("agency_id", "service_level")
        .rows()
    )
    return {"seconds": seconds, "second_call": second, "live": live, "as_of": filters.as_of.isoformat(),
            "rows": rows}


def pandas_adherence(episodes, contacts, as_of):
    """Weekly client contact of RSC episodes per agency, as an analyst would write it in pandas:
    expand each episode into its complete weeks, mark the weeks holding a client contact, count."""
    import pandas as pd

    as_of = pd.Timestamp(as_of)
    ep = episodes[episodes["service_level"].isin(RSC_LEVELS) & (episodes["enrolled_on"] <= as_of)].copy()
    ep["observed_to"] = ep["discharged_on"].fillna(as_of).clip(upper=as_of)
    ep["weeks"] = ((ep["observed_to"] - ep["enrolled_on"]).dt.days + 1) // 7
    ep = ep[ep["weeks"] > 0]

    weeks = ep.loc[ep.index.repeat(ep["weeks"]), ["episode_id", "agency_id", "service_level"]]
    weeks["week"] = weeks.groupby(level=0).cumcount()

    visits = contacts[contacts["kind"] == "client"].merge(
        ep[["episode_id", "enrolled_on", "observed_to"]], on="episode_id"
    )
    visits["day"] = visits["contact_at"].dt.normalize()
    visits = visits[(visits["day"] >= visits["enrolled_on"]) & (visits["day"] <= visits["observed_to"])]
    visits["week"] = (visits["day"] - visits["enrolled_on"]).dt.days // 7
    met = visits[["episode_id", "week"]].drop_duplicates().assign(met=True)

    weeks = weeks.merge(met, on=["episode_id", "week"], how="left")
    return (
        weeks.groupby(["agency_id", "service_level"])
        .agg(periods_due=("week", "size"), periods_met=("met", "count"))
        .reset_index()
    )


def _too_many_fields(reason: str) -> bool:
    import re

    # The reason metrics.extract.csvfile gives a line with more or fewer values than the header.
    match = re.search(r"expected (\d+) values, found (\d+)", reason)
    return bool(match) and int(match.group(2)) > int(match.group(1))


def child_pandas(extract: str, as_of: str) -> dict:
    import duckdb
    import pandas as pd

    from metrics.extract.loader import database_path

    # The rows the loader rejected, looked up before the clock starts, so that pandas counts
    # exactly the rows the measures count. Line 1 is the header; pandas skips a line with too
    # many fields (on_bad_lines="skip") and pads one with too few, so a rejected line L is row
    # L - 2 - (lines skipped before it).
    con = duckdb.connect(str(database_path(Path(extract))), read_only=True)
    rejected = {}
    for table in ("episodes", "contacts"):
        found = con.execute('SELECT DISTINCT line, reason FROM rejects WHERE "table" = ? AND line IS NOT NULL',
                            [table]).fetchall()
        skipped = sorted(line for line, reason in found if _too_many_fields(reason))
        rejected[table] = {line - 2 - sum(s < line for s in skipped) for line, _ in found if line not in skipped}
    con.close()
    folder = Path(extract)

    start = time.perf_counter()
    # Whole rows: with usecols pandas would not notice a line with too many fields.
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str, keep_default_na=False, on_bad_lines="skip")
    contacts = pd.read_csv(folder / "contacts.csv", dtype=str, keep_default_na=False, on_bad_lines="skip")
    episodes = episodes.drop(index=list(rejected["episodes"]))
    contacts = contacts.drop(index=list(rejected["contacts"]))
    for frame in (episodes, contacts):
        frame["episode_id"] = frame["episode_id"].str.strip(" \t")
    episodes["agency_id"] = episodes["agency_id"].str.strip(" \t")
    episodes["enrolled_on"] = pd.to_datetime(episodes["enrolled_on"], format="%Y-%m-%d")
    episodes["discharged_on"] = pd.to_datetime(episodes["discharged_on"].replace("", None), format="%Y-%m-%d")
    contacts["contact_at"] = pd.to_datetime(contacts["contact_at"], format="ISO8601")
    read = time.perf_counter() - start

    start = time.perf_counter()
    result = pandas_adherence(episodes, contacts, as_of)
    compute = time.perf_counter() - start
    rows = [
        [r.agency_id, r.service_level, int(r.periods_due), int(r.periods_met)]
        for r in result.sort_values(["agency_id", "service_level"]).itertuples()
    ]
    return {"read": read, "compute": compute, "seconds": read + compute, "rows": rows}


def child_deck(extract: str, format: str) -> dict:
    """The whole deck of the latest quarter the extract covers, written as ``format``."""
    from metrics.extract.loader import connect
    from metrics.extract.quality import extract_span
    from metrics.policy.quarters import meetings_between
    from metrics.report.deck import build_deck

    con = connect(Path(extract))
    labels = dict(con.sql("SELECT agency_id, agency_name FROM agencies").fetchall())
    quarter = meetings_between(*extract_span(con))[0]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        deck = build_deck(con, quarter, Path(folder) / f"deck.{format}", "bench", labels, format=format)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": deck.pages, "quarter": str(quarter)}


def child_main(kind: str, args: list[str]) -> None:
    handlers = {
        "deck": lambda: child_deck(*args),
        "bare": lambda: child_bare(args),
        "page": lambda: child_page(*args),
        "adherence": lambda: child_adherence(*args),
        "pandas": lambda: child_pandas(*args),
        "background": lambda: child_background(*args),
    }
    print(json.dumps(handlers[kind](), default=str))


# ---------------------------------------------------------------------------
# One scale


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def extract_for(workdir: Path, scale: float) -> tuple[Path, float | None]:
    """The demo extract of this scale, written unless a complete one is there already."""
    folder = workdir / f"scale-{scale_label(scale)}"
    marker = folder / f".bench-seed-{SEED}"
    if marker.exists():
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)
    step = run_step([str(BIN / "oversight"), "demo", "--out", str(folder), "--seed", str(SEED),
                     "--scale", scale_label(scale)])
    marker.touch()
    return folder, step["wall"]


def folder_of_extracts(workdir: Path, scale: float, extract: Path) -> tuple[Path, Path, str]:
    """A folder of extracts holding the scale-1 demo, and beside it, hidden, this scale's demo
    (``extract``) with a manifest taken a month later, to be renamed into place: (the folder, the
    hidden one, the name to give it). Every table file is a hard link to the demo written already."""
    import tomllib

    first, _ = extract_for(workdir, 1.0)
    taken_on = tomllib.loads((first / "extract.toml").read_text())["taken_on"]
    later = taken_on + dt.timedelta(days=30)
    root = workdir / f"extracts-{scale_label(scale)}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    shutil.copytree(first, root / taken_on.isoformat(), copy_function=os.link, ignore=shutil.ignore_patterns(".*"))
    incoming = root / ".incoming"
    # A manifest of its own, not a link to the demo's: the demo's stays as written.
    shutil.copytree(extract, incoming, copy_function=os.link, ignore=shutil.ignore_patterns(".*", "extract.toml"))
    manifest = (extract / "extract.toml").read_text()
    (incoming / "extract.toml").write_text(manifest.replace(f"taken_on = {taken_on}", f"taken_on = {later}"))
    return root, incoming, later.isoformat()


def bench_scale(workdir: Path, scale: float) -> dict:
    say = lambda text: print(f"[scale {scale_label(scale)}] {text}", flush=True)  # noqa: E731
    extract, generated = extract_for(workdir, scale)
    say(f"extract {extract}" + (f" written in {generated:.1f} s" if generated is not None else " (reused)"))
    files = sorted(str(p) for p in extract.glob("*.csv"))
    result: dict = {
        "scale": scale,
        "generated_seconds": generated,
        "extract_mb": sum(Path(f).stat().st_size for f in files) / 1e6,
        "steps": {},
    }
    steps = result["steps"]

    def record(name: str, step: dict, seconds: float | None = None, **extra) -> dict:
        steps[name] = {"seconds": step["wall"] if seconds is None else seconds, "wall": step["wall"],
                       "peak_mb": step["peak_mb"], **extra}
        say(f"{name}: {steps[name]['seconds']:.3f} s, peak {step['peak_mb']:.0f} MB")
        return steps[name]

    contacts = str(extract / "contacts.csv")
    step = run_step(child("bare", contacts))
    bare = json.loads(step["last_line"])
    record("bare_contacts", step, bare["seconds"], rows=bare["rows"])
    result["contacts"] = bare["rows"]
    step = run_step(child("bare", *files))
    bare = json.loads(step["last_line"])
    record("bare_all", step, bare["seconds"], rows=bare["rows"])

    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    env = {"OVERSIGHT_CACHE_DIR": str(cache)}
    try:
        # Exit status 1 means rows were rejected: the demo plants some on purpose.
        record("load", run_step([str(BIN / "oversight"), "validate", "--extract", str(extract)], env, ok=(0, 1)))
        out = Path(tempfile.mkdtemp(prefix="metrics-", dir=workdir))
        record("metrics", run_step([str(BIN / "oversight"), "metrics", "--extract", str(extract), "--out", str(out)],
                                   env))
        shutil.rmtree(out, ignore_errors=True)
        for page in PAGES:
            step = run_step(child("page", str(extract), page), env)
            timing = json.loads(step["last_line"])
            record(f"page:{page}", step, timing["cold"], warm=timing["warm"])
            say(f"page:{page}: warm {timing['warm'] * 1000:.1f} ms")
        for format in ("pdf", "pptx"):
            step = run_step(child("deck", str(extract), format), env)
            deck = json.loads(step["last_line"])
            record(f"deck:{format}", step, deck["seconds"], pages=deck["pages"], quarter=deck["quarter"])
        step = run_step(child("adherence", str(extract)), env)
        ours = json.loads(step["last_line"])
        record("adherence", step, ours["seconds"], second_call=ours["second_call"], live=ours["live"])
        step = run_step(child("pandas", str(extract), ours["as_of"]), env)
        theirs = json.loads(step["last_line"])
        record("pandas", step, theirs["seconds"], read=theirs["read"], compute=theirs["compute"])
        result["as_of"] = ours["as_of"]
        result["adherence_equal"] = [list(r) for r in ours["rows"]] == theirs["rows"]
        if not result["adherence_equal"]:
            say(f"MISMATCH: ours {ours['rows'][:5]} … pandas {theirs['rows'][:5]} …")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    # Both extracts of the folder are built anew, in a cache of their own.
    root, incoming, name = folder_of_extracts(workdir, scale, extract)
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    try:
        step = run_step(child("background", str(root), str(incoming), name), {"OVERSIGHT_CACHE_DIR": str(cache)})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    background = json.loads(step["last_line"])
    record("background", step, background.pop("seconds"), **background)
    say(f"background: page overview data median {background['idle_median']:.3f} s idle, "
        f"{background['during_median']:.3f} s during the build (worst {background['during_max']:.3f} s, "
        f"{background['calls']} calls); served at the end: {background['served']}")
    say(f"adherence equal to pandas: {result['adherence_equal']}")
    return result


# ---------------------------------------------------------------------------
# Bad lines

JUNK_COUNTS = (100_000, 1_000_000)
MORE_GOOD = 1_000_000


def _junk_line(n: int, episode: str) -> bytes:
    """The n-th bad contact line: each kind in turn, each rejected (or, blank, skipped) alone."""
    kinds = (
        b"junk %d" % n,  # too few cells
        b'KJ%d,%s,S0001,"2024-01-01 10:00,client,phone' % (n, episode.encode()),  # stray quote
        b"KJ%d,%s,S0001,2024-01-01 10:00,cli\xe9nt,phone" % (n, episode.encode()),  # not UTF-8
        b"",  # blank line
        b"KJ%d,%s,S0001,9999-01-01 10:00,client,phone" % (n, episode.encode()),  # impossible date
        b"KJ%d,%s,S0001,2024-01-01 24:00,client,phone" % (n, episode.encode()),  # hour 24
        b"KJ%d,%s,S0001,2024-01-01 10:00,visit,phone" % (n, episode.encode()),  # not a kind
        b"K000001,%s,S0001,2024-01-01 10:00,client,phone" % episode.encode(),  # repeated id
        b"KJ%d,EP-NONE,S0001,2024-01-01 10:00,client,phone" % n,  # unknown episode
    )
    return kinds[n % len(kinds)]


def _write_contacts(source: Path, target: Path, extra) -> int:
    """contacts.csv as written, with ``extra`` lines spread evenly through it; returns their count."""
    header, *lines = source.read_bytes().rstrip(b"\n").split(b"\n")
    extra = list(extra)
    step = max(1, len(lines) // max(1, len(extra)))
    out, position = [header], 0
    for index, line in enumerate(extra):
        stop = min(len(lines), (index + 1) * step) if index < len(extra) - 1 else len(lines)
        out += lines[position:stop]
        position = stop
        out.append(line)
    out += lines[position:]
    target.write_bytes(b"\n".join(out) + b"\n")
    return len(extra)


def bench_junk(workdir: Path) -> dict:
    """Load times of the scale-1 demo as written, with more good lines, and with bad lines mixed in."""
    say = lambda text: print(f"[bad lines] {text}", flush=True)  # noqa: E731
    base, _ = extract_for(workdir, 1.0)
    episode = (base / "episodes.csv").read_text().split("\n", 2)[1].split(",", 1)[0]
    variants = {
        "as written": [],
        f"{MORE_GOOD:,} more good lines": (
            b"KG%d,%s,S0001,2024-01-01 10:00,client,phone" % (n, episode.encode()) for n in range(MORE_GOOD)),
        **{f"{count:,} bad lines": (_junk_line(n, episode) for n in range(count)) for count in JUNK_COUNTS},
    }
    result = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "variants": {}}
    for label, extra in variants.items():
        folder = workdir / f"junk-{len(result['variants'])}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(base, folder)
        added = _write_contacts(base / "contacts.csv", folder / "contacts.csv", extra)
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
        try:
            step = run_step([str(BIN / "oversight"), "validate", "--extract", str(folder)],
                            {"OVERSIGHT_CACHE_DIR": str(cache)}, ok=(0, 1))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
        result["variants"][label] = {"lines_added": added, "seconds": step["wall"], "peak_mb": step["peak_mb"]}
        say(f"{label}: {step['wall']:.2f} s, peak {step['peak_mb']:.0f} MB")
    return result


def render_junk(junk: dict | None) -> list[str]:
    lines = ["", "## Bad lines", ""]
    if junk is None:
        return lines + ["Not run yet."]
    variants = junk["variants"]
    base = variants["as written"]["seconds"]
    lines += [
        f"`oversight validate` on the scale-1 demo, its contacts.csv as written and with lines added ({junk['date']}). "
        "The cost of a line added is the time over the file as written, per line.",
        "",
        "| contacts.csv | load (s) | per line added (µs) | peak memory (MB) |",
        "|---|---:|---:|---:|",
    ]
    for label, v in variants.items():
        per_line = (v["seconds"] - base) / v["lines_added"] * 1e6 if v["lines_added"] else None
        lines.append(f"| {label} | {v['seconds']:.2f} | {fmt(per_line, 1)} | {v['peak_mb']:,.0f} |")
    return lines


# ---------------------------------------------------------------------------
# The report


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    import duckdb
    import pandas
    import polars

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": f"duckdb {duckdb.__version__}, polars {polars.__version__}, pandas {pandas.__version__}",
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def page_figure(result: dict, page: str, key: str) -> float | None:
    """A page's figure in one scale's results; None for a run made before the page was timed."""
    return result["steps"].get(f"page:{page}", {}).get(key)


def background_figure(result: dict, key: str):
    """A figure of the background build in one scale's results; None for a run made before it was timed."""
    return result["steps"].get("background", {}).get(key)


def peak_gb(result: dict) -> float:
    """The largest peak of the product's own steps (not the reference points)."""
    ours = [s["peak_mb"] for name, s in result["steps"].items() if name not in ("bare_contacts", "bare_all", "pandas")]
    return max(ours) / 1024


def render(results: dict[str, dict], info: dict) -> str:
    junk = results.get("junk")
    scales = sorted((r for name, r in results.items() if name != "junk"), key=lambda r: r["scale"])
    header = "| measurement | " + " | ".join(f"scale {scale_label(r['scale'])}" for r in scales) + " |"
    rule = "|---|" + "---:|" * len(scales)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB memory; {info['system']}, "
        f"Python {info['python']}, {info['versions']}.",
        "Run: " + "; ".join(f"scale {scale_label(r['scale'])} on {r['date']}" for r in scales)
        + ". Demo extracts with seed 2026; each step in a fresh process.",
        "",
        "## Times (seconds) and peak memory (MB, of each step's process)",
        "",
        header,
        rule,
    ]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in scales) + " |")

    row("extract size (MB)", lambda r: f"{r['extract_mb']:,.0f}")
    row("contacts (rows)", lambda r: f"{r['contacts']:,}")
    row("DuckDB bare read, contacts.csv", lambda r: fmt(r["steps"]["bare_contacts"]["seconds"]))
    row("DuckDB bare read, all files", lambda r: fmt(r["steps"]["bare_all"]["seconds"]))
    row("load + validate (`oversight validate`, empty cache)", lambda r: fmt(r["steps"]["load"]["seconds"]))
    row("ratio load / bare read (all files)",
        lambda r: fmt(ratio(r["steps"]["load"]["seconds"], r["steps"]["bare_all"]["seconds"]), 1) + "×")
    row("ratio load / bare read (contacts.csv)",
        lambda r: fmt(ratio(r["steps"]["load"]["seconds"], r["steps"]["bare_contacts"]["seconds"]), 1) + "×")
    row("`oversight metrics` (database built)", lambda r: fmt(r["steps"]["metrics"]["seconds"]))
    for page in PAGES:
        row(f"page {page}: data cold", lambda r, p=page: fmt(page_figure(r, p, "seconds")))
        row(f"page {page}: data warm (ms)",
            lambda r, p=page: fmt(None if (warm := page_figure(r, p, "warm")) is None else warm * 1000, 1))
    for format in ("pdf", "pptx"):
        row(f"quarterly deck as {format.upper()}, every slide (database built)",
            lambda r, f=format: fmt(r["steps"].get(f"deck:{f}", {}).get("seconds")))
    row("background build of this scale's demo, the scale-1 one served (folder of extracts)",
        lambda r: fmt(background_figure(r, "seconds")))
    row("page overview: data while idle, median", lambda r: fmt(background_figure(r, "idle_median"), 3))
    row("page overview: data during the background build, median",
        lambda r: fmt(background_figure(r, "during_median"), 3))
    row("page overview: data during the background build, worst", lambda r: fmt(background_figure(r, "during_max"), 3))
    row("page overview: data calls during the background build",
        lambda r: "–" if (calls := background_figure(r, "calls")) is None else f"{calls:,}")
    row("the new extract served once built",
        lambda r: {None: "–", True: "yes", False: "**no**"}[background_figure(r, "switched")])
    row("adherence_agency (ours, first call)", lambda r: fmt(r["steps"]["adherence"]["seconds"], 3))
    row("adherence counted live, without the grid stored at load",
        lambda r: fmt(r["steps"]["adherence"].get("live"), 3))
    row("speed-up vs pandas compute, counted live",
        lambda r: fmt(ratio(r["steps"]["pandas"]["compute"], r["steps"]["adherence"].get("live")), 1) + "×")
    row("pandas adherence: read + type the CSVs", lambda r: fmt(r["steps"]["pandas"]["read"]))
    row("pandas adherence: compute", lambda r: fmt(r["steps"]["pandas"]["compute"]))
    row("speed-up vs pandas compute",
        lambda r: fmt(ratio(r["steps"]["pandas"]["compute"], r["steps"]["adherence"]["seconds"]), 1) + "×")
    row("speed-up vs pandas read + compute",
        lambda r: fmt(ratio(r["steps"]["pandas"]["seconds"], r["steps"]["adherence"]["seconds"]), 1) + "×")
    row("pandas figures equal adherence_agency", lambda r: "yes" if r.get("adherence_equal") else "**no**")
    for name, label in (("load", "load"), ("metrics", "metrics"), ("adherence", "adherence (ours)"),
                        ("pandas", "pandas adherence"), ("bare_all", "bare read, all files")):
        row(f"peak memory, {label} (MB)", lambda r, n=name: f"{r['steps'][n]['peak_mb']:,.0f}")
    row("peak memory, pages (largest, MB)",
        lambda r: f"{max(page_figure(r, p, 'peak_mb') or 0 for p in PAGES):,.0f}")
    row("peak memory, background build and page data (MB)",
        lambda r: "–" if (peak := background_figure(r, "peak_mb")) is None else f"{peak:,.0f}")
    row("demo extract written in (s, not a target; – when reused)", lambda r: fmt(r.get("generated_seconds")))

    big = results.get("100")
    lines += ["", "## Targets at scale 100", ""]
    if big is None:
        lines.append("Scale 100 has not been run yet (`bench/run.py --scales 100`).")
    else:
        s = big["steps"]
        checks = [
            (f"load within {TARGET_LOAD_RATIO:g}× DuckDB's bare read of all files",
             f"{ratio(s['load']['seconds'], s['bare_all']['seconds']):.1f}×",
             s["load"]["seconds"] <= TARGET_LOAD_RATIO * s["bare_all"]["seconds"]),
            ("`oversight metrics` under 30 s", f"{s['metrics']['seconds']:.1f} s",
             s["metrics"]["seconds"] < TARGET_METRICS),
        ]
        for page in (p for p in PAGES if f"page:{p}" in s):
            step = s[f"page:{page}"]
            checks.append((f"page {page}: data cold under 2 s", f"{step['seconds']:.2f} s",
                           step["seconds"] < TARGET_PAGE_COLD))
            checks.append((f"page {page}: data warm under 200 ms", f"{step['warm'] * 1000:.1f} ms",
                           step["warm"] < TARGET_PAGE_WARM))
        speedup = ratio(s["pandas"]["compute"], s["adherence"]["seconds"])
        checks.append(("adherence ≥ 10× faster than pandas (its compute alone)", f"{speedup:.1f}×",
                       speedup >= TARGET_ADHERENCE_SPEEDUP))
        speedup_all = ratio(s["pandas"]["seconds"], s["adherence"]["seconds"])
        checks.append(("adherence ≥ 10× faster than pandas (read + compute)", f"{speedup_all:.1f}×",
                       speedup_all >= TARGET_ADHERENCE_SPEEDUP))
        checks.append(("peak memory of every step under 4 GB", f"{peak_gb(big):.2f} GB",
                       peak_gb(big) < TARGET_MEMORY_GB))
        lines += ["| target | measured | result |", "|---|---:|---|"]
        lines += [f"| {label} | {value} | {'pass' if ok else '**FAIL**'} |" for label, value, ok in checks]
        label = "page overview: data during a background build under 2 s (worst)"
        worst = background_figure(big, "during_max")
        if worst is None:
            lines.append(f"| {label} | not run yet at this scale | – |")
        else:
            switched = background_figure(big, "switched")
            ok = worst < TARGET_BACKGROUND_PAGE and switched
            lines.append(f"| {label} | {worst:.2f} s{'' if switched else ', the new extract not served'} | "
                         f"{'pass' if ok else '**FAIL**'} |")

    small = results.get("10")
    lines += ["", "## Targets at scale 10", ""]
    decks = [f for f in ("pdf", "pptx") if small is not None and f"deck:{f}" in small["steps"]]
    if not decks:
        lines.append("Scale 10 has not been run with the deck yet (`bench/run.py --scales 10`).")
    else:
        lines += ["| target | measured | result |", "|---|---:|---|"]
        for format in decks:
            seconds = small["steps"][f"deck:{format}"]["seconds"]
            lines.append(f"| the quarterly deck as {format.upper()} under {TARGET_DECK:.0f} s | {seconds:.1f} s | "
                         f"{'pass' if seconds < TARGET_DECK else '**FAIL**'} |")
    lines += ["", "## Growth from scale 10 to scale 100", ""]
    if big is None or small is None:
        lines.append("Needs both scales 10 and 100.")
    else:
        lines += [
            "Time at scale 100 ÷ time at scale 10 (contacts grew "
            f"{big['contacts'] / small['contacts']:.1f}×); linear or better is at most that.",
            "",
            "| step | growth | linear or better |",
            "|---|---:|---|",
        ]
        limit = big["contacts"] / small["contacts"]
        timed = [f"page:{p}" for p in PAGES if f"page:{p}" in big["steps"] and f"page:{p}" in small["steps"]]
        for name in ["load", "metrics", *timed, "adherence"]:
            growth = ratio(big["steps"][name]["seconds"], small["steps"][name]["seconds"])
            lines.append(f"| {name} (cold) | {growth:.1f}× | {'yes' if growth <= limit else '**no**'} |")
        for name in timed:
            growth = ratio(big["steps"][name]["warm"], small["steps"][name]["warm"])
            lines.append(f"| {name} (warm) | {growth:.1f}× | {'yes' if growth <= limit else '**no**'} |")
        mem = ratio(peak_gb(big), peak_gb(small))
        lines.append(f"| peak memory | {mem:.1f}× | {'yes' if mem <= limit else '**no**'} |")
    lines += render_junk(junk)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--quick", action="store_true", help="scales 1 and 10 only")
    parser.add_argument("--workdir", help="folder for the extracts and caches (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the extracts for another run")
    parser.add_argument("--report", action="store_true", help="only rewrite results.md from results.json")
    args = parser.parse_args()
    if args.report:
        RESULTS_MD.write_text(render(json.loads(RESULTS_JSON.read_text()), machine()))
        print(RESULTS_MD.read_text())
        return
    scales = [1.0, 10.0] if args.quick else args.scales

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    info = machine()
    try:
        results["junk"] = bench_junk(workdir)
        RESULTS_JSON.write_text(json.dumps(results, indent=1) + "\n")
        for scale in scales:
            result = bench_scale(workdir, scale)
            result["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            results[scale_label(scale)] = result
            RESULTS_JSON.write_text(json.dumps(results, indent=1) + "\n")
            RESULTS_MD.write_text(render(results, info))
            # The scale-1 demo is served by every scale's background step: it goes last.
            if not args.keep and scale != 1.0:
                shutil.rmtree(workdir / f"scale-{scale_label(scale)}", ignore_errors=True)
        if not args.keep:
            shutil.rmtree(workdir / f"scale-{scale_label(1.0)}", ignore_errors=True)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(RESULTS_MD.read_text())


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        sys.path.insert(0, str(ROOT))
        child_main(sys.argv[2], sys.argv[3:])
    else:
        main()
