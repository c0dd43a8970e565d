"""Sign-in end to end: `oversight serve` with an [auth] section against a real OpenID Connect
provider on this machine (oidc_provider_mock, whose authorization page lets the test say who
signs in), an access file granting one user one agency and another all of them, and headless
Chromium signing in as each. Everything the browser receives is searched for the agencies a
user may not see: the page's text, the messages of Streamlit's websocket (which carry every
table, chart and option), every CSV download and the meeting deck's PDF.

Screenshots of the sign-in page, the unlisted user's page and a page of the one-agency user,
at 1440×1000 and 1280×720, land in tests/artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import secrets
import subprocess

import pytest

from tests.serving import PAGES, RUNNING, browser, free_port, screenshot, served  # noqa: F401 - shared fixture
from tests.test_app import download_text

ONE_AGENCY_USER = "sup@lakeshore.example"
ALL_AGENCIES_USER = "Boss@DHS.example"
UNLISTED_USER = "stranger@elsewhere.example"
WINDOWS = [(1440, 1000), (1280, 720)]


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """The demo extract, its cache folder, and its agencies (id, name, oversight)."""
    from metrics.demo import write_demo
    from metrics.extract.loader import connect

    folder = tmp_path_factory.mktemp("extract")
    write_demo(folder, seed=11, scale=0.5)
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVERSIGHT_CACHE_DIR", str(cache))
        agencies = connect(folder).sql("SELECT agency_id, agency_name, oversight FROM agencies ORDER BY 1").fetchall()
    return folder, cache, agencies


@pytest.fixture(scope="module")
def names(extract) -> dict[str, str]:
    return {agency_id: name for agency_id, name, _ in extract[2]}


@pytest.fixture(scope="module")
def allowed(extract) -> str:
    """The one-agency user's agency: a BHD agency, whose pages have the most to show."""
    return next(agency_id for agency_id, _, oversight in extract[2] if oversight == "BHD")


@pytest.fixture(scope="module")
def server(provider, extract, allowed, tmp_path_factory):
    folder, cache, _ = extract
    port = free_port()
    settings = tmp_path_factory.mktemp("settings")
    # Outside the repository: Streamlit reads this file alone, named by its `secrets.files` option.
    secrets_file = settings / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "recovery-oversight"\n'
        'client_secret = "test-only"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    access_file = settings / "access.toml"
    access_file.write_text(f'[users]\n"{ONE_AGENCY_USER}" = ["{allowed}"]\n"{ALL_AGENCIES_USER}" = "all"\n',
                           encoding="utf-8")
    env = {**os.environ, "OVERSIGHT_CACHE_DIR": str(cache), "OVERSIGHT_ACCESS_FILE": str(access_file),
           "STREAMLIT_SECRETS_FILES": str(secrets_file)}
    with served(folder, port, env, settings / "server.log") as base:
        yield base


class Session:
    """One visitor's browser, keeping everything the server sent it."""

    def __init__(self, browser, base: str):  # noqa: F811
        self.base = base
        self.context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.messages: list[bytes] = []
        self.page.on("websocket", lambda socket: socket.on("framereceived", self._keep))

    def _keep(self, payload: bytes | str) -> None:
        self.messages.append(payload if isinstance(payload, bytes) else payload.encode())

    def open(self, path: str, heading: str) -> None:
        self.page.goto(f"{self.base}/{path}", wait_until="domcontentloaded")
        self.settle(heading)

    def settle(self, heading: str) -> None:
        """Wait for the heading, then for the script's run to end (twice: a run may follow the first)."""
        self.page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
        for _ in range(2):
            self.page.wait_for_selector(RUNNING, state="detached", timeout=120_000)
            self.page.wait_for_timeout(500)

    def sign_in(self, provider: str, email: str) -> None:
        self.open("", "Recovery Oversight")
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{provider}/oauth2/authorize**")
        self.page.fill('input[name="sub"]', email)
        self.page.get_by_role("button", name="Authorize").click()
        self.page.wait_for_url(f"{self.base}/**")
        self.settle("Recovery Oversight")

    def open_expanders(self) -> None:
        """Open every collapsed section, so that the downloads inside can be clicked."""
        for summary in self.page.locator('[data-testid="stExpander"] details:not([open]) > summary').all():
            summary.click()
        self.page.wait_for_timeout(500)

    def text(self) -> str:
        return self.page.inner_text("body")

    def received(self) -> str:
        return b"\n".join(self.messages).decode("utf-8", errors="replace")

    def download(self, button) -> bytes:
        with self.page.expect_download(timeout=180_000) as started:
            button.click()
        name, data = started.value.suggested_filename, started.value.path().read_bytes()
        # A workbook is searched as the values of its cells, as a CSV is as its text.
        return download_text(name, data).encode("utf-8") if name.endswith(".xlsx") else data

    def screenshots(self, name: str) -> None:
        for width, height in WINDOWS:
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.wait_for_timeout(500)
            screenshot(self.page, f"{name}-{width}x{height}")
        self.page.set_viewport_size({"width": WINDOWS[0][0], "height": WINDOWS[0][1]})


@pytest.fixture
def session(browser, server):  # noqa: F811
    opened = []

    def open_session() -> Session:
        opened.append(Session(browser, server))
        return opened[-1]

    yield open_session
    for each in opened:
        each.context.close()


def found(text: str, names) -> list[str]:
    return [name for name in names if name in text]


def test_the_sign_in_page_offers_nothing_but_signing_in(session, names):
    visitor = session()
    visitor.open("caseload", "Recovery Oversight")
    assert visitor.page.get_by_role("button", name="Sign in").count() == 1
    assert visitor.page.get_by_role("link", name="Caseload").count() == 0  # no pages to choose from
    assert found(visitor.text() + visitor.received(), [*names, *names.values()]) == []
    visitor.screenshots("signin")


def test_a_one_agency_user_receives_nothing_of_another_agency(session, provider, names, allowed):
    # Names and ids: a table shows an id where it has no name for an agency.
    others = [value for agency_id, name in names.items() if agency_id != allowed for value in (agency_id, name)]
    user = session()
    user.sign_in(provider, ONE_AGENCY_USER)
    assert f"Signed in as {ONE_AGENCY_USER} (1 agency)" in user.text()

    downloads = {}
    for path, title, _ in PAGES:
        user.open(path, title)
        assert user.page.locator('[data-testid="stException"]').count() == 0, path
        assert found(user.text(), others) == [], path
        if path == "caseload":
            user.screenshots("one-agency-user")
        user.open_expanders()
        for index, button in enumerate(user.page.get_by_test_id("stDownloadButton").all()):
            downloads[f"{path or 'overview'} #{index + 1}"] = user.download(button.get_by_role("button"))
    assert len(downloads) >= 10

    user.open("", "Recovery Oversight")
    user.page.get_by_role("button", name="Prepare the PDF").click()
    deck = user.download(user.page.get_by_role("button", name="Download the deck"))
    deck_text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=deck, capture_output=True,
                               check=True).stdout.decode("utf-8")

    received = user.received()
    assert found(received, others) == []
    leaks = {name: found(data.decode("utf-8"), others) for name, data in downloads.items()}
    assert {name: leaked for name, leaked in leaks.items() if leaked} == {}
    # The deck's charts are images, out of pdftotext's reach; its title page names the agencies it covers
    # ("For …").
    assert found(deck_text, others) == []
    assert re.search(r"^\s*For (.+?)\s*$", deck_text, re.MULTILINE)[1] == names[allowed]
    # And the user does see their own agency, in the pages and the downloads.
    assert names[allowed] in received
    assert any(allowed in data.decode("utf-8") for data in downloads.values())


def test_an_unlisted_user_sees_no_data_and_is_told_why(session, provider, names):
    stranger = session()
    stranger.sign_in(provider, UNLISTED_USER)
    for path in ("", "caseload", "data-quality"):
        stranger.open(path, "Recovery Oversight")
        assert f"{UNLISTED_USER} has not been given access to any agency" in stranger.text()
        assert stranger.page.get_by_role("button", name="Sign out").count() == 1
    assert found(stranger.text() + stranger.received(), [*names, *names.values()]) == []
    stranger.screenshots("unlisted-user")


def test_an_address_listed_in_other_case_gets_its_access(session, provider, names):
    boss = session()
    boss.sign_in(provider, ALL_AGENCIES_USER.swapcase())
    assert f"Signed in as {ALL_AGENCIES_USER.swapcase()} (all agencies)" in boss.text()
    boss.open("data-quality", "Data quality")
    assert boss.page.get_by_role("heading", name="Per table").count() == 1
    assert found(boss.received(), names.values()) == list(names.values())
