"""A view in a link: the shared filters as query parameters, and read back from them.

A dashboard address carries what the sidebar shows, so that a link opens the same view::

    /adherence?as_of=2026-06-30&window=quarter&oversight=BHD&agencies=RSA01,RSA02&levels=CM&present=1
    /adherence?as_of=2026-06-30&from=2026-01-01&to=2026-03-31

``window`` is a counting window that moves with the report date (``quarter``, ``year``, ``all``;
``metrics.policy.window``) or ``dates``, the dates ``from`` and ``to`` chosen (given alone, they
imply it). ``as_of``, ``from`` and ``to`` are dates (YYYY-MM-DD) within the extract; ``oversight``,
``agencies`` and ``levels`` are comma-separated; ``present`` is 1 while presentation mode is
on. A parameter left out means the sidebar's default. A link is read under the same access
rules as the sidebar: an agency the visitor may not choose there is left out, and the message
that says so names no agency, so that a link can neither widen what someone sees nor tell
them which agencies exist. Every parameter that cannot be used is ignored, with one short
message naming the parameter (never its value: a link's text is not the dashboard's to show).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from metrics.policy.access import Access
from metrics.policy.window import DATES, WINDOWS

PARAMETERS = AS_OF, WINDOW, FROM, TO, OVERSIGHT, AGENCIES, LEVELS, PRESENT = (
    "as_of", "window", "from", "to", "oversight", "agencies", "levels", "present")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class View:
    """The sidebar's choices as a link carries them; None (False for ``presenting``) is the sidebar's default."""

    as_of: dt.date | None = None  # None: the default report date (the setting default_report_date)
    window: str | None = None  # one of metrics.policy.window.WINDOWS; None: the setting default_window
    period_start: dt.date | None = None  # with window "dates"; None: from the extract's first date
    period_end: dt.date | None = None  # with window "dates"; None: to its last
    oversight: tuple[str, ...] | None = None  # None: every oversight
    agencies: tuple[str, ...] | None = None  # None: none chosen, that is every agency the visitor may see
    service_levels: tuple[str, ...] | None = None  # None: every level
    presenting: bool = False


@dataclass(frozen=True)
class Extent:
    """What a link may choose from: the extract's dates, its agencies (id: oversight), levels and oversights."""

    first: dt.date
    last: dt.date
    agencies: Mapping[str, str]
    service_levels: tuple[str, ...]
    oversights: tuple[str, ...]

    def choosable(self, access: Access, oversight: Iterable[str] | None = None) -> list[str]:
        """The agencies the sidebar offers this visitor, under these oversights (None: all), in the extract's order."""
        wanted = set(self.oversights if oversight is None else oversight)
        return [agency for agency, kind in self.agencies.items()
                if kind in wanted and (access.agencies is None or agency in access.agencies)]


@dataclass(frozen=True)
class Link:
    view: View
    problems: tuple[str, ...]  # one short message for each parameter ignored, in full or in part


def read_link(params: Mapping[str, Sequence[str]], extent: Extent, access: Access) -> Link:
    """The view a link's query parameters ask for, within the extract and what ``access`` lets the visitor see.

    ``params`` maps each parameter to its values as the address gives them (a parameter may be
    repeated). Parameters this module does not know are no concern of its own and are left alone.
    """
    problems: list[str] = []

    def date(name: str) -> dt.date | None:
        text = _last(params.get(name, ()))
        if not text:
            return None
        try:
            value = dt.date.fromisoformat(text) if _DATE.fullmatch(text) else None
        except ValueError:
            value = None
        if value is None or not extent.first <= value <= extent.last:
            problems.append(f"`{name}` is not a date from {extent.first:%Y-%m-%d} to {extent.last:%Y-%m-%d} "
                            "(written YYYY-MM-DD): it was ignored.")
            return None
        return value

    def listed(name: str, known: Sequence[str], what: str) -> tuple[str, ...] | None:
        items = _items(params.get(name, ()))
        chosen = tuple(item for item in items if item in known)
        if len(chosen) < len(items):
            problems.append(f"`{name}` names {what}; those were left out.")
        return chosen or None

    as_of = date(AS_OF)
    window: str | None = _last(params.get(WINDOW, ())) or None
    if window is not None and window not in WINDOWS:
        problems.append(f"`{WINDOW}` is none of {', '.join(WINDOWS)}: it was ignored.")
        window = None
    start, end = date(FROM), date(TO)
    if start and end and start > end:
        problems.append(f"`{FROM}` is after `{TO}`: both were ignored.")
        start = end = None
    if (start or end) and window not in (None, DATES):
        problems.append(f"`{FROM}` and `{TO}` count only with `{WINDOW}={DATES}`: they were ignored.")
        start = end = None
    elif start or end:
        window = DATES

    oversight = listed(OVERSIGHT, extent.oversights, f"an oversight other than {' and '.join(extent.oversights)}")
    if oversight is not None and len(oversight) == len(extent.oversights):
        oversight = None
    # The agencies the sidebar would offer: those the visitor may see, under the oversight chosen. The
    # message says the same of an agency that does not exist and of one the visitor may not see.
    agencies = listed(AGENCIES, extent.choosable(access, oversight), "agencies you cannot choose here")
    levels = listed(LEVELS, extent.service_levels, f"a service level other than {', '.join(extent.service_levels)}")

    presenting = False
    present = _last(params.get(PRESENT, ()))
    if present in ("1", "0"):
        presenting = present == "1"
    elif present:
        problems.append(f"`{PRESENT}` is neither 1 (presentation mode on) nor 0 (off): it was ignored.")

    view = View(as_of=as_of, window=window, period_start=start, period_end=end, oversight=oversight, agencies=agencies,
                service_levels=levels, presenting=presenting)
    return Link(view=view, problems=tuple(problems))


def link_params(view: View) -> dict[str, str]:
    """The query parameters that carry ``view``: one for each choice that is not the sidebar's default."""
    params = {
        AS_OF: view.as_of.isoformat() if view.as_of else "",
        # Dates chosen speak for themselves; window=dates stands alone only for the extract's whole span.
        WINDOW: "" if view.window == DATES and (view.period_start or view.period_end) else view.window or "",
        FROM: view.period_start.isoformat() if view.period_start else "",
        TO: view.period_end.isoformat() if view.period_end else "",
        OVERSIGHT: ",".join(view.oversight or ()),
        AGENCIES: ",".join(view.agencies or ()),
        LEVELS: ",".join(view.service_levels or ()),
        PRESENT: "1" if view.presenting else "",
    }
    return {name: value for name, value in params.items() if value}


def _last(values: Sequence[str]) -> str:
    """A single value's text: the last given, as a browser's address bar keeps the last."""
    return values[-1].strip() if values else ""


def _items(values: Iterable[str]) -> list[str]:
    """The distinct items of comma-separated values, in order."""
    items: dict[str, None] = {}
    for value in values:
        for item in value.split(","):
            if item.strip():
                items.setdefault(item.strip(), None)
    return list(items)
