"""Presentation mode under Streamlit's AppTest: every page as it is shown to people outside
the agency (the banner, no count of 1 to 10 people in any table, chart or download, public
downloads, nothing hidden that the page's other figures give back), and the meeting deck."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from streamlit.testing.v1 import AppTest

from metrics.policy.settings import settings
from tests.conftest import BASE_TABLES, write_extract
from tests.test_access import agencies, signed_in_app  # noqa: F401 - shared fixtures
from tests.test_app import APP, PAGES, demo_extract, downloads, first_bhd_agency, undated, visit  # noqa: F401 - shared fixtures

MAX = settings().suppression_max_count
SMALL, HIDDEN = f"<{MAX + 1}", "*"
BANNER = "Presentation mode: figures are suppressed for presenting."

# Columns that count people or what happens to them, as tables and downloads name them. Counts
# of staff, programs, plans and deadlines are about the organisations and are not listed.
PEOPLE = {"caseload", "periods_due", "periods_met", "due", "met", "referrals", "reached", "incidents",
          "population_size", "sample_size", "rows_read", "accepted", "rejected", "rows"}
# Each rate column and the (numerator, denominator) it rests on; utilization rests on a caseload.
RATES = {"adherence": ("periods_met", "periods_due"), "pct_met": ("met", "due"), "rate": ("met", "due"),
         "utilization": ("caseload", None)}
PEOPLE_METRICS = ("Referrals", "Not reached by the report date", "Incidents reported", "Rows read", "Accepted",
                  "Rejected")


@pytest.fixture
def app(demo_extract, cache, monkeypatch) -> AppTest:  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    return AppTest.from_file(APP, default_timeout=120)


def present(at: AppTest, page: str, **filters) -> AppTest:
    """Switch presentation mode on, set the filters, and open the page."""
    at.run()
    at.sidebar.toggle(key="presenting").set_value(True)
    for key, value in filters.items():
        if key in ("agencies", "service_levels"):
            widget = at.sidebar.multiselect(key=key)
        elif key == "window":
            widget = at.sidebar.selectbox(key=key)
        else:
            widget = at.sidebar.date_input(key=key)
        widget.set_value(value)
    return visit(at, page)


def offered(at: AppTest, downloads: dict) -> dict[str, tuple[str, bytes]]:  # noqa: F811
    """The downloads this run offers: file name without its report date -> (button label, contents).
    The page's workbook is left out (tests/test_workbook.py reads it)."""
    found = {}
    for button in at.get("download_button"):
        name, data = downloads[Path(button.proto.url).stem]
        if not name.endswith(".xlsx"):
            found[undated(name)] = (button.proto.label, data)
    return found


def read(data: bytes) -> pl.DataFrame:
    """A CSV as a reader opens it: every cell as written."""
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def tables(at: AppTest) -> list[pl.DataFrame]:
    """The tables shown, every cell as text; a blank cell is empty."""
    return [pl.from_pandas(frame.value.astype(object).where(frame.value.notna(), None)).cast(pl.String)
            .with_columns(pl.all().replace("", None)) for frame in at.dataframe]


def is_small(cell) -> bool:
    """A count from 1 to MAX as shown (an integer, possibly written as text)."""
    if cell is None:
        return False
    text = str(cell).removesuffix(".0").replace(",", "")
    return text.isdigit() and 1 <= int(text) <= MAX


def count(cell) -> int | None:
    text = None if cell is None else str(cell).removesuffix(".0").replace(",", "")
    return int(text) if text is not None and text.isdigit() else None


def leaks(frame: pl.DataFrame) -> list[str]:
    """Every count of 1 to MAX people in the frame, and every rate shown that rests on one or
    leaves one out."""
    if "in_window" in frame.columns:
        return []  # orientation training counts staff members by status (met, in_window, not_met)
    found = [f"{column}={cell}" for column in frame.columns if column in PEOPLE
             for cell in frame[column].to_list() if is_small(cell)]
    for rate, (numerator, denominator) in RATES.items():
        if rate not in frame.columns or numerator not in frame.columns:
            continue
        for row in frame.iter_rows(named=True):
            if row[rate] is None:
                continue
            n = count(row[numerator])
            d = count(row[denominator]) if denominator else None
            assert n is not None, f"{rate} shown beside a hidden {numerator}: {row}"
            if denominator:
                assert d is not None, f"{rate} shown beside a hidden {denominator}: {row}"
                if 1 <= d - n <= MAX:
                    found.append(f"{rate} leaves {d - n} out: {row}")
    return found


def _array(value):
    """A Plotly JSON array: a list, or a typed array in base64."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return array.reshape(value["shape"]) if "shape" in value else array
    return np.asarray(value if value is not None else [], dtype=object)


# Where a chart holds counts of people: (words of the hover text, data field, column of it or None).
CHART_COUNTS = (("clients or families", "customdata", 0), ("of %{x}", "x", None),
                ("of %{customdata}", "customdata", None), ("%{y} referrals", "y", None))


def chart_counts(at: AppTest) -> list[int]:
    """Every count of people the page's charts carry to the browser."""
    found = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            hover = trace.get("hovertemplate", "")
            for words, field, column in CHART_COUNTS:
                if words in hover and field in trace:
                    values = _array(trace[field])
                    values = values[:, column] if column is not None and values.ndim == 2 else values
                    if column is not None and values.dtype == object and values.size and \
                            isinstance(values[0], list | tuple):
                        values = np.array([v[column] for v in values])
                    found += [int(float(v)) for v in np.ravel(values) if v is not None]
    return found


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("choice", ["all_agencies", "one_agency_cm", "as_of_month_end"])
def test_every_page_shows_no_count_of_one_to_ten_while_presenting(app, downloads, first_bhd_agency, page,  # noqa: F811
                                                                   choice):
    filters = {"all_agencies": {},
               "one_agency_cm": {"agencies": [first_bhd_agency], "service_levels": ["CM"]},
               "as_of_month_end": {"as_of": dt.date(2026, 3, 31)}}[choice]
    at = present(app, page, **filters)
    assert any(BANNER in warning.value for warning in at.warning), "the banner is shown"
    shown = tables(at)
    files = offered(at, downloads)
    problems = [leak for frame in shown for leak in leaks(frame)]
    for name, (label, data) in files.items():
        assert "public version" in label and "_public." in name, (name, label)
        if name.endswith(".csv"):
            problems += [f"{name}: {leak}" for leak in leaks(read(data))]
    problems += [f"chart: {n}" for n in chart_counts(at) if 1 <= n <= MAX]
    problems += [f"{m.label}={m.value}" for m in at.metric if m.label in PEOPLE_METRICS and is_small(m.value)]
    assert problems == []


@pytest.mark.parametrize("page,expect_small", [
    ("app_pages/caseload.py", "caseload_trend_public.csv"),
    ("app_pages/adherence.py", "adherence_trend_public.csv"),
    ("app_pages/first_contact.py", "first_contact_monthly_public.csv"),
    ("app_pages/training.py", "incidents_public.csv"),
    ("app_pages/data_quality.py", "rejected_reasons_public.csv"),
])
def test_the_public_downloads_are_suppressed_versions_of_the_exact_ones(app, downloads, page, expect_small):  # noqa: F811
    # With every agency and all dates the demo extract still has small cells in these tables: they
    # read "<11" in the public file where the exact file has 1 to 10, and every other cell is the same.
    at = present(app, page, window="all")
    public = offered(at, downloads)
    at.sidebar.toggle(key="presenting").set_value(False)
    at.run()
    exact = offered(at, downloads)
    assert not any(BANNER in warning.value for warning in at.warning)
    exact_name = expect_small.replace("_public", "")
    assert exact_name in exact and expect_small in public
    shown, truth = read(public[expect_small][1]), read(exact[exact_name][1])
    assert set(shown.columns) <= set(truth.columns) and shown.height == truth.height
    small = 0
    for column in shown.columns:
        for cell, true in zip(shown[column].to_list(), truth[column].to_list(), strict=True):
            if is_small(true) and column in PEOPLE:
                assert cell == SMALL
                small += 1
            elif cell not in (SMALL, HIDDEN, None) or true is None:
                assert cell == true, (column, cell, true)
    # The exact file, read after switching the mode off, has the small counts again: nothing
    # cached in one mode is served in the other.
    assert small > 0


def test_presentation_mode_stays_on_between_pages(app):
    at = present(app, "app_pages/caseload.py")
    for page in PAGES:
        at.switch_page(page)
        at.run()
        assert at.sidebar.toggle(key="presenting").value is True
        assert any(BANNER in warning.value for warning in at.warning)


# ---------------------------------------------------------------------------
# A reader's view: nothing hidden can be worked out from the figures on the same page


def _cell(value) -> tuple[str, int | None]:
    """('shown', n), ('small', None) or ('hidden', None)."""
    text = None if value is None else str(value).replace(",", "").removesuffix(".0")
    if text == SMALL:
        return "small", None
    if text == HIDDEN:
        return "hidden", None
    return "shown", int(text)


class Reader:
    """Unknowns for the hidden figures, the equations the page lets a reader write between its
    figures, and for each unknown the least and greatest value it can take (an integer program)."""

    def __init__(self) -> None:
        self.bounds: list[tuple[int, int]] = []
        self.names: list[str] = []
        self.equations: list[tuple[dict[int, int], int]] = []  # {unknown: coefficient}, constant

    def term(self, value, name: str, big: int) -> tuple[int | None, int]:
        """(unknown, 0) for a hidden figure, (None, value) for a shown one."""
        kind, number = _cell(value)
        if kind == "shown":
            return None, number
        self.names.append(name)
        self.bounds.append((1, MAX) if kind == "small" else (MAX + 1, big))
        return len(self.bounds) - 1, 0

    def unknown(self, name: str, big: int) -> int:
        """A figure the page does not show but a reader may reason about (a difference, a total)."""
        self.names.append("~" + name)
        self.bounds.append((0, big))
        return len(self.bounds) - 1

    def equal(self, parts: list[tuple[int | None, int]], whole: tuple[int | None, int]) -> None:
        """sum(parts) = whole."""
        coefficients: dict[int, int] = {}
        constant = whole[1] - sum(value for _, value in parts)
        for unknown, _ in parts:
            if unknown is not None:
                coefficients[unknown] = coefficients.get(unknown, 0) + 1
        if whole[0] is not None:
            coefficients[whole[0]] = coefficients.get(whole[0], 0) - 1
        if coefficients:
            self.equations.append((coefficients, constant))
        else:
            assert constant == 0, "the page's figures add up"

    def pinned(self) -> list[str]:
        """The hidden figures that have a single possible value (unknowns of the reader's own left out:
        any of them pinned pins a hidden figure too, or was never hidden)."""
        size = len(self.bounds)
        if not size:
            return []
        matrix = np.zeros((len(self.equations), size))
        for row, (coefficients, _) in enumerate(self.equations):
            for unknown, k in coefficients.items():
                matrix[row, unknown] = k
        constants = [c for _, c in self.equations]
        problem = {"constraints": [LinearConstraint(matrix, constants, constants)] if self.equations else [],
                   "integrality": np.ones(size),
                   "bounds": Bounds([lo for lo, _ in self.bounds], [hi for _, hi in self.bounds])}
        pinned = []
        for k in range(size):
            objective = np.zeros(size)
            objective[k] = 1
            low, high = milp(objective, **problem), milp(-objective, **problem)
            assert low.status == 0 and high.status == 0, "what the page shows has a solution"
            if round(low.fun) == round(-high.fun) and not self.names[k].startswith("~"):
                pinned.append(self.names[k])
        return pinned


def _rows(reader: Reader, frame: pl.DataFrame, keys: list[str], counts: list[str], big: int,
          within: tuple[str, str] | None = None) -> dict[tuple, dict[str, tuple[int | None, int]]]:
    """Each row's counts as terms; with ``within`` = (part, whole), also whole - part."""
    rows = {}
    for row in frame.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        terms = {c: reader.term(row[c], f"{c}{key}", big) for c in counts}
        if within:
            part, whole = within
            if terms[part][0] is None and terms[whole][0] is None:
                terms["rest"] = (None, terms[whole][1] - terms[part][1])
            else:
                terms["rest"] = (reader.unknown(f"{whole}-{part}{key}", big), 0)
                reader.equal([terms[part], terms["rest"]], terms[whole])
        rows[key] = terms
    return rows


def _sums(reader: Reader, parts: dict, whole: dict, by: slice, counts: list[str]) -> None:
    """Each row of ``whole`` is the sum of the rows of ``parts`` whose key, cut by ``by``, is its key."""
    for key, terms in whole.items():
        members = [p for k, p in parts.items() if k[by] == key]
        if members:
            for c in counts:
                reader.equal([m[c] for m in members], terms[c])


def _metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label.startswith(label))


def test_nothing_hidden_can_be_worked_out_on_the_adherence_page(app, downloads):  # noqa: F811
    at = present(app, "app_pages/adherence.py")
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    reader, big, counts = Reader(), 10**7, ["periods_met", "periods_due", "rest"]
    within = ("periods_met", "periods_due")
    raw = ["periods_met", "periods_due"]
    level = _rows(reader, files["adherence_agency_public.csv"], ["agency_name", "service_level"], raw, big, within)
    agency = _rows(reader, files["adherence_funnel_public.csv"], ["agency_name"], raw, big, within)
    month_agency = _rows(reader, files["adherence_trend_public.csv"], ["agency_name", "month"], raw, big, within)
    month = _rows(reader, files["adherence_monthly_public.csv"], ["month"], raw, big, within)
    met, due = _metric(at, "Client contact periods met").help.removesuffix(" periods").split(" of ")
    everything = _rows(reader, pl.DataFrame({"periods_met": [met], "periods_due": [due]}), [], raw, big, within)
    _sums(reader, level, agency, slice(0, 1), counts)
    _sums(reader, month_agency, agency, slice(0, 1), counts)
    _sums(reader, month_agency, month, slice(1, 2), counts)
    _sums(reader, agency, everything, slice(0, 0), counts)
    _sums(reader, month, everything, slice(0, 0), counts)
    assert len(reader.bounds) > 20, "the page hides figures"
    assert reader.pinned() == []


@pytest.mark.parametrize("page,staff_file", [("app_pages/adherence.py", "adherence_staff"),
                                             ("app_pages/training.py", "orientation_staff")])
def test_presenting_shows_no_staff_member_one_by_one(app, downloads, page, staff_file):  # noqa: F811
    at = present(app, page)
    assert not [name for name in offered(at, downloads) if name.startswith(staff_file)]
    assert any("not shown while presenting: it names staff one by one" in info.value for info in at.info)
    # Inside the agency, the table is there.
    at.sidebar.toggle(key="presenting").set_value(False)
    at.run()
    assert [name for name in offered(at, downloads) if name.startswith(staff_file)] == [f"{staff_file}.csv"]


def test_nothing_hidden_can_be_worked_out_on_the_first_contact_page(app, downloads):  # noqa: F811
    at = present(app, "app_pages/first_contact.py")
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    reader, big = Reader(), 10**7
    agency_frame = files["first_contact_agency_public.csv"]
    agency = _rows(reader, agency_frame, ["agency_name"], ["referrals", "due", "met"], big, ("met", "due"))
    month = _rows(reader, files["first_contact_monthly_public.csv"], ["month"], ["due", "met"], big, ("met", "due"))
    hours = _rows(reader, files["first_contact_hours_public.csv"], ["from_hours"], ["reached"], big)
    met, due = _metric(at, "Reached within the standard").help.removesuffix(" referrals due").split(" of ")
    total = {"referrals": reader.term(_metric(at, "Referrals").value, "referrals", big),
             "met": reader.term(met, "met", big), "due": reader.term(due, "due", big),
             "not_reached": reader.term(_metric(at, "Not reached").value, "not reached", big)}
    total["rest"] = (reader.unknown("due-met", big), 0)
    reader.equal([total["met"], total["rest"]], total["due"])
    total["reached"] = (reader.unknown("reached", big), 0)
    reader.equal([total["reached"], total["not_reached"]], total["referrals"])
    for c in ("referrals", "due", "met", "rest"):
        reader.equal([row[c] for row in agency.values()], total[c])
    for c in ("due", "met", "rest"):
        reader.equal([row[c] for row in month.values()], total[c])
    reader.equal([row["reached"] for row in hours.values()], total["reached"])
    assert len(reader.bounds) > 5, "the page hides figures"
    assert reader.pinned() == []


def test_nothing_hidden_can_be_worked_out_on_the_caseload_page(app, downloads, demo_extract):  # noqa: F811
    # On a month end the agencies' caseloads are also the last point of each agency's trend.
    at = present(app, "app_pages/caseload.py", as_of=dt.date(2026, 3, 31))
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    reader, big = Reader(), 10**6
    roles = _rows(reader, files["caseload_agency_public.csv"], ["agency_name", "role"], ["caseload"], big)
    trend = files["caseload_trend_public.csv"].filter(pl.col("month_end") == "2026-03-31")
    assert trend.height, "the report date is a point of the trend"
    points = _rows(reader, trend, ["agency_name"], ["caseload"], big)
    _sums(reader, roles, points, slice(0, 1), ["caseload"])
    # The overall utilization, in whole percent of the capacities shown, bounds the total caseload.
    share = float(_metric(at, "Overall utilization").value.rstrip("%")) / 100
    capacity = float(files["caseload_agency_public.csv"]["capacity"].cast(pl.Float64).sum())
    total = reader.unknown("all", big)
    reader.bounds[total] = (int(np.ceil((share - 0.005) * capacity)), int(np.floor((share + 0.005) * capacity)))
    reader.equal([row["caseload"] for row in roles.values()], (total, 0))
    assert len(reader.bounds) > 3, "the page hides figures"
    assert reader.pinned() == []


def test_nothing_hidden_can_be_worked_out_on_the_training_and_data_quality_pages(app, downloads):  # noqa: F811
    at = present(app, "app_pages/training.py")
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    reader = Reader()
    incidents = _rows(reader, files["incidents_public.csv"], ["agency_name", "category"], ["incidents"], 10**6)
    total = reader.term(_metric(at, "Incidents reported").value, "all", 10**6)
    reader.equal([row["incidents"] for row in incidents.values()], total)
    assert len(reader.bounds) > 5 and reader.pinned() == []

    at.switch_page("app_pages/data_quality.py")
    at.run()
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    reader, big = Reader(), 10**8
    per_table = _rows(reader, files["load_summary_public.csv"], ["table"], ["accepted", "rejected", "rows_read"], big)
    for row in per_table.values():
        reader.equal([row["accepted"], row["rejected"]], row["rows_read"])
    reasons = _rows(reader, files["rejected_reasons_public.csv"].with_columns(pl.col("column").fill_null("-")),
                    ["table", "column"], ["rows"], big)
    for key, row in per_table.items():
        members = [r["rows"] for k, r in reasons.items() if k[0] == key[0]]
        if members:
            reader.equal(members, row["rejected"])
    # Each root cause's rows recovered are its rows per table ("<11 staff, 30 contacts"); a table's
    # rows over every cause are its rejected rows.
    causes = files["root_causes_public.csv"].with_row_index("rank")
    recovered = _rows(reader, causes, ["rank"], ["rows"], big)
    by_table: dict[str, list] = {}
    for cause in causes.iter_rows(named=True):
        parts = []
        for piece in cause["tables"].split(", "):
            count, table = piece.split(" ")
            parts.append(reader.term(count, f"{table}{cause['rank']}", big))
            by_table.setdefault(table, []).append(parts[-1])
        reader.equal(parts, recovered[(cause["rank"],)]["rows"])
    assert by_table, "the demo extract has root causes"
    for table, parts in by_table.items():
        reader.equal(parts, per_table[(table,)]["rejected"])
    for c in ("accepted", "rejected", "rows_read"):
        total = reader.term(_metric(at, {"accepted": "Accepted", "rejected": "Rejected",
                                         "rows_read": "Rows read"}[c]).value, c, big)
        reader.equal([row[c] for row in per_table.values()], total)
    assert len(reader.bounds) > 5 and reader.pinned() == []


# ---------------------------------------------------------------------------
# On the smallest extract, by hand


@pytest.fixture
def base_app(tmp_path, cache, monkeypatch) -> AppTest:
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(write_extract(tmp_path / "base", BASE_TABLES)))
    return AppTest.from_file(APP, default_timeout=120)


def test_the_base_extract_by_hand(base_app, downloads):  # noqa: F811
    # On 15 March 2024 agency A1 has one client on its one RSC-I caseload (E1, enrolled 2 March),
    # one non-emergency referral (E1, reached after 5 hours) and two weekly contact periods of E1
    # (2-8 and 9-15 March), neither met (its only contact came before enrolment).
    at = present(base_app, "app_pages/caseload.py", as_of=dt.date(2024, 3, 15))
    files = offered(at, downloads)
    caseload = read(files["caseload_agency_public.csv"][1])
    assert caseload.select("agency_id", "role", "staff", "caseload", "utilization", "staff_over").rows() == [
        ("A1", "RSC-I", "1", SMALL, None, None)]
    assert _metric(at, "Overall utilization").value == "Suppressed"
    assert chart_counts(at) == []

    at.switch_page("app_pages/first_contact.py")
    at.run()
    agency = read(offered(at, downloads)["first_contact_agency_public.csv"][1])
    assert agency.select("agency_id", "referrals", "due", "met", "pct_met", "median_hours").rows() == [
        ("A1", SMALL, SMALL, SMALL, None, None)]
    assert [_metric(at, label).value for label in ("Referrals", "Reached within", "Not reached")] == [
        SMALL, "Suppressed", "0"]
    # Spans of 96 / 24 = 4 hours: the 5 hours of E1 fall in 4-8.
    hours = read(offered(at, downloads)["first_contact_hours_public.csv"][1])
    assert hours.filter(pl.col("reached") != "0").rows() == [("4.0", "8.0", SMALL)]

    at.switch_page("app_pages/adherence.py")
    at.run()
    level = read(offered(at, downloads)["adherence_agency_public.csv"][1])
    assert level.select("agency_id", "periods_due", "periods_met", "adherence").rows() == [("A1", SMALL, "0", None)]

    # The same pages exact, once presentation mode is off.
    at.sidebar.toggle(key="presenting").set_value(False)
    at.run()
    level = read(offered(at, downloads)["adherence_agency.csv"][1])
    assert level.select("agency_id", "periods_due", "periods_met", "adherence").rows() == [("A1", "2", "0", "0.0")]


# ---------------------------------------------------------------------------
# The deck


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "deck.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_deck_button_gives_the_quarters_pdf(app, downloads, tmp_path):  # noqa: F811
    at = app.run()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert at.selectbox(key="deck_quarter").options[0].startswith("2026Q")
    at.button(key="deck_build_pdf").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    pdfs = {name: (label, data) for name, (label, data) in offered(at, downloads).items() if name.endswith(".pdf")}
    assert len(pdfs) == 1
    (name, (label, data)), = pdfs.items()
    assert data.startswith(b"%PDF") and "small numbers suppressed" in label
    text = _pdf_text(data, tmp_path)
    assert "About these figures" in text and "rows were accepted" in text


def test_the_powerpoint_button_gives_the_same_deck_as_an_editable_file(app, downloads, tmp_path):  # noqa: F811
    from pptx import Presentation

    at = app.run()
    at.switch_page("app_pages/overview.py")
    at.run()
    at.button(key="deck_build_pptx").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    offered_files = offered(at, downloads)
    assert not [name for name in offered_files if name.endswith(".pdf")]  # the one asked for, not both
    (name, (label, data)), = [(n, v) for n, v in offered_files.items() if n.endswith(".pptx")]
    assert "PowerPoint" in label and "small numbers suppressed" in label
    (tmp_path / name).write_bytes(data)
    titles = [slide.shapes.title.text for slide in Presentation(str(tmp_path / name)).slides]
    assert titles[:2] == ["Community Recovery Services: quarterly meeting", "Agenda"]
    assert titles[-1] == "About these figures"


def test_a_one_agency_user_gets_a_deck_of_their_agency_only(signed_in_app, tmp_path, downloads,  # noqa: F811
                                                             agencies):  # noqa: F811
    at, allowed = signed_in_app.app, signed_in_app.allowed
    allowed_name = next(name for agency_id, name, _ in agencies if agency_id == allowed)
    at.default_timeout = 180  # the deck renders every chart
    at.run()
    at.button(key="deck_build_pdf").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    (data,) = [data for name, (_, data) in offered(at, downloads).items() if name.endswith(".pdf")]
    text = _pdf_text(data, tmp_path)
    assert allowed_name in text
    others = [value for agency_id, name, _ in agencies if agency_id != allowed for value in (agency_id, name)
              if value in text]
    assert others == []
    # The extract's row counts cover every agency: an agency's deck leaves them out.
    assert "rows were accepted" not in text


@pytest.mark.parametrize("page,headline", [
    ("app_pages/adherence.py", "Client contact periods met, all shown agencies"),
    ("app_pages/first_contact.py", "Reached within the standard"),
])
@pytest.mark.parametrize("public", [False, True])
def test_the_p_charts_centre_line_is_the_headline(app, page, headline, public):  # noqa: F811
    at = present(app, page, window="all") if public else visit(app, page)
    figure = next(json.loads(chart.proto.spec) for chart in at.get("plotly_chart")
                  if json.loads(chart.proto.spec)["layout"]["title"]["text"] == "Month by month (p-chart)")
    shown = next(metric.value for metric in at.metric if metric.label == headline)
    centre = [trace["name"] for trace in figure["data"] if trace.get("name", "").startswith("centre")]
    if shown == "Suppressed":
        assert centre == []
    else:
        assert centre == [f"centre {shown}"]


def test_a_hidden_number_column_with_blanks_stays_hidden_while_presenting():
    # While presenting, a number column with empty cells (a suppressed rate) is shown as text; one the
    # page hides (configured as None) must not come back that way with its exact figures.
    from dashboard.components import _blank_when_empty

    data = pl.DataFrame({"agency": ["A", "B"], "rate": [0.5, None], "exact": [0.75, None]})
    shown, config = _blank_when_empty(data, {"exact": None}, numbers=True)
    assert config["exact"] is None
    assert config["rate"]["type_config"]["type"] == "text"  # the shown one turns to text, blank where empty
    assert shown["rate"].to_list() == ["0.5", ""]
