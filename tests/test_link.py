"""Links that carry the view: the filters read from and written to the address
(metrics.policy.link), under the same access rules as the sidebar, and the dashboard under
Streamlit's AppTest following a link and keeping the address up to date."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from metrics.policy.access import LOCAL, Access
from metrics.policy.link import Extent, View, link_params, read_link
from tests.test_access import agencies, sent_to_browser, signed_in_app  # noqa: F401 - shared fixtures
from tests.test_app import APP, demo_extract, first_bhd_agency  # noqa: F401 - shared fixtures

EXTENT = Extent(
    first=dt.date(2024, 1, 1),
    last=dt.date(2026, 6, 30),
    agencies={"RSA01": "BHD", "RSA02": "BHD", "CRS01": "DCTS"},
    service_levels=("RSC-I", "RSC-F", "CM"),
    oversights=("BHD", "DCTS"),
)
ONE_AGENCY = Access(user="sup@agency.example", agencies=frozenset({"RSA01"}))


def read(access: Access = LOCAL, **params: str | list[str]):
    link = read_link({name: [value] if isinstance(value, str) else value for name, value in params.items()},
                     EXTENT, access)
    return link.view, link.problems


# The parameters' own names: `from` is a Python keyword.
def query(**params: str) -> dict[str, str]:
    return {name.rstrip("_"): value for name, value in params.items()}


def test_no_parameters_mean_the_defaults():
    assert read() == (View(), ())
    assert link_params(View()) == {}


def test_every_parameter_is_read():
    view, problems = read(**query(as_of="2026-03-31", from_="2025-01-01", to="2025-12-31", oversight="BHD",
                                  agencies="RSA02,RSA01", levels="CM,RSC-I", present="1"))
    assert problems == ()
    # Dates given imply a window of dates chosen.
    assert view == View(as_of=dt.date(2026, 3, 31), window="dates", period_start=dt.date(2025, 1, 1),
                        period_end=dt.date(2025, 12, 31), oversight=("BHD",), agencies=("RSA02", "RSA01"),
                        service_levels=("CM", "RSC-I"), presenting=True)
    assert read(window="quarter") == (View(window="quarter"), ())


def test_a_moving_window_takes_no_dates_and_an_unknown_one_is_ignored():
    view, problems = read(**query(window="quarter", from_="2025-01-01"))
    assert view == View(window="quarter")
    assert problems == ("`from` and `to` count only with `window=dates`: they were ignored.",)
    view, problems = read(window="fortnight", levels="CM")
    assert view == View(service_levels=("CM",))
    assert problems == ("`window` is none of quarter, year, all, dates: it was ignored.",)
    assert "fortnight" not in problems[0]


def test_a_view_written_to_a_link_reads_back_the_same():
    view = View(as_of=dt.date(2026, 3, 31), window="dates", period_start=dt.date(2025, 1, 1),
                period_end=dt.date(2025, 12, 31), oversight=("DCTS",), agencies=("CRS01",), service_levels=("RSC-F",),
                presenting=True)
    params = link_params(view)
    assert params == {"as_of": "2026-03-31", "from": "2025-01-01", "to": "2025-12-31", "oversight": "DCTS",
                      "agencies": "CRS01", "levels": "RSC-F", "present": "1"}
    assert read(**params) == (view, ())
    for window in ("quarter", "all", "dates"):  # dates chosen spanning the whole extract
        assert link_params(View(window=window)) == {"window": window}
        assert read(**link_params(View(window=window))) == (View(window=window), ())


def test_empty_values_and_both_oversights_are_the_defaults():
    assert read(as_of="", levels="", agencies=",", oversight="BHD,DCTS", present="0") == (View(), ())


def test_repeated_and_spaced_values_are_read_once():
    view, problems = read(levels=["CM", "CM, RSC-I "], as_of=["2025-01-01", "2025-02-01"])
    assert problems == ()
    assert view.service_levels == ("CM", "RSC-I")
    assert view.as_of == dt.date(2025, 2, 1)  # the last, as an address bar keeps it


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "30/06/2026", "20260630", "2026-6-30", "soon",
                                   "2023-12-31", "2026-07-01"])
def test_a_bad_date_or_one_outside_the_extract_is_ignored_naming_the_parameter(value):
    view, problems = read(as_of=value, levels="CM")
    assert view == View(service_levels=("CM",))
    assert problems == ("`as_of` is not a date from 2024-01-01 to 2026-06-30 (written YYYY-MM-DD): it was ignored.",)
    assert value not in problems[0]


def test_a_window_that_ends_before_it_starts_is_ignored():
    view, problems = read(**query(from_="2025-06-01", to="2025-01-01"))
    assert view == View()
    assert problems == ("`from` is after `to`: both were ignored.",)
    view, problems = read(**query(from_="2025-06-01", to="2027-01-01"))
    assert view == View(window="dates", period_start=dt.date(2025, 6, 1))
    assert [problem.split(" ")[0] for problem in problems] == ["`to`"]


def test_an_unknown_agency_is_left_out_without_naming_it():
    view, problems = read(agencies="RSA01,NOPE99")
    assert view.agencies == ("RSA01",)
    assert problems == ("`agencies` names agencies you cannot choose here; those were left out.",)
    assert "NOPE99" not in " ".join(problems)


def test_an_agency_outside_the_visitors_access_is_dropped_as_if_unknown():
    view, problems = read(ONE_AGENCY, agencies="RSA02,RSA01")
    assert view.agencies == ("RSA01",)
    # The same words as for an agency that does not exist: the message tells nobody what exists.
    assert problems == read(ONE_AGENCY, agencies="NOPE99,RSA01")[1]
    assert "RSA02" not in " ".join(problems)
    # Only forbidden agencies: none is chosen, which for this visitor still means only their own.
    view, problems = read(ONE_AGENCY, agencies="RSA02,CRS01")
    assert view.agencies is None and len(problems) == 1
    assert "agencies" not in link_params(view)


def test_an_agency_outside_the_oversight_chosen_is_left_out():
    view, problems = read(oversight="DCTS", agencies="RSA01,CRS01")
    assert (view.oversight, view.agencies) == (("DCTS",), ("CRS01",))
    assert len(problems) == 1


@pytest.mark.parametrize("name,value,expected", [
    ("oversight", "BHD,CMS", "`oversight` names an oversight other than BHD and DCTS; those were left out."),
    ("levels", "CM,XX", "`levels` names a service level other than RSC-I, RSC-F, CM; those were left out."),
    ("present", "yes", "`present` is neither 1 (presentation mode on) nor 0 (off): it was ignored."),
])
def test_unknown_choices_are_ignored_naming_the_parameter(name, value, expected):
    view, problems = read(**{name: value})
    assert problems == (expected,)
    assert link_params(view) == ({"oversight": "BHD"} if name == "oversight" else
                                 {"levels": "CM"} if name == "levels" else {})


# The dashboard under AppTest.

@pytest.fixture
def app(demo_extract, cache, monkeypatch) -> AppTest:  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    return AppTest.from_file(APP, default_timeout=60)


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "The link's" in w.value]


def test_a_link_restores_the_filters_and_stays_across_pages(app, first_bhd_agency):  # noqa: F811
    app.query_params.update({"as_of": "2026-06-30", "from": "2026-01-01", "to": "2026-03-31", "oversight": "BHD",
                             "agencies": first_bhd_agency, "levels": "CM,RSC-I", "present": "1"})
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    sidebar = app.sidebar
    assert sidebar.segmented_control(key="oversight").value == ["BHD"]
    assert sidebar.multiselect(key="agencies").value == [first_bhd_agency]
    assert sidebar.multiselect(key="service_levels").value == ["CM", "RSC-I"]
    assert sidebar.date_input(key="as_of").value == dt.date(2026, 6, 30)
    assert sidebar.selectbox(key="window").value == "dates"
    assert sidebar.date_input(key="period").value == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert sidebar.toggle(key="presenting").value is True
    assert warnings(app) == []
    # The address keeps the view (a reload reads it again), through a switch of page too.
    kept = dict(app.query_params)
    app.switch_page("app_pages/first_contact.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.query_params == kept
    assert app.sidebar.multiselect(key="service_levels").value == ["CM", "RSC-I"]


def test_changing_a_filter_updates_the_address(app, first_bhd_agency):  # noqa: F811
    app.run()
    assert app.query_params == {"as_of": app.sidebar.date_input(key="as_of").value.isoformat()}
    app.sidebar.multiselect(key="service_levels").set_value(["RSC-F"])
    app.sidebar.date_input(key="as_of").set_value(dt.date(2025, 12, 31))
    app.sidebar.segmented_control(key="oversight").set_value(["BHD"])
    app.sidebar.selectbox(key="window").set_value("dates")
    app.run()
    app.sidebar.multiselect(key="agencies").set_value([first_bhd_agency])
    app.sidebar.date_input(key="period").set_value((dt.date(2025, 1, 1), dt.date(2025, 6, 30)))
    app.sidebar.toggle(key="presenting").set_value(True)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.query_params == {"as_of": "2025-12-31", "from": "2025-01-01", "to": "2025-06-30", "oversight": "BHD",
                                "agencies": first_bhd_agency, "levels": "RSC-F", "present": "1"}
    # Back to the defaults: the parameters leave the address.
    app.sidebar.multiselect(key="service_levels").set_value([])
    app.sidebar.toggle(key="presenting").set_value(False)
    app.run()
    assert "levels" not in app.query_params and "present" not in app.query_params
    app.sidebar.selectbox(key="window").set_value("quarter")
    app.run()
    assert app.query_params["window"] == "quarter"
    assert "from" not in app.query_params and "to" not in app.query_params
    app.sidebar.selectbox(key="window").set_value("year")  # the setting's default leaves the address
    app.run()
    assert "window" not in app.query_params


def test_a_bad_link_is_ignored_with_a_warning_and_leaves_the_address(app):
    app.query_params.update({"as_of": "2026-02-30", "agencies": "NOPE99", "levels": "CM", "utm_source": "mail"})
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = warnings(app)
    assert len(shown) == 1 and "`as_of`" in shown[0] and "`agencies`" in shown[0]
    assert "NOPE99" not in sent_to_browser(app) and "2026-02-30" not in sent_to_browser(app)
    assert app.sidebar.multiselect(key="service_levels").value == ["CM"]
    assert app.sidebar.multiselect(key="agencies").value == []
    last = app.sidebar.date_input(key="as_of").value
    # The address now holds the view shown; a parameter of someone else's is left alone.
    assert app.query_params == {"as_of": last.isoformat(), "levels": "CM", "utm_source": "mail"}
    app.run()
    assert warnings(app) == []


def test_a_link_never_widens_what_a_user_may_see(signed_in_app, agencies):  # noqa: F811
    app, allowed, _ = signed_in_app
    others = [agency_id for agency_id, _, oversight in agencies if agency_id != allowed and oversight == "BHD"]
    app.query_params.update({"agencies": f"{others[0]},{allowed},{others[1]}"})
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.sidebar.multiselect(key="agencies").value == [allowed]
    assert app.session_state["filters"].agencies == (allowed,)
    assert app.query_params["agencies"] == allowed
    shown = sent_to_browser(app)
    assert not any(other in shown for other in others)
    assert len(warnings(app)) == 1
