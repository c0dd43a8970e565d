"""The documentation oversight's sample of one program's participants, and the materials to request."""

import streamlit as st

import metrics.report.views.sample as view
from dashboard.auth import session_access
from dashboard.components import metric_row, table, table_with_definition
from dashboard.data import database_key, drawn_sample, extract_info, measure, provides
from dashboard.presenting import presenting
from dashboard.state import agency_labels, current_filters, visible_agencies
from metrics.measures.sample import proposed_seed
from metrics.report.labels import columns

filters = current_filters()
database = database_key()
labels = agency_labels()

st.title("Documentation sample")
st.caption(view.caption())

if presenting():
    st.info("The sample lists participants one by one: it is not shown while presenting.")
    st.stop()

if not provides(database, "crs_enrollments"):
    st.warning("This extract does not provide CRS enrollments: there is no population to sample from.")
    st.stop()

programs = view.programs(visible_agencies(session_access()), filters.agencies)
if programs.is_empty():
    st.info("No DCTS program matches these filters.")
    st.stop()

program_box, year_box, seed_box = st.columns([2, 1, 1])
agency_id = program_box.selectbox(
    "Program", programs["agency_id"].to_list(), format_func=lambda a: labels.get(a, a), key="sample_program"
)
review_year = int(
    year_box.number_input(
        "Review year", min_value=2000, max_value=2100, value=filters.as_of.year, step=1, key="sample_year"
    )
)
# The same program and year propose the same seed on every visit (keyed on them); a typed seed
# is kept for that program and year.
seed = int(
    seed_box.number_input(
        "Seed",
        min_value=0,
        max_value=2**32 - 1,
        value=proposed_seed(extract_info(database)["fingerprint"], agency_id, review_year),
        step=1,
        key=f"sample_seed_{agency_id}_{review_year}",
        help="Record the seed with the sample: the same seed draws the same participants.",
    )
)

sample = drawn_sample(database, agency_id, review_year, seed, filters)
metric_row(view.headlines(sample, seed))
if provides(database, "documentation_reviews"):
    compared = view.against_the_record(sample, measure("documentation_status", database, filters))
    if compared is not None:
        agree, words = compared
        if agree:
            st.caption(words)
        else:
            st.warning(words, icon=":material/difference:")
st.markdown(view.how_drawn(sample, labels.get(agency_id, agency_id), agency_id, review_year, seed))
if not sample.population_size:
    st.info("Nobody was enrolled or discharged in this window: there is nobody to sample.")
    st.stop()

st.subheader("Participants drawn, in draw order")
table_with_definition(
    "documentation-sample",
    view.drawn_table(sample, seed),
    f"documentation_sample_{agency_id}_{review_year}.csv",
    column_config=columns("documentation_sample"),
)
st.subheader("Materials to request, one row per participant and material")
table(
    view.materials_table(sample, seed),
    f"sample_materials_{agency_id}_{review_year}.csv",
    column_config=columns("sample_materials"),
    definition="documentation-sample",
)
with st.expander(view.population_title(sample)):
    table(
        view.population_table(sample),
        f"sample_population_{agency_id}_{review_year}.csv",
        column_config=columns("sample_population"),
        definition="documentation-sample",
    )
