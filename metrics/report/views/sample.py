"""The sample page: the documentation oversight's sample of one program, and the materials to request."""

from __future__ import annotations

import polars as pl

from metrics.measures.sample import ALGORITHM, Sample, materials
from metrics.policy import wording
from metrics.policy.settings import Settings, settings
from metrics.report.views import Metric


def _fraction(rules: Settings | None) -> str:
    return wording.percent((rules or settings()).documentation_sample_fraction)


def caption(rules: Settings | None = None) -> str:
    rules = rules or settings()
    return (
        f"Draw the {_fraction(rules)} sample of a CRS program's participants for its "
        f"{wording.every_months(rules.documentation_interval_months)} documentation review, "
        "and list the materials to request."
    )


def programs(visible: pl.DataFrame, agencies: tuple[str, ...] | None) -> pl.DataFrame:
    """The DCTS programs a visitor may choose: those visible, within the agencies filtered."""
    listed = visible.filter(pl.col("oversight") == "DCTS")
    return listed if agencies is None else listed.filter(pl.col("agency_id").is_in(list(agencies)))


def headlines(sample: Sample, seed: int, rules: Settings | None = None) -> list[Metric]:
    """The population, the sample drawn from it, and the seed."""
    return [
        Metric("Participants in the population", sample.population_size),
        Metric(f"Sampled ({_fraction(rules)}, rounded up)", sample.sample_size),
        Metric("Seed", seed),
    ]


def how_drawn(sample: Sample, program: str, agency_id: str, review_year: int, seed: int) -> str:
    """How the sample was drawn, and the command that draws it again."""
    return (
        f"**How this sample was drawn.** {program}, review year {review_year}: "
        f"participants enrolled or discharged from {sample.window_start:%d %B %Y} to {sample.window_end:%d %B %Y} "
        f"({sample.window_basis}). Algorithm: `{ALGORITHM}`, seed **{seed}**. "
        f"From a shell: `oversight sample --extract EXTRACT --agency {agency_id} --year {review_year} "
        f"--seed {seed} --out sample.csv`."
    )


def against_the_record(sample: Sample, status: pl.DataFrame) -> tuple[bool, str] | None:
    """How the population counted here compares with the one the review record gives (the
    Monitoring page's documentation table, ``documentation_status``): (agree, what to say), or
    None when no review of this program and year is recorded."""
    recorded = status.filter((pl.col("agency_id") == sample.agency_id) & (pl.col("review_year") == sample.review_year))
    if recorded.is_empty() or recorded["population_size"].item() is None:
        return None
    population, size = recorded["population_size"].item(), recorded["sample_size"].item()
    sampled = "" if size is None else f" and a sample of {size}"
    if population == sample.population_size and size in (None, sample.sample_size):
        return True, (f"The review record on the Monitoring page gives the same population ({population}"
                      f"{sampled}).")
    return False, (
        f"The review record on the Monitoring page gives a population of {population}{sampled}; the "
        f"enrollments in this extract give {sample.population_size} and a sample of {sample.sample_size}. "
        "The record is the count made when the materials were requested; the count here follows the rule "
        "below, from the extract's `crs_enrollments`. Enrollments missing from the extract or rejected when "
        "it was loaded (see Data quality), recorded after the request, or counted by another rule make "
        "the two differ."
    )


def drawn_table(sample: Sample, seed: int) -> pl.DataFrame:
    return sample.drawn.with_columns(pl.lit(seed).alias("seed")).select(
        "draw", "client_id", "enrolled_on", "recertified_on", "discharged_on", "agency_id", "seed"
    )


def materials_table(sample: Sample, seed: int) -> pl.DataFrame:
    return (
        materials(sample.drawn)
        .with_columns(pl.lit(seed).alias("seed"))
        .select("draw", "client_id", "material", "discharged_on", "agency_id", "seed")
    )


def population_title(sample: Sample) -> str:
    return f"The population the sample was drawn from ({sample.population_size} participants, in sort order)"


def population_table(sample: Sample) -> pl.DataFrame:
    return sample.population.with_row_index("position")
