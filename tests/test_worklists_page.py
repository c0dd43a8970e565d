"""The Worklists page under AppTest: its downloads are the command's files (the contacts those
still to make within a week), a staff member narrows it, a one-agency user sees only their
agency, and presentation mode shows none of it."""

from __future__ import annotations

import io

import polars as pl

from metrics.cli import main
from metrics.policy.settings import settings
from metrics.report.labels import columns, in_words
from metrics.report.views.worklists import waited_in_words
from tests.test_access import agencies, sent_to_browser, signed_in_app  # noqa: F401 - shared fixtures
from tests.test_app import app, demo_extract, downloads, first_bhd_agency, visit  # noqa: F401 - shared fixtures
from tests.test_presenting import offered

PAGE = "app_pages/worklists.py"


def read(data: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def test_the_pages_downloads_are_the_commands_files(app, downloads, demo_extract, tmp_path):  # noqa: F811
    at = visit(app, PAGE)
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    as_of = at.sidebar.date_input(key="as_of").value
    out = tmp_path / "lists"
    assert main(["worklists", "--extract", str(demo_extract), "--as-of", as_of.isoformat(), "--out", str(out)]) == 0
    written = {path.stem: pl.read_csv(path, infer_schema=False) for path in out.iterdir()}
    for name in ("referrals_waiting", "milestones_due", "plans_due"):
        # The page writes codes in words (metrics.report.labels), in its downloads too.
        page, command = files[f"{name}.csv"], in_words(written[name], columns(name))
        shared = [column for column in command.columns if column in page.columns]
        assert page.height == command.height, name
        assert page.select(shared).sort(shared, nulls_last=True).equals(
            command.select(shared).sort(shared, nulls_last=True)), name
    # The contacts still to make: not met in the current period and due within the horizon.
    horizon = settings().worklist_milestone_days
    to_make = written["contacts_due"].filter((pl.col("met_this_period") == "false")
                                              & (pl.col("days_left").cast(pl.Int64) <= horizon))
    assert files["contacts_to_make.csv"].height == to_make.height > 0
    assert sorted(files["contacts_to_make.csv"]["episode_id"].to_list()) == sorted(to_make["episode_id"].to_list())
    assert files["referrals_waiting.csv"].height > 0


def test_a_staff_member_narrows_the_lists(app, downloads):  # noqa: F811
    at = visit(app, PAGE)
    worker = at.selectbox(key="worklist_staff").options[1]
    at.selectbox(key="worklist_staff").set_value(worker)
    at.run()
    assert not at.exception
    files = {name: read(data) for name, (_, data) in offered(at, downloads).items()}
    # A list with nothing for this worker offers no file.
    for name in ("referrals_waiting.csv", "contacts_to_make.csv", "milestones_due.csv"):
        assert set(files.get(name, pl.DataFrame({"staff_id": []}))["staff_id"].to_list()) <= {worker}, name
    assert files["contacts_to_make.csv"].height > 0


def test_presentation_mode_shows_no_worklist(app, downloads):  # noqa: F811
    app.run()
    app.sidebar.toggle(key="presenting").set_value(True)
    at = visit(app, PAGE)
    assert not at.dataframe and not offered(at, downloads)
    assert any("not shown while presenting" in info.value for info in at.info)


def test_a_one_agency_user_sees_only_their_agency(signed_in_app, agencies):  # noqa: F811
    at, allowed, _ = signed_in_app
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    others = [agency_id for agency_id, _, _ in agencies if agency_id != allowed]
    shown = sent_to_browser(at)
    assert at.dataframe, "the user's own agency has work listed"
    for frame in at.dataframe:
        assert set(frame.value["agency_id"]) <= {allowed}
    assert not any(other in shown for other in others)


def test_how_long_a_referral_has_waited_in_words():
    hours = pl.DataFrame({"hours": [31 / 60, 0.5, 15.0, 47.94, 48.0, 26288.66]})
    assert hours.select(waited_in_words(pl.col("hours")))["hours"].to_list() == [
        "31 minutes", "30 minutes", "15.0 hours", "47.9 hours", "2 days", "1095 days"]
