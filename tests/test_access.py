"""Access by agency: the access file (every refusal naming its line), sign-in and access file
only together, the narrowing of filters, what a visitor is told when access is refused or
misconfigured (never another user's address nor the file's path: those go to the server's
log), and every page as seen by a user limited to one agency (nothing of another agency
reaches the browser or a download)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path
from typing import NamedTuple

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from metrics.extract.loader import connect
from metrics.policy.access import Access, AccessError, access_file_path, load_access_file, restrict
from metrics.policy.filters import Filters
from tests.test_app import APP, PAGES, demo_extract, download_text, downloads  # noqa: F401 - shared fixtures

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
                 "client_id": "test", "client_secret": "test",
                 "server_metadata_url": "https://sign-in.invalid/.well-known/openid-configuration"}}
OTHER_USER = "boss@dhs.example"


def write_access(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, text: str) -> str:
    """The message refusing this access file, with its path written as "F"."""
    with pytest.raises(AccessError) as refused:
        load_access_file(write_access(path, text))
    return str(refused.value).replace(str(path), "F")


def test_access_file_maps_users_to_agencies_or_all(tmp_path):
    path = write_access(tmp_path / "access.toml", '[users]\n"Boss@DHS.example" = "all"\n"sup@a.example" = ["A1", "A3"]\n')
    access = load_access_file(path)
    assert access.grants == {"boss@dhs.example": None, "sup@a.example": frozenset({"A1", "A3"})}
    assert access.access_for("boss@dhs.example").sees_everything
    assert access.access_for("SUP@a.example").agencies == frozenset({"A1", "A3"})
    assert access.access_for("SUP@a.example").user == "SUP@a.example"  # shown as the sign-in gave it
    assert access.access_for("someone@else.example") is None
    assert access.access_for(None) is None


@pytest.mark.parametrize("text,message", [
    # Columns count from 1: the key starts a line; its value follows `"e@x.org" = `, 12 characters on.
    ('[users]\n"e@x.org" = "some"\n',
     'F:2:13: "e@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]'),
    ('[users]\n"e@x.org" = [1]\n',
     'F:2:13: "e@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]'),
    ('[users]\n"e@x.org" = ["RSA01", " "]\n',
     'F:2:13: "e@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]'),
    ('[users]\n"e@x.org" = { agencies = ["RSA01"] }\n',
     'F:2:13: "e@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]'),
    ('[users]\n"e@x.org" = []\n', 'F:2:13: "e@x.org" is granted no agency: name the agencies, or remove the line'),
    ('[users]\n"a@x.org" = "all"\n"Jane Doe" = "all"\n', 'F:3:1: "Jane Doe" is not an e-mail address'),
    ('[users]\n" a@x.org" = "all"\n', 'F:2:1: " a@x.org" is not an e-mail address'),
    ('[users]\n"a@localhost" = "all"\n', 'F:2:1: "a@localhost" is not an e-mail address'),
    # A table header's key starts after its bracket.
    ('[user]\n"a@x.org" = "all"\n',
     'F:1:2: unknown entry "user": the access file holds only [users]\n'
     "F: expected a [users] table of e-mail addresses and their agencies"),
    ('title = "Who sees what"\n[users]\n"a@x.org" = "all"\n',
     'F:1:1: unknown entry "title": the access file holds only [users]'),
    ("users = 3\n", "F:1:1: expected a [users] table of e-mail addresses and their agencies"),
    # tomllib's own position: the second id starts in column 19 of line 2.
    ('[users]\n"a@x.org" = ["A1" "A2"]\n', "F:2:19: Unclosed array (not valid TOML)"),
    ('[users]\n"a@x.org" = "all"\n"a@x.org" = "all"\n', "F:3:18: Cannot overwrite a value (not valid TOML)"),
])
def test_a_malformed_access_file_is_refused_naming_the_line(tmp_path, text, message):
    assert refusal(tmp_path / "access.toml", text) == message


def test_addresses_differing_only_in_case_are_refused_even_with_the_same_grants(tmp_path):
    text = '# who sees what\n[users]\n"A@x.org" = ["RSA01"]\n"b@x.org" = "all"\n"a@X.org" = ["RSA01"]\n'
    assert refusal(tmp_path / "access.toml", text) == (
        'F:5:1: "a@X.org" is the same address as "A@x.org" on line 3: addresses are compared without regard '
        "to case, so list each once"
    )


def test_every_fault_of_the_file_is_named_at_once(tmp_path):
    text = '[users]\n"not an address" = "all"\n"ok@x.org" = "all"\n"e@x.org" = []\n'
    assert refusal(tmp_path / "access.toml", text).splitlines() == [
        'F:2:1: "not an address" is not an e-mail address',
        'F:4:13: "e@x.org" is granted no agency: name the agencies, or remove the line',
    ]


def test_lines_are_found_for_quoted_dotted_and_table_keys(tmp_path):
    text = ("[users]\n'lit@x.org' = \"some\"\n\n"
            '[users."t@x.org"]\nagencies = ["RSA01"]\n')
    assert refusal(tmp_path / "access.toml", text).splitlines() == [
        'F:2:15: "lit@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]',
        'F:4:2: "t@x.org" must be granted "all" or a list of agency ids (each a non-empty text), such as ["RSA01", "RSA02"]',
    ]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "access.toml"
    path.write_bytes(b'[users]\n"a@x.org" = "all"\n"\xe9@x.org" = "all"\n')
    with pytest.raises(AccessError, match=r"access.toml:3: not UTF-8 text$"):
        load_access_file(path)


def test_a_missing_access_file_is_refused(tmp_path):
    with pytest.raises(AccessError, match=r"access.toml: cannot be read \(No such file or directory\)$"):
        load_access_file(tmp_path / "access.toml")


def test_agencies_not_in_the_extract_are_named_with_their_line(tmp_path):
    path = write_access(tmp_path / "access.toml",
                        '[users]\n"boss@x.org" = "all"\n"sup@x.org" = ["RSA01", "RSA99", "RSA98"]\n')
    assert [w.replace(str(path), "F") for w in load_access_file(path).unknown_agencies({"RSA01", "RSA02"})] == [
        'F:3:15: agency "RSA98" is not in the extract: it grants nothing until the extract has it',
        'F:3:15: agency "RSA99" is not in the extract: it grants nothing until the extract has it',
    ]


@pytest.mark.parametrize("sign_in,environ,expected", [
    (False, {}, None),
    (True, {"OVERSIGHT_ACCESS_FILE": "/etc/oversight/access.toml"}, "/etc/oversight/access.toml"),
])
def test_sign_in_and_an_access_file_go_together(sign_in, environ, expected):
    assert access_file_path(sign_in, environ) == expected


@pytest.mark.parametrize("sign_in,environ,message", [
    (False, {"OVERSIGHT_ACCESS_FILE": "/etc/oversight/access.toml"},
     "OVERSIGHT_ACCESS_FILE names an access file (/etc/oversight/access.toml) but sign-in is not configured"),
    (True, {}, "sign-in is configured ([auth] in Streamlit's secrets) but OVERSIGHT_ACCESS_FILE names no access file"),
    (False, {"OVERSIGHT_ACCESS_FILE": ""}, "OVERSIGHT_ACCESS_FILE is set but empty"),
    (True, {"OVERSIGHT_ACCESS_FILE": " "}, "OVERSIGHT_ACCESS_FILE is set but empty"),
])
def test_either_without_the_other_is_refused(sign_in, environ, message):
    with pytest.raises(AccessError) as refused:
        access_file_path(sign_in, environ)
    assert str(refused.value).startswith(message)


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


class SignedIn(NamedTuple):
    app: AppTest
    allowed: str  # the one agency of sup@agency.example
    access_file: Path


@pytest.fixture
def signed_in_app(demo_extract, cache, monkeypatch, tmp_path, agencies) -> SignedIn:  # noqa: F811
    allowed = next(a for a in agencies if a[2] == "BHD")[0]
    access = write_access(tmp_path / "access.toml",
                          f'[users]\n"sup@agency.example" = ["{allowed}"]\n"{OTHER_USER}" = "all"\n')
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    monkeypatch.setenv("OVERSIGHT_ACCESS_FILE", str(access))
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets = AUTH
    app.user = {"is_logged_in": True, "email": "sup@agency.example"}
    return SignedIn(app, allowed, access)


@pytest.fixture
def server_log():
    """What the dashboard writes to the server's log during the test."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    logger = logging.getLogger("dashboard.auth")
    logger.addHandler(handler)
    yield written
    logger.removeHandler(handler)


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


def shows_no_agency(at: AppTest, agencies) -> bool:
    shown = sent_to_browser(at)
    return not any(value in shown for agency_id, name, _ in agencies for value in (agency_id, name))


@pytest.mark.parametrize("page", PAGES)
def test_a_user_limited_to_one_agency_receives_nothing_of_another(signed_in_app, downloads, agencies, page):  # noqa: F811
    app, allowed, _ = signed_in_app
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = sent_to_browser(app) + "\n".join(download_text(name, data) for name, data in downloads.values())
    others = [(agency_id, name) for agency_id, name, _ in agencies if agency_id != allowed]
    leaked = [value for agency_id, name in others for value in (agency_id, name) if value in shown]
    assert leaked == []
    assert app.sidebar.multiselect(key="agencies").options == [next(a[1] for a in agencies if a[0] == allowed)]


def test_the_limited_user_still_sees_their_own_agency(signed_in_app, downloads, agencies):  # noqa: F811
    app, allowed, _ = signed_in_app
    app.run()
    app.switch_page("app_pages/caseload.py")
    app.run()
    assert allowed in sent_to_browser(app)
    assert "Signed in as sup@agency.example (1 agency)" in sent_to_browser(app)


def test_an_address_in_other_case_gets_the_access_listed(signed_in_app, agencies):
    app, allowed, _ = signed_in_app
    app.user = {"is_logged_in": True, "email": "Sup@Agency.EXAMPLE"}
    app.run()
    assert not app.error
    assert app.sidebar.multiselect(key="agencies").options == [next(a[1] for a in agencies if a[0] == allowed)]
    assert "Signed in as Sup@Agency.EXAMPLE (1 agency)" in sent_to_browser(app)


def test_an_unlisted_user_is_told_so_and_sees_no_data_nor_anyone_else(signed_in_app, agencies):
    app, _, access_file = signed_in_app
    app.user = {"is_logged_in": True, "email": "stranger@else.example"}
    app.run()
    assert [e.value for e in app.error] == [
        "stranger@else.example has not been given access to any agency in this dashboard. "
        "Please ask the dashboard's administrator."
    ]
    assert app.button[0].label == "Sign out"
    assert shows_no_agency(app, agencies)
    assert OTHER_USER not in sent_to_browser(app) and str(access_file) not in sent_to_browser(app)


@pytest.mark.parametrize("user,message", [
    ({"is_logged_in": True}, "Your sign-in did not provide an e-mail address, so no access can be given."),
    ({"is_logged_in": True, "email": "sup@agency.example", "email_verified": False},
     "Your sign-in provider has not verified sup@agency.example, so no access can be given."),
])
def test_an_address_that_proves_nothing_gets_nothing(signed_in_app, agencies, user, message):
    app, _, _ = signed_in_app
    app.user = user
    app.run()
    assert [e.value for e in app.error] == [f"{message} Please ask the dashboard's administrator."]
    assert shows_no_agency(app, agencies)


def test_a_user_granted_only_agencies_the_extract_lacks_is_told_so(signed_in_app, agencies):
    app, _, access_file = signed_in_app
    write_access(access_file, '[users]\n"sup@agency.example" = ["RSA99"]\n')
    app.run()
    assert [e.value for e in app.error] == [
        "None of the agencies you have been given access to are in this extract. "
        "Please ask the dashboard's administrator."
    ]
    assert "Signed in as sup@agency.example (1 agency)" in sent_to_browser(app)
    assert shows_no_agency(app, agencies)


def test_a_visitor_who_has_not_signed_in_is_asked_to(signed_in_app, agencies):
    app, _, _ = signed_in_app
    app.user = {"is_logged_in": False}
    app.run()
    assert [b.label for b in app.button] == ["Sign in"]
    assert shows_no_agency(app, agencies)


def test_without_sign_in_the_local_mode_says_so(demo_extract, cache, monkeypatch):  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    monkeypatch.delenv("OVERSIGHT_ACCESS_FILE", raising=False)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert "Local single-user mode" in sent_to_browser(app)


def assert_refused_to_all(app: AppTest, agencies, log: str, *details: str) -> None:
    """The visitor gets the generic message and no data; the details are in the server's log only."""
    assert [e.value for e in app.error] == [
        "Access to this dashboard is not configured correctly, so it shows no figures. "
        "Please ask the dashboard's administrator."
    ]
    assert shows_no_agency(app, agencies)
    shown = sent_to_browser(app)
    for detail in details:
        assert detail in log
        assert detail not in shown


def test_an_access_file_without_sign_in_shows_no_data(demo_extract, cache, monkeypatch, tmp_path, agencies,  # noqa: F811
                                                       server_log):
    access = write_access(tmp_path / "access.toml", f'[users]\n"{OTHER_USER}" = ["RSA01"]\n')
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    monkeypatch.setenv("OVERSIGHT_ACCESS_FILE", str(access))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert_refused_to_all(app, agencies, server_log.getvalue(), str(access), "sign-in is not configured")


def test_sign_in_without_an_access_file_shows_no_data(signed_in_app, agencies, monkeypatch, server_log):
    app, _, _ = signed_in_app
    monkeypatch.delenv("OVERSIGHT_ACCESS_FILE")
    app.run()
    assert_refused_to_all(app, agencies, server_log.getvalue(), "OVERSIGHT_ACCESS_FILE names no access file")


def test_an_access_file_spoilt_while_serving_shows_no_data(signed_in_app, agencies, server_log):
    app, allowed, access_file = signed_in_app
    app.run()
    assert not app.error and len(app.sidebar.multiselect(key="agencies").options) == 1
    write_access(access_file, f'[users]\n"sup@agency.example" = ["{allowed}"]\n"{OTHER_USER.upper()}" = "all"\n'
                              f'"{OTHER_USER}" = "all"\n')
    app.run()
    assert_refused_to_all(app, agencies, server_log.getvalue(), f"{access_file}:4:1", OTHER_USER)


def test_an_access_file_gone_while_serving_shows_no_data(signed_in_app, agencies, server_log):
    app, _, access_file = signed_in_app
    app.run()
    access_file.unlink()
    app.run()
    assert_refused_to_all(app, agencies, server_log.getvalue(), f"{access_file}: cannot be read")


def test_secrets_that_cannot_be_read_show_no_data(signed_in_app, agencies, monkeypatch, tmp_path, server_log):
    import streamlit
    from streamlit.runtime.secrets import Secrets

    app, _, _ = signed_in_app
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth\nredirect_uri = "x"\n', encoding="utf-8")
    app.secrets = {}  # the app reads Streamlit's secrets files, here the broken one
    monkeypatch.setattr(streamlit, "secrets", Secrets())
    with patch_config_options({"secrets.files": [str(broken)]}):
        app.run()
    assert_refused_to_all(app, agencies, server_log.getvalue(), f"{broken}", "(at line 1, column 6)")
