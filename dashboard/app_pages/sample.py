"""The annual documentation oversight's 20% sample of one program, and the materials to request."""

import secrets
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard.auth import session_access
from dashboard.components import table, table_with_definition
from dashboard.data import database_key, provides
from dashboard.presenting import presenting
from dashboard.state import agency_labels, current_filters, visible_agencies
from metrics.measures.sample import ALGORITHM, documentation_sample, materials
from metrics.policy.filters import Filters
from metrics.policy.settings import settings
from metrics.store import db


@st.cache_data(max_entries=64, show_spinner=False)
def drawn_sample(database: str, agency_id: str, review_year: int, seed: int, filters: Filters):
    return documentation_sample(db.connect_database(Path(database)), agency_id, review_year, seed, filters)


filters = current_filters()
database = database_key()
labels = agency_labels()
fraction = settings().documentation_sample_fraction

st.title("Documentation sample")
st.caption(
    f"Draw the {fraction:.0%} sample of a CRS program's participants for its annual documentation review, "
    "and list the materials to request."
)

if presenting():
    st.info("The sample lists participants one by one: it is not shown while presenting.")
    st.stop()

if not provides(database, "crs_enrollments"):
    st.warning("This extract does not provide CRS enrollments: there is no population to sample from.")
    st.stop()

programs = visible_agencies(session_access()).filter(pl.col("oversight") == "DCTS")
if filters.agencies is not None:
    programs = programs.filter(pl.col("agency_id").is_in(list(filters.agencies)))
if programs.is_empty():
    st.info("No DCTS program matches these filters.")
    st.stop()

# A fresh seed per session, so that programs cannot predict the draw; it is shown and can be typed back in.
st.session_state.setdefault("sample_seed", secrets.randbelow(1_000_000))
program_box, year_box, seed_box = st.columns([2, 1, 1])
agency_id = program_box.selectbox(
    "Program", programs["agency_id"].to_list(), format_func=lambda a: labels.get(a, a), key="sample_program"
)
review_year = year_box.number_input(
    "Review year", min_value=2000, max_value=2100, value=filters.as_of.year, step=1, key="sample_year"
)
seed = seed_box.number_input(
    "Seed",
    min_value=0,
    max_value=2**32 - 1,
    step=1,
    key="sample_seed",
    help="Record the seed with the sample: the same seed draws the same participants.",
)

sample = drawn_sample(database, agency_id, int(review_year), int(seed), filters)
population, drawn = sample.population_size, sample.sample_size
left, middle, right = st.columns(3)
left.metric("Participants in the population", population, border=True)
middle.metric(f"Sampled ({fraction:.0%}, rounded up)", drawn, border=True)
right.metric("Seed", int(seed), border=True)
st.markdown(
    f"**How this sample was drawn.** {labels.get(agency_id, agency_id)}, review year {int(review_year)}: "
    f"participants enrolled or discharged from {sample.window_start:%d %B %Y} to {sample.window_end:%d %B %Y} "
    f"({sample.window_basis}). Algorithm: `{ALGORITHM}`, seed **{int(seed)}**. "
    f"From a shell: `oversight sample --extract EXTRACT --agency {agency_id} --year {int(review_year)} "
    f"--seed {int(seed)} --out sample.csv`."
)
if not population:
    st.info("Nobody was enrolled or discharged in this window: there is nobody to sample.")
    st.stop()

st.subheader("Participants drawn, in draw order")
table_with_definition(
    "documentation-sample",
    sample.drawn.with_columns(pl.lit(int(seed)).alias("seed")).select(
        "draw", "client_id", "enrolled_on", "recertified_on", "discharged_on", "agency_id", "seed"
    ),
    f"documentation_sample_{agency_id}_{int(review_year)}.csv",
    column_config={
        "draw": "Drawn",
        "client_id": "Participant",
        "enrolled_on": "Enrolled",
        "recertified_on": "Recertified",
        "discharged_on": "Discharged in the window",
        "agency_id": "Program id",
        "seed": "Seed",
    },
)
st.subheader("Materials to request, one row per participant and material")
table(
    materials(sample.drawn)
    .with_columns(pl.lit(int(seed)).alias("seed"))
    .select("draw", "client_id", "material", "discharged_on", "agency_id", "seed"),
    f"sample_materials_{agency_id}_{int(review_year)}.csv",
    column_config={
        "draw": "Drawn",
        "agency_id": "Program id",
        "client_id": "Participant",
        "discharged_on": "Discharged",
        "material": "Material",
        "seed": "Seed",
    },
)
with st.expander(f"The population the sample was drawn from ({population} participants, in sort order)"):
    table(
        sample.population.with_row_index("position"),
        f"sample_population_{agency_id}_{int(review_year)}.csv",
        column_config={
            "position": "Position",
            "agency_id": "Program id",
            "client_id": "Participant",
            "enrolled_on": "Enrolled",
            "recertified_on": "Recertified",
            "discharged_on": "Discharged",
            "discharged": "Discharged in window",
        },
    )
