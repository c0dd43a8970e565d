"""Every standard, period, deadline and threshold the measures use, in one place.

The defaults are the values of the BHD RSC/CM policy and the DCTS CRS provider
guidance (see docs/measures.md). A deployment may override any of them with a TOML
file named by the ``OVERSIGHT_SETTINGS`` environment variable, for example::

    [caseload_standard]
    CM = 45

    [calendar]
    subdiv = "WI"

It also holds ``incident_categories``, the controlled list of incident categories that
``oversight anonymize`` lets into an extract (any other category is withheld).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from metrics.policy.window import MOVING_WINDOWS


class FrozenMapping(Mapping[str, int]):
    """A mapping that cannot change and can be hashed, so that the settings can key a cache."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, int]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> int:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._items == dict(other.items())

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class ContactRequirement:
    """One contact-frequency rule: a qualifying contact kind every ``period_days``."""

    service_levels: tuple[str, ...]
    requirement: str
    period_days: int
    contact_kind: str
    source_rule: str


@dataclass(frozen=True)
class Calendar:
    """The business-day calendar: weekends plus the holidays of this country/subdivision."""

    country: str = "US"
    subdiv: str | None = "WI"


REPORT_DATE_RULES = ("extract_date", "month_end", "quarter_end")


@dataclass(frozen=True)
class ContractTarget:
    """An agency's contract target for one headline figure (a key of the measure registry's
    headlines): green at ``green`` or better, amber at ``amber`` or better, red beyond. Better is
    higher for a rate, lower for a count of problems (the headline says which)."""

    figure: str
    green: float
    amber: float


@dataclass(frozen=True)
class Settings:
    # Caseload standard per 1.0 FTE. RSC-F counts families, the others clients.
    caseload_standard: Mapping[str, int] = field(
        default_factory=lambda: FrozenMapping({"RSC-I": 20, "RSC-F": 15, "CM": 50})
    )
    # Roles whose caseload counts families (a client without a family counts as one).
    caseload_family_roles: tuple[str, ...] = ("RSC-F",)
    # Utilization bands: `over` above the upper bound, `at` from the lower bound up to it.
    band_at_lower: float = 0.8
    band_over_above: float = 1.0

    contact_requirements: tuple[ContactRequirement, ...] = (
        ContactRequirement(("RSC-I", "RSC-F"), "client_contact", 7, "client",
                           "Contact with the client at least weekly"),
        ContactRequirement(("RSC-I", "RSC-F"), "rst_meeting", 30, "rst_meeting",
                           "RST meetings monthly"),
        ContactRequirement(("CM",), "client_contact", 14, "client", "Bi-weekly contact"),
        ContactRequirement(("CM",), "rst_meeting", 90, "rst_meeting",
                           "RST meeting at least once every 90 days"),
    )

    # Time to first contact after a CIU referral, in hours.
    first_contact_standard_hours: float = 24.0
    first_contact_emergency_hours: float = 0.5
    # A non-emergency referral is assigned within this many business days.
    assignment_business_days: int = 1

    # Milestones (days).
    rst_formed_days: int = 14
    sccp_final_days: int = 30
    sccp_review_days: int = 30
    rst_at_discharge_days: int = 7

    # DCTS monitoring and documentation oversight.
    monitoring_interval_years: int = 2
    monitoring_due_soon_days: int = 90
    documentation_interval_months: int = 12
    materials_due_business_days: int = 15
    review_complete_days: int = 90
    corrective_action_response_days: int = 10
    documentation_sample_fraction: float = 0.20
    # The deadlines page lists what falls due within this many days of D.
    deadlines_horizon_days: int = 30

    # CRS orientation training.
    orientation_hours: float = 10.0
    orientation_months: int = 3

    # Quarterly CRS meetings: the third Wednesday of January, April, July and October.
    crs_meeting_week: int = 3
    crs_meeting_weekday: int = 2  # Monday is 0
    crs_meeting_hours: str = "10:00 a.m. to 12:00 p.m."

    # The report date the dashboard and `oversight metrics` open on: the extract's date, or the
    # last month end or quarter end on or before it (for a board that reviews whole periods).
    default_report_date: str = "extract_date"
    # The counting window the overview and every page open on, moving with the report date: the
    # quarter up to it, the 12 months up to it, or all dates (metrics.policy.window).
    default_window: str = "year"

    # Worklists: milestones due within this many days (or overdue), DCTS plans and responses
    # within this many.
    worklist_milestone_days: int = 7
    worklist_plan_days: int = 14

    # Contract targets of the agency scorecard. Defaults: rates at 90% green and 80% amber (95% and
    # 85% for Safety/Crisis Plans, which every final plan must hold); no staff over the standard
    # green, one amber; any program overdue for monitoring, or any overdue plan, red.
    contract_targets: tuple[ContractTarget, ...] = (
        ContractTarget("client_contact", 0.90, 0.80),
        ContractTarget("rst_meeting", 0.90, 0.80),
        ContractTarget("safety_plans", 0.95, 0.85),
        ContractTarget("reached_24h", 0.90, 0.80),
        ContractTarget("reached_30min", 0.90, 0.80),
        ContractTarget("staff_over", 0, 1),
        ContractTarget("programs_overdue", 0, 0),
        ContractTarget("plans_overdue", 0, 0),
    )

    # Small-cell suppression for anything shown outside the agency.
    suppression_max_count: int = 10

    # The quarterly deck's data notes warn of an agency's rate that moved by more than this many
    # percentage points since the quarter before, and of one resting on fewer than this many
    # contact periods, plans or referrals in the quarter (metrics.report.deck_notes). Not policy:
    # how much change, and how few cases, deserve a word before the meeting.
    deck_note_move_points: float = 15.0
    deck_note_few_cases: int = 30

    # The data-quality warnings sent back to the supplier (metrics.extract.checks). Not policy: how
    # much silence, how steep a fall and how long a wait look like missing data rather than a quiet
    # month. A staff member carrying clients, or an agency with clients enrolled, and no contact
    # recorded in this many days up to the extract's date:
    quiet_caseload_days: int = 30
    # An agency's contacts in a complete month fewer than the month before's by more than this
    # share (0.5: under half the month before's):
    volume_drop_share: float = 0.5
    # An episode referred this many business days before the extract's date and still not assigned:
    unassigned_business_days: int = 5

    # The incident categories an extract may carry: `oversight anonymize` withholds any other
    # category, so that no free text (a name, a phone number) reaches an extract through it.
    incident_categories: tuple[str, ...] = (
        "death", "suicide attempt", "self-harm", "overdose", "medication error", "fall", "injury",
        "behavioral", "restraint or seclusion", "abuse or neglect", "hospitalization",
        "emergency department visit", "law enforcement involvement", "missing person",
        "property damage", "other",
    )

    # Confidence level of every interval.
    confidence_level: float = 0.95

    calendar: Calendar = field(default_factory=Calendar)
    # Extract timestamps are local time here (the contract); elapsed hours are real hours.
    time_zone: str = "America/Chicago"

    def __post_init__(self) -> None:
        # A plain dict given for the standards (by a test, or by replace()) is frozen too, so that
        # the settings stay hashable whatever built them.
        if not isinstance(self.caseload_standard, FrozenMapping):
            object.__setattr__(self, "caseload_standard", FrozenMapping(self.caseload_standard))
        if self.default_report_date not in REPORT_DATE_RULES:
            raise ValueError(f"default_report_date must be one of {', '.join(REPORT_DATE_RULES)}, "
                             f"not {self.default_report_date!r}")
        if self.default_window not in MOVING_WINDOWS:
            raise ValueError(f"default_window must be one of {', '.join(MOVING_WINDOWS)}, "
                             f"not {self.default_window!r}")

    def contact_periods(self) -> list[tuple[str, str, int, str]]:
        """(service_level, requirement, period_days, contact_kind), one row per level."""
        return [
            (level, rule.requirement, rule.period_days, rule.contact_kind)
            for rule in self.contact_requirements
            for level in rule.service_levels
        ]


def _merge(base: Settings, overrides: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        current = getattr(base, name)
        if isinstance(current, Mapping):
            changes[name] = {**current, **value}
        elif isinstance(current, Calendar):
            changes[name] = replace(current, **value)
        elif name == "contact_requirements":
            changes[name] = tuple(
                ContactRequirement(tuple(r["service_levels"]), r["requirement"],
                                   int(r["period_days"]), r["contact_kind"], r.get("source_rule", ""))
                for r in value
            )
        elif name == "contract_targets":
            changes[name] = tuple(ContractTarget(t["figure"], float(t["green"]), float(t["amber"])) for t in value)
        elif isinstance(current, tuple):
            changes[name] = tuple(value)
        else:
            changes[name] = type(current)(value)
    return replace(base, **changes)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """The defaults, overridden by the TOML file at ``path`` (or $OVERSIGHT_SETTINGS)."""
    path = path or os.environ.get("OVERSIGHT_SETTINGS")
    if not path:
        return Settings()
    with Path(path).open("rb") as handle:
        return _merge(Settings(), tomllib.load(handle))


@cache
def settings() -> Settings:
    """The settings of this process (read once)."""
    return load_settings()
