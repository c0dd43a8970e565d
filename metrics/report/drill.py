"""Drill-through: the agency a point clicked on a chart stands for, so that the page can narrow
to it. Plain data: the dashboard passes the point as Streamlit reports a selection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from metrics.report.views import LABEL_SEPARATOR


def agency_of_point(point: Mapping[str, Any], trace_names: Sequence[str | None],
                    agency_names: Mapping[str, str]) -> str | None:
    """The agency id of a clicked point, or None when it stands for no single agency (a month, a
    limit line). A point names its agency as a category of its axis (a bar or dot per agency, or
    per "agency · level") or as the name of its trace (a line or marker per agency, named in
    the legend). ``agency_names`` maps each agency id to the name charts show."""
    ids = {name: agency for agency, name in agency_names.items()}
    curve = point.get("curve_number")
    trace = trace_names[curve] if isinstance(curve, int) and 0 <= curve < len(trace_names) else None
    for candidate in (point.get("y"), point.get("x"), trace):
        if isinstance(candidate, str):
            name = candidate.split(LABEL_SEPARATOR)[0]
            if name in ids:
                return ids[name]
    return None
