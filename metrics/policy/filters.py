"""The filters a manager sets, and the bound parameters they become in every query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """What to count.

    ``as_of`` is the report date D: the extract is read as if taken at the end of D.
    ``agencies`` and ``service_levels`` narrow the rows (None means all).
    ``period_start``/``period_end`` narrow what is counted in a window: referrals made,
    contact periods ending, plans issued and month ends of trends within it (inclusive);
    None on either side leaves it open. Snapshot measures (caseload on D, monitoring
    status on D) are taken on D whatever the window.
    """

    as_of: dt.date
    agencies: tuple[str, ...] | None = None
    service_levels: tuple[str, ...] | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    def params(self) -> dict[str, object]:
        """The parameters every query accepts: $as_of, $agencies, $service_levels, $period_start, $period_end."""
        return {
            "as_of": self.as_of,
            "agencies": list(self.agencies) if self.agencies is not None else None,
            "service_levels": list(self.service_levels) if self.service_levels is not None else None,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }
