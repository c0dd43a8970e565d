"""The root causes of rejected rows, rows accepted and rejected per table, the reasons, the rows with a
warning, what each check of the catalogue found, the reports to send back, and the extract's date."""

import streamlit as st

import metrics.report.views.changes as changes_view
import metrics.report.views.data_quality as view
from dashboard.auth import session_access
from dashboard.components import XLSX, download, metric_row, report_dated, table, table_with_definition
from dashboard.data import (
    check_counts,
    check_findings,
    database_key,
    date_range,
    empty_core_tables,
    extract_changes,
    extract_dir,
    extract_info,
    extracts_folder,
    load_summary,
    previous_extract,
    rejects,
    reports_to_send_back,
    root_causes,
    rows_with_warnings,
)
from dashboard.presenting import as_shown, presenting
from dashboard.state import agency_labels
from metrics.extract.extracts import Building, Failed, Served
from metrics.policy.settings import settings
from metrics.report.agency_reports import report_file_names, report_summary, report_workbook
from metrics.report.labels import columns

# Four lines of text a row in the root causes table.
CAUSE_ROW_HEIGHT = 88

st.title("Data quality")
if not session_access().sees_everything:
    # Rejected rows cannot always be traced to an agency (a malformed line names none), and the
    # counts cover every agency of the extract: both are for those who may see them all.
    st.info("The checks of the extract cover every agency, so they are shown only to users who may see all of them.")
    st.stop()

database = database_key()
summary = load_summary(database)
rejected = rejects(database)
causes = root_causes(database)
warned = rows_with_warnings(database)
first, taken = date_range(database)
st.caption(view.caption(extract_dir().name, extract_info(database), first, taken))

figures = as_shown(view.linked(summary, rejected, causes))
metric_row(view.headlines(figures, summary))

empty = empty_core_tables(database)
if empty:
    st.error(view.empty_tables_error(empty), icon=":material/block:")

if not causes.is_empty():
    st.subheader("Root causes")
    st.caption(view.causes_caption(causes))
    # Causes and the measures they leave out are sentences: they wrap over a few lines.
    labels = columns("root_causes")
    widths = {"cause": 300, "agencies": 125, "measures": 270, "tables": 175}
    table(
        view.root_causes_table(figures, causes, agency_labels(), presenting()),
        "root_causes.csv",
        column_config={**labels, **{name: st.column_config.TextColumn(labels[name], width=width)
                                    for name, width in widths.items()}},
        definition="data-quality",
        row_height=CAUSE_ROW_HEIGHT,
    )

st.subheader("Per table")
table_with_definition(
    "data-quality", view.tables_table(figures, summary), "load_summary.csv", column_config=columns("load_summary")
)

st.subheader("Why rows were rejected")
if rejected.is_empty():
    st.success("Every row of the extract was accepted.")
else:
    table(
        view.reasons_table(figures, presenting()),
        "rejected_reasons.csv",
        column_config=columns("rejected_reasons"),
        definition="data-quality",
    )
    st.subheader("Every rejected row")
    if presenting():
        st.info("The rejected rows hold the extract's own values: they are not shown while presenting.")
    else:
        table(view.rejected_rows(rejected), "rejected_rows.csv", column_config=columns("rejected_rows"),
              definition="data-quality")

st.subheader("Rows dated after the extract was taken")
if warned.is_empty():
    st.success(f"Nothing in the extract is dated after {taken:%d %B %Y}.")
elif presenting():
    st.info(view.warned_note(warned))
else:
    st.caption("These rows are kept, but their dates come after the day the extract was taken: what they "
               "record cannot have happened yet. Check them with the data supplier.")
    table(warned, "warnings.csv", column_config=columns("warnings"), definition="data-quality")

st.subheader("What each check found")
found = check_findings(database, settings())
if found.is_empty():
    st.success("No check of the catalogue found anything.")
else:
    st.caption("The catalogue of checks: the contract's rejections and the warnings about accepted rows that "
               "look wrong, each with its rule and what the data supplier should do.")
    # Rules and guidance are sentences: they wrap, so that the counts stay in view.
    labels = columns("checks")
    table(view.checks_table(found, settings(), presenting()), "checks.csv",
          column_config={**labels, **{name: st.column_config.TextColumn(labels[name], width=300)
                                      for name in ("rule", "guidance")}},
          definition="data-quality", row_height=CAUSE_ROW_HEIGHT)
    st.subheader("By agency")
    labels = columns("checks_by_agency")
    table(view.checks_by_agency(check_counts(database, settings()), agency_labels(), settings(), presenting()),
          "checks_by_agency.csv",
          column_config={**labels, "rule": st.column_config.TextColumn(labels["rule"], width=520)},
          definition="data-quality", row_height=CAUSE_ROW_HEIGHT)

st.subheader("Since the previous extract")


@st.fragment(run_every=1)
def _previous_being_built() -> None:
    """Its progress, until it is built: then the whole page again, with the comparison."""
    now = previous_extract()
    if not isinstance(now, Building):
        st.rerun(scope="app")
    st.progress(now.fraction, text=f"{now.words()} It is the extract before this one, to compare it with.")


previous = previous_extract()
if isinstance(previous, Served):
    changes = extract_changes(str(previous.database), database, settings())
    names = agency_labels()
    st.caption(changes_view.caption(changes, previous.name))
    (st.success if changes.unchanged else st.info)(changes_view.summary_text(changes))
    st.markdown("**Accepted rows per table**")
    table(changes_view.rows_by_table(changes, presenting()), "rows_by_table.csv",
          column_config=changes_view.columns("rows_by_table", presenting()), definition="since-the-previous-extract")
    st.markdown("**Rows found by each check**")
    table(changes_view.checks(changes, settings(), presenting()), "checks_changed.csv",
          column_config=changes_view.columns("checks", presenting()), definition="since-the-previous-extract",
          row_height=CAUSE_ROW_HEIGHT)
    if presenting():
        st.info("By agency, the rows add up to the figures above and would give hidden ones back: not shown while "
                "presenting.")
    else:
        st.markdown("**By agency, where they changed**")
        table(changes_view.rows_by_agency(changes, names), "rows_by_agency.csv",
              column_config=changes_view.columns("rows_by_agency", False), definition="since-the-previous-extract")
        table(changes_view.checks_by_agency(changes, names, settings()), "checks_by_agency_changed.csv",
              column_config=changes_view.columns("checks_by_agency", False), definition="since-the-previous-extract")
    st.markdown("**Figures of past months that moved**")
    if changes.figures.is_empty():
        st.success("No figure of the months compared moved.")
    else:
        table(changes_view.figures(changes, names, settings(), presenting()), "figures_changed.csv",
              column_config=changes_view.columns("figures_changed", presenting()),
              definition="since-the-previous-extract")
elif isinstance(previous, Building):
    _previous_being_built()
elif isinstance(previous, Failed):
    st.warning(f"{previous.words()}: there is nothing to compare this extract with.", icon=":material/sync_problem:")
else:
    st.info(changes_view.no_previous_text(extracts_folder() is not None))

st.subheader("Reports to send back")
if presenting():
    st.info("The reports hold the extract's own values: they are not offered while presenting.")
else:
    reports = reports_to_send_back(database, settings())
    names = agency_labels()
    chosen = st.selectbox(
        "Agency", list(reports), format_func=lambda agency: "Rows naming no agency" if agency is None
        else names.get(agency, agency), key="report_agency")
    count = reports[chosen].height
    st.caption(f"{count:,} row{'' if count == 1 else 's'}: its rejected rows and warnings, each with the check's "
               "rule and what to do; the workbook counts them per check on its first sheet. "
               "`oversight validate --by-agency DIR [--report-format xlsx]` writes every agency's.")
    counted = report_summary(check_counts(database, settings()), chosen, settings())
    # Side by side, wrapping onto two lines when the page is narrow.
    with st.container(horizontal=True):
        download(reports[chosen], report_file_names(list(reports))[chosen], "Download its report (CSV)",
                 definition="data-quality")
        st.download_button(
            "Download its report (Excel)",
            report_workbook(counted, reports[chosen]),
            file_name=report_dated(report_file_names(list(reports), "xlsx")[chosen]),
            mime=XLSX,
            on_click="ignore",
            icon=":material/table_view:",
            key="agency_report_xlsx",
        )
