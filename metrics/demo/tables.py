"""Every table of the extract as a frame, in the contract's column order, from one seed and scale."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from metrics.demo.agencies import agencies_frame, draw_county
from metrics.demo.assignments import assignments_frame, carry
from metrics.demo.care_plans import care_plans_frame
from metrics.demo.contacts import contacts_frame
from metrics.demo.dcts import dcts_frames, draw_oversight
from metrics.demo.episodes import clients_frame, draw_referrals, episodes_frame, episodes_of
from metrics.demo.staff import draw_staff, staff_frame

# Independent random streams, so that changing one part of the county leaves the others as they were.
STREAMS = ("county", "staff", "referrals", "carry", "activity", "oversight")


def demo_tables(seed: int, scale: float) -> dict[str, pl.DataFrame]:
    """The good rows of every table, by table name."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    rng = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS)), strict=True))
    replicas = math.ceil(math.sqrt(scale))
    county, shifts = draw_county(replicas, rng["county"])
    staff = draw_staff(county, scale, replicas, rng["staff"])
    units = draw_referrals(county, scale, replicas, rng["referrals"])
    carried = carry(units, staff, rng["carry"])
    episodes = episodes_of(units)
    oversight = draw_oversight(county, shifts, staff, rng["oversight"])

    agencies = agencies_frame(county)
    agency_ids = agencies["agency_id"]
    tables = {"agencies": agencies, "staff": staff_frame(staff, agency_ids)}
    staff_ids = tables["staff"]["staff_id"]
    # The activity stream is drawn by the clients, the contacts and the care plans, in this order.
    crs_years = np.array([row[1].year for row in oversight.enrollments], np.int64)
    clients = tables["clients"] = clients_frame(units, episodes, crs_years, rng["activity"])
    tables["episodes"] = episodes_frame(units, episodes, agency_ids, clients["client_id"])
    episode_ids = tables["episodes"]["episode_id"]
    tables["assignments"] = assignments_frame(carried, units, episodes, episode_ids, staff_ids)
    tables["contacts"] = contacts_frame(units, episodes, carried, county, episode_ids, staff_ids, rng["activity"])
    tables["care_plans"] = care_plans_frame(units, episodes, episode_ids, rng["activity"])
    tables.update(dcts_frames(oversight, clients["client_id"].tail(len(oversight.enrollments)), staff_ids))
    return tables
