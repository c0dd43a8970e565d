"""The policy numbers pages and charts restate come from the settings: with the defaults the words
read as the policy does, and a deployment's settings file changes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from metrics.policy import wording
from metrics.policy.settings import ContactRequirement, Settings, load_settings, settings
from metrics.report import charts, labels
from metrics.report.views import adherence, deadlines, first_contact, monitoring, sample, training
from tests.test_app import APP, demo_extract, visit  # noqa: F401 - shared fixture

DEFAULTS = Settings()
AS_OF = dt.date(2026, 3, 31)

# A deployment's file: case managers see their clients every 10 days, programs are "due soon" 60
# days ahead, and a non-emergency referral is to be reached within 48 hours.
OVERRIDES = """\
monitoring_due_soon_days = 60
first_contact_standard_hours = 48
first_contact_emergency_hours = 1
band_at_lower = 0.75
band_over_above = 1.1
confidence_level = 0.9
deadlines_horizon_days = 14
assignment_business_days = 2
documentation_interval_months = 24
orientation_hours = 12

[[contact_requirements]]
service_levels = ["RSC-I", "RSC-F"]
requirement = "client_contact"
period_days = 7
contact_kind = "client"

[[contact_requirements]]
service_levels = ["RSC-I", "RSC-F"]
requirement = "rst_meeting"
period_days = 30
contact_kind = "rst_meeting"

[[contact_requirements]]
service_levels = ["CM"]
requirement = "client_contact"
period_days = 10
contact_kind = "client"

[[contact_requirements]]
service_levels = ["CM"]
requirement = "rst_meeting"
period_days = 60
contact_kind = "rst_meeting"
"""


@pytest.fixture
def overridden(tmp_path) -> Path:
    path = tmp_path / "oversight.toml"
    path.write_text(OVERRIDES, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# The words themselves


@pytest.mark.parametrize("days,words", [(7, "weekly"), (1, "daily"), (14, "every 14 days"), (30, "every 30 days"),
                                        (90, "every 90 days"), (10, "every 10 days")])
def test_periods_in_words(days, words):
    assert wording.every_days(days) == words


@pytest.mark.parametrize("hours,words,adjective", [(24.0, "24 hours", "24-hour"), (0.5, "30 minutes", "30-minute"),
                                                   (48.0, "48 hours", "48-hour"), (1.0, "1 hour", "1-hour"),
                                                   (0.25, "15 minutes", "15-minute")])
def test_first_contact_standards_in_words(hours, words, adjective):
    assert wording.duration(hours) == words
    assert wording.duration_adjective(hours) == adjective


def test_other_numbers_in_words():
    assert wording.percent(0.8) == "80%" and wording.percent(1.0) == "100%" and wording.percent(0.2) == "20%"
    assert wording.percent(0.998) == "99.8%"
    assert wording.percent_range(0.8, 1.0) == "80–100%"
    assert wording.interval(0.95) == "95% interval"
    assert wording.within_days(90) == "Due within 90 days" and wording.within_days(1) == "Due within 1 day"
    assert wording.business_days(1) == "one business day" and wording.business_days(2) == "two business days"
    assert wording.every_months(12) == "annual" and wording.every_months(24) == "biennial"
    assert wording.levels_name(("RSC-I", "RSC-F")) == "RSC"
    assert wording.levels_name(("CM",)) == "CM"
    assert wording.levels_name(("RSC-I", "CM")) == "RSC-I and CM"


# ---------------------------------------------------------------------------
# With the defaults, what the pages and charts say today


def test_default_wording_is_the_policy_s():
    assert adherence.caption(AS_OF, DEFAULTS) == (
        "Client contact: weekly for RSC, every 14 days for CM. RST meetings: every 30 days for RSC, every 90 "
        "days for CM. Complete periods up to 31 March 2026."
    )
    assert adherence.axis_title(DEFAULTS) == "periods met (95% interval)"
    status = pl.DataFrame({"status": ["overdue", "due_soon", "due_soon", "current"]})
    assert [(m.label, m.value) for m in monitoring.status_counts(status, DEFAULTS)] == [
        ("Overdue for a monitoring visit", 1), ("Due within 90 days", 2), ("Current", 1)]
    assert monitoring.reviews_due(pl.DataFrame({"review_due": [True, False]}), DEFAULTS).label == (
        "Programs due for their annual review")
    assert first_contact.groups(DEFAULTS) == {False: "Non-emergency (24-hour standard)",
                                              True: "Emergency (30-minute standard)"}
    assert first_contact.assignment_title(DEFAULTS) == "Assignment within one business day"
    assert first_contact.axis_title(DEFAULTS) == "reached in time (95% interval)"
    assert deadlines.listed_title(DEFAULTS) == "Late and due within 30 days, by program"
    assert deadlines.later_title(DEFAULTS) == "Later deadlines (after 30 days)"
    assert labels.deadline_words(DEFAULTS)["due_soon"] == "Due within 30 days"
    assert training.caption(AS_OF, DEFAULTS) == (
        "DCTS programs as of 31 March 2026. Orientation: 10 hours within 3 months of hire, exemptions counted.")
    assert labels.orientation_words(DEFAULTS)["not_met"] == "Not met: under 10 hours"
    assert [m for m in labels.orientation_counts(DEFAULTS).values()] == [
        "Under 10 hours after 3 months", "Still within their 3 months", "Met"]
    assert sample.caption(DEFAULTS) == (
        "Draw the 20% sample of a CRS program's participants for its annual documentation review, and list the "
        "materials to request.")
    assert labels.band_words(DEFAULTS) == {"over": "Over standard", "at": "At standard (80–100%)",
                                           "under": "Under 80%"}
    assert {name: column.label for name, column in labels.interval_columns(DEFAULTS).items()} == {
        "ci_low": "95% low", "ci_high": "95% high"}


def test_default_chart_labels_are_today_s():
    agency = pl.DataFrame({"agency_id": ["A1"], "role": ["CM"], "caseload": [60], "capacity": [50.0],
                           "utilization": [1.2]})
    bars = charts.utilization_bars(agency, {}, DEFAULTS)
    assert bars.layout.shapes[0].x0 == 1.0 and bars.data[-1].name == "standard (100%)"
    status = pl.DataFrame({"agency_id": ["A1", "A2"], "next_due_on": [dt.date(2026, 5, 1), dt.date(2027, 1, 1)],
                           "status": ["due_soon", "current"], "days_until_due": [31, 276]})
    assert [t.name for t in charts.due_dates(status, AS_OF, {}, "t", DEFAULTS).data] == ["Due within 90 days",
                                                                                         "Current"]
    rates = pl.DataFrame({"label": ["A1"], "adherence": [0.5], "ci_low": [0.3], "ci_high": [0.7]})
    assert charts.rate_with_intervals(rates, "label", "adherence", "t", "x", rules=DEFAULTS).data[0].name == (
        "rate (95% interval)")


# ---------------------------------------------------------------------------
# With a deployment's settings, the words follow


def test_a_settings_file_changes_the_words(overridden):
    rules = load_settings(overridden)
    assert rules.contact_requirements[2] == ContactRequirement(("CM",), "client_contact", 10, "client", "")
    assert adherence.contact_rules(rules) == (
        "Client contact: weekly for RSC, every 10 days for CM. RST meetings: every 30 days for RSC, every 60 days "
        "for CM."
    )
    assert adherence.axis_title(rules) == "periods met (90% interval)"
    status = pl.DataFrame({"status": ["due_soon"]})
    assert [m.label for m in monitoring.status_counts(status, rules)] == [
        "Overdue for a monitoring visit", "Due within 60 days", "Current"]
    assert monitoring.reviews_due(pl.DataFrame({"review_due": [True]}), rules).label == (
        "Programs due for their biennial review")
    assert first_contact.groups(rules) == {False: "Non-emergency (48-hour standard)",
                                           True: "Emergency (1-hour standard)"}
    assert first_contact.standard_hours(False, rules) == 48.0
    assert first_contact.assignment_title(rules) == "Assignment within two business days"
    assert deadlines.listed_title(rules) == "Late and due within 14 days, by program"
    assert labels.deadline_words(rules)["due_soon"] == "Due within 14 days"
    assert labels.orientation_words(rules)["not_met"] == "Not met: under 12 hours"
    assert labels.band_words(rules) == {"over": "Over standard", "at": "At standard (75–110%)",
                                        "under": "Under 75%"}
    assert {name: column.label for name, column in labels.interval_columns(rules).items()} == {
        "ci_low": "90% low", "ci_high": "90% high"}


def test_a_changed_setting_changes_the_charts():
    rules = replace(DEFAULTS, band_over_above=1.1, band_at_lower=0.75, monitoring_due_soon_days=60,
                    confidence_level=0.9)
    agency = pl.DataFrame({"agency_id": ["A1"], "role": ["CM"], "caseload": [60], "capacity": [50.0],
                           "utilization": [1.2]})
    bars = charts.utilization_bars(agency, {}, rules)
    assert bars.layout.shapes[0].x0 == 1.1 and bars.data[-1].name == "standard (110%)"
    staff = pl.DataFrame({"agency_id": ["A1", "A1"], "band": ["at", "under"]})
    assert [t.name for t in charts.band_counts(staff, {}, rules).data] == ["At standard (75–110%)", "Under 75%"]
    status = pl.DataFrame({"agency_id": ["A1"], "next_due_on": [dt.date(2026, 5, 1)], "status": ["due_soon"],
                           "days_until_due": [31]})
    assert [t.name for t in charts.due_dates(status, AS_OF, {}, "t", rules).data] == ["Due within 60 days"]
    rates = pl.DataFrame({"label": ["A1"], "adherence": [0.5], "ci_low": [0.3], "ci_high": [0.7]})
    assert charts.rate_with_intervals(rates, "label", "adherence", "t", "x", rules=rules).data[0].name == (
        "rate (90% interval)")


def test_one_changed_rule_is_worded_on_its_own():
    rules = replace(DEFAULTS, contact_requirements=(
        ContactRequirement(("RSC-I",), "client_contact", 7, "client", ""),
        ContactRequirement(("RSC-F",), "client_contact", 14, "client", ""),
        ContactRequirement(("CM",), "client_contact", 14, "client", ""),
    ))
    assert adherence.contact_rules(rules) == (
        "Client contact: weekly for RSC-I, every 14 days for RSC-F, every 14 days for CM.")


# ---------------------------------------------------------------------------
# The pages, served with such a file


@pytest.fixture
def overridden_app(demo_extract, cache, monkeypatch, overridden) -> AppTest:  # noqa: F811
    monkeypatch.setenv("OVERSIGHT_EXTRACT", str(demo_extract))
    monkeypatch.setenv("OVERSIGHT_SETTINGS", str(overridden))
    settings.cache_clear()
    yield AppTest.from_file(APP, default_timeout=60)
    monkeypatch.delenv("OVERSIGHT_SETTINGS")
    settings.cache_clear()


def test_the_pages_say_what_the_settings_file_says(overridden_app):
    at = visit(overridden_app, "app_pages/adherence.py")
    (caption,) = [c.value for c in at.caption if c.value.startswith("Client contact:")]
    assert caption.startswith(
        "Client contact: weekly for RSC, every 10 days for CM. RST meetings: every 30 days for RSC, every 60 days "
        "for CM. Complete periods up to ")
    assert "every 14 days" not in caption

    at.switch_page("app_pages/monitoring.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    metric_labels = [m.label for m in at.metric]
    assert "Due within 60 days" in metric_labels and "Due within 90 days" not in metric_labels
    assert "Programs due for their biennial review" in metric_labels

    at.switch_page("app_pages/first_contact.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.segmented_control(key="first_contact_group").options == ["Non-emergency (48-hour standard)",
                                                                       "Emergency (1-hour standard)"]
    assert "Assignment within two business days" in [s.value for s in at.subheader]


def test_the_registry_words_its_headlines_from_the_settings(overridden):
    from metrics.measures.measure import worded
    from metrics.measures.registry import HEADLINE_BY_KEY

    rules = load_settings(overridden)
    words = {key: (worded(HEADLINE_BY_KEY[key].label, rules), worded(HEADLINE_BY_KEY[key].help, rules))
             for key in ("reached_24h", "reached_30min", "client_contact")}
    assert words["reached_24h"] == (
        "Referrals reached within 48 hours", "Non-emergency referrals whose first contact came within 48 hours.")
    assert words["reached_30min"][0] == "Emergencies reached within 1 hour"
    assert words["client_contact"][1] == "Client-contact periods met: weekly for RSC, every 10 days for CM."
    assert worded(HEADLINE_BY_KEY["reached_30min"].label, DEFAULTS) == "Emergencies reached within 30 minutes"
    assert worded(HEADLINE_BY_KEY["rst_meeting"].help, DEFAULTS) == (
        "RST-meeting periods met: every 30 days for RSC, every 90 days for CM.")
