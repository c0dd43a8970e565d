"""The line at the top of every page that says what its figures are of: report date, counting
window, oversight, agencies, service levels and presentation mode."""

from __future__ import annotations

import polars as pl

from metrics.policy.filters import Filters
from metrics.policy.window import Window


def context_line(filters: Filters, window: Window, oversights: list[str], agency_names: dict[str, str],
                 public: bool) -> str:
    """One line naming the view, e.g. "Report date 31 Oct 2026 · counting all dates · BHD and DCTS ·
    all agencies · all service levels"; ``filters`` count over ``window``."""
    if filters.agencies is None:
        agencies = "all agencies"
    elif len(filters.agencies) <= 3:
        agencies = ", ".join(agency_names.get(agency, agency) for agency in filters.agencies)
    else:
        agencies = f"{len(filters.agencies)} agencies"
    levels = "all service levels" if filters.service_levels is None else ", ".join(filters.service_levels)
    parts = [f"Report date {filters.as_of:%d %b %Y}", f"counting {window.describe(filters)}",
             " and ".join(oversights), agencies, levels]
    if public:
        parts.append("presentation mode: small numbers suppressed")
    return " · ".join(parts)

def selected_oversights(agencies: pl.DataFrame, filters: Filters) -> frozenset[str]:
    """The oversights of the agencies the filters keep (``agencies``: the extract's, with ``oversight``)."""
    kept = agencies if filters.agencies is None else agencies.filter(pl.col("agency_id").is_in(list(filters.agencies)))
    return frozenset(kept["oversight"].to_list())
