"""The data-quality page's catalogue sections: what each check found, per agency, as shown."""

from __future__ import annotations

import polars as pl

from metrics.extract.checks import CHECKS_BY_ID
from metrics.policy.settings import Settings
from metrics.report.views.data_quality import checks_by_agency, checks_table

# Two rows of contacts flagged twice each is still two rows; a malformed line names no agency.
FOUND = pl.DataFrame({
    "check": ["malformed_line", "duplicate_contact", "duplicate_contact", "duplicate_contact"],
    "severity": ["rejected", "warning", "warning", "warning"],
    "table": ["contacts", "contacts", "contacts", "contacts"],
    "line": [7, 12, 12, 30],
    "agency_id": [None, "A1", "A1", "A2"],
})


def test_each_check_that_found_rows_in_the_catalogues_order_with_its_rows_and_agencies():
    shown = checks_table(FOUND, Settings(), public=False)
    assert shown.select("check", "severity", "rows", "agencies").rows() == [
        ("malformed_line", "rejected", 1, 0),
        ("duplicate_contact", "warning", 2, 2),  # lines 12 and 30, of A1 and A2
    ]
    assert shown["guidance"].to_list() == [CHECKS_BY_ID["malformed_line"].guidance,
                                           CHECKS_BY_ID["duplicate_contact"].guidance]


def test_while_presenting_a_small_count_of_rows_is_hidden():
    shown = checks_table(FOUND, Settings(), public=True)
    assert shown["rows"].to_list() == ["<11", "<11"]


def test_per_agency_by_name_and_rows_naming_none_said_so():
    counts = pl.DataFrame({"agency_id": ["A1", None], "check": ["duplicate_contact", "malformed_line"],
                           "severity": ["warning", "rejected"], "rows": [12, 1]})
    shown = checks_by_agency(counts, {"A1": "Alpha Recovery"}, Settings(), public=True)
    assert shown.select("agency", "rows").rows() == [("Alpha Recovery", "12"), ("(no agency)", "<11")]
    assert shown["rule"][0] == CHECKS_BY_ID["duplicate_contact"].rule_text(Settings())
