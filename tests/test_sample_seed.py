"""The documentation sample holds still: the same program and review year propose the same seed
on every visit of an extract, one a program cannot know in advance."""

from __future__ import annotations

from metrics.measures.sample import SEEDS, proposed_seed
from tests.test_app import APP, app, demo_extract, visit  # noqa: F401 - shared fixtures


def test_the_proposed_seed_depends_on_the_extract_the_program_and_the_year():
    seed = proposed_seed("size:mtime:inode", "CRS01", 2026)
    assert seed == proposed_seed("size:mtime:inode", "CRS01", 2026)
    assert 0 <= seed < SEEDS
    others = {proposed_seed("size:mtime:inode2", "CRS01", 2026), proposed_seed("size:mtime:inode", "CRS02", 2026),
              proposed_seed("size:mtime:inode", "CRS01", 2025)}
    assert seed not in others and len(others) == 3


def seed_and_drawn(at) -> tuple[float, dict]:
    visit(at, "app_pages/sample.py")
    seed = next(box.value for box in at.number_input if box.label == "Seed")
    return seed, at.dataframe[0].value.to_dict("list")


def test_two_visits_propose_the_same_sample(app):  # noqa: F811
    from streamlit.testing.v1 import AppTest

    first = seed_and_drawn(app)
    again = seed_and_drawn(AppTest.from_file(APP, default_timeout=60))
    assert first == again and first[1], first
