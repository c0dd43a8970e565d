"""Care-plan (SCCP) events of the enrolled episodes: a preliminary plan, a final one (some late,
a few missing) and reviews about monthly with some gaps; the care_plans table."""

from __future__ import annotations

import numpy as np
import polars as pl

from metrics.demo.columns import dates, table_frame
from metrics.demo.common import NONE, SETTINGS
from metrics.demo.episodes import Episodes, Units


def _care_plans(units: Units, episodes: Episodes, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """SCCP events as (episode, day, kind, safety plan: 1, 0 or NONE), in order of day."""
    enrolled = np.flatnonzero(units.enrolled[episodes.unit] != NONE)
    first = units.enrolled[episodes.unit[enrolled]]
    last = units.stay_end[episodes.unit[enrolled]]
    n = enrolled.size
    final_days = SETTINGS.sccp_final_days

    preliminary = first + rng.integers(0, 6, n)
    late = rng.random(n) < 0.15
    final = first + np.where(late, rng.integers(final_days + 1, 61, n), rng.integers(7, final_days + 1, n))
    has_final = (rng.random(n) >= 0.04) & (final <= last)
    # Reviews follow the final plan about monthly, with some gaps.
    starts = np.flatnonzero(has_final)
    count = (last[starts] - final[starts]) // 21
    owner = np.repeat(starts, count)
    draw = rng.random(owner.size)
    review_days = SETTINGS.sccp_review_days
    gap = np.where(draw < 0.8, rng.integers(21, review_days + 1, owner.size),
                   np.where(draw < 0.92, rng.integers(review_days + 1, 46, owner.size),
                            rng.integers(46, 81, owner.size)))
    # Days since the final plan: the running sum of the gaps, restarted for every episode.
    total = np.concatenate([[0], np.cumsum(gap)])
    review = final[owner] + total[1:] - np.repeat(total[np.cumsum(count) - count], count)
    on_time = review <= last[owner]

    kept_preliminary = preliminary <= last
    episode = np.concatenate([enrolled[kept_preliminary], enrolled[has_final], enrolled[owner[on_time]]])
    day = np.concatenate([preliminary[kept_preliminary], final[has_final], review[on_time]])
    kind = np.concatenate([np.zeros(kept_preliminary.sum(), np.int64), np.ones(has_final.sum(), np.int64),
                           np.full(on_time.sum(), 2)])
    draw = rng.random(day.size)
    safety = np.where(draw < 0.03, NONE, (draw < np.where(kind == 0, 0.85, 0.93)).astype(np.int64))
    order = np.lexsort((episode, day))
    return episode[order], day[order], kind[order], safety[order]


def care_plans_frame(units: Units, episodes: Episodes, episode_ids: pl.Series,
                     rng: np.random.Generator) -> pl.DataFrame:
    episode, day, kind, safety = _care_plans(units, episodes, rng)
    return table_frame("care_plans", {
        "episode_id": episode_ids.gather(episode),
        "plan_kind": pl.Series(["preliminary", "final", "review"]).gather(kind),
        "completed_on": dates(day),
        "safety_plan": pl.Series(np.ma.masked_array(safety == 1, safety == NONE), dtype=pl.Boolean),
    })
