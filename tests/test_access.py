"""Access by agency: the access file, the narrowing of filters, and every page as seen by a
user limited to one agency (nothing of another agency reaches the browser or a download)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.access import Access, AccessError, access_for, load_access_file, restrict
from metrics.db import connect
from metrics.filters import Filters
from tests.test_app import APP, PAGES, demo_extract, downloads  # noqa: F401 - shared fixtures

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
                 "client_id": "test", "client_secret": "test",
                 "server_metadata_url": "https://sign-in.invalid/.well-known/openid-configuration"}}


def write_access(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_access_file_maps_users_to_agencies_or_all(tmp_path):
    path = write_access(tmp_path / "access.toml", '[users]\n"Boss@DHS.example" = "all"\n"sup@a.example" = ["A1", "A3"]\n')
    access = load_access_file(path)
    assert access == {"boss@dhs.example": None, "sup@a.example": frozenset({"A1", "A3"})}
    assert access_for("boss@dhs.example", access).sees_everything
    assert access_for("SUP@a.example", access).agencies == frozenset({"A1", "A3"})
    assert access_for("someone@else.example", access) is None
    assert access_for(None, access) is None


@pytest.mark.parametrize("text", ['users = 3\n', '[users]\n"a@b" = "some"\n', '[users]\n"a@b" = [1]\n', "not toml ["])
def test_a_malformed_access_file_is_refused(tmp_path, text):
    with pytest.raises(AccessError):
        load_access_file(write_access(tmp_path / "access.toml", text))


def test_restrict_never_widens_what_was_chosen():
    limited = Access("sup@a.example", frozenset({"A1", "A3"}))
    day = dt.date(2026, 6, 30)
    assert restrict(Filters(as_of=day), limited).agencies == ("A1", "A3")
    assert restrict(Filters(as_of=day, agencies=("A3", "A9")), limited).agencies == ("A3",)
    assert restrict(Filters(as_of=day, agencies=("A9",)), limited).agencies == ()
    everything = Access("boss", None)
    assert restrict(Filters(as_of=day, agencies=("A9",)), everything).agencies == ("A9",)


@pytest.fixture(scope="module")
def agencies(demo_extract):  # noqa: F811
    return connect(demo_extract).sql("SELECT agency_id, agency_name, oversight FROM agencies ORDER BY 1").fetchall()


@pytest.fixture
def signed_in_app(demo_extract, cache, monkeypatch, tmp_path, agencies):  # noqa: F811
    allowed = next(a for a in agencies if a[2] == "BHD")[0]
    access = write_access(tmp_path / "access.toml", f'[users]\n"sup@agency.example" = ["{allowed}"]\n')
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    monkeypatch.setenv("OVERSIGHT_ACCESS_FILE", str(access))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets = AUTH
    app.user = {"is_logged_in": True, "email": "sup@agency.example"}
    return app, allowed


def sent_to_browser(at: AppTest) -> str:
    """Every element the run produced, serialised as the browser receives it."""
    texts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            texts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(texts)


@pytest.mark.parametrize("page", PAGES)
def test_a_user_limited_to_one_agency_receives_nothing_of_another(signed_in_app, downloads, agencies, page):  # noqa: F811
    app, allowed = signed_in_app
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = sent_to_browser(app) + "\n".join(data.decode("utf-8") for _, data in downloads.values())
    others = [(agency_id, name) for agency_id, name, _ in agencies if agency_id != allowed]
    leaked = [value for agency_id, name in others for value in (agency_id, name) if value in shown]
    assert leaked == []
    assert app.sidebar.multiselect(key="agencies").options == [next(a[1] for a in agencies if a[0] == allowed)]


def test_the_limited_user_still_sees_their_own_agency(signed_in_app, downloads, agencies):  # noqa: F811
    app, allowed = signed_in_app
    app.run()
    app.switch_page("app_pages/caseload.py")
    app.run()
    assert allowed in sent_to_browser(app)
    assert "Signed in as sup@agency.example" in sent_to_browser(app)


def test_an_unlisted_user_sees_no_data(signed_in_app, agencies):
    app, _ = signed_in_app
    app.user = {"is_logged_in": True, "email": "stranger@else.example"}
    app.run()
    assert "has not been given access" in app.error[0].value
    assert not any(agency_id in sent_to_browser(app) for agency_id, _, _ in agencies)


def test_a_visitor_who_has_not_signed_in_is_asked_to(signed_in_app, agencies):
    app, _ = signed_in_app
    app.user = {"is_logged_in": False}
    app.run()
    assert app.button[0].label == "Sign in"
    assert not any(agency_id in sent_to_browser(app) for agency_id, _, _ in agencies)


def test_without_sign_in_the_local_mode_says_so(demo_extract, cache, monkeypatch):  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert "Local single-user mode" in sent_to_browser(app)
