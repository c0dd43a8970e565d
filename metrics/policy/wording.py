"""Policy numbers in words, for captions, labels and charts: "weekly", "24 hours", "80–100%".

Pages and charts never write a standard, period or threshold themselves: they take it from
``metrics.policy.settings.settings()`` and word it here, so that with the default settings the
text reads as the policy does and with a deployment's TOML file it follows that file.
"""

from __future__ import annotations

from collections.abc import Iterable

from metrics.policy.settings import Settings

_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                 9: "nine", 10: "ten"}


def number_word(n: int) -> str:
    """1 to 10 in words ("one"), larger numbers in figures."""
    return _NUMBER_WORDS.get(n, str(n))


def plural(n: float, unit: str) -> str:
    """'1 hour', '24 hours', '1.5 hours'."""
    return f"{n:g} {unit}" if n == 1 else f"{n:g} {unit}s"


def every_days(days: int) -> str:
    """How often a period of ``days`` comes round: 'daily', 'weekly', 'every 14 days'."""
    return {1: "daily", 7: "weekly"}.get(days, f"every {days} days")


def within_days(days: int) -> str:
    """'Due within 90 days'."""
    return f"Due within {plural(days, 'day')}"


def business_days(days: int) -> str:
    """'one business day', 'two business days'."""
    return f"{number_word(days)} business day{'' if days == 1 else 's'}"


def every_months(months: int) -> str:
    """A review every ``months`` months as an adjective: 'annual', 'biennial', '6-month'."""
    return {12: "annual", 24: "biennial"}.get(months, f"{months}-month")


def _minutes(hours: float) -> float | None:
    """The minutes of a span under an hour (0.5 -> 30), else None."""
    return round(hours * 60, 6) if hours < 1 else None


def duration(hours: float) -> str:
    """A span of hours as people say it: '24 hours', '1 hour', '30 minutes'."""
    minutes = _minutes(hours)
    return plural(minutes, "minute") if minutes is not None else plural(hours, "hour")


def duration_adjective(hours: float) -> str:
    """The same span before a noun: '24-hour', '30-minute' (a 24-hour standard)."""
    minutes = _minutes(hours)
    return f"{minutes:g}-minute" if minutes is not None else f"{hours:g}-hour"


def percent(share: float) -> str:
    """A share in percent, without trailing zeros: 0.8 -> '80%', 0.998 -> '99.8%'."""
    return f"{round(share * 100, 6):g}%"


def percent_range(low: float, high: float) -> str:
    """'80–100%'."""
    return f"{round(low * 100, 6):g}–{percent(high)}"


def interval(level: float) -> str:
    """The name of a confidence interval: '95% interval'."""
    return f"{percent(level)} interval"


def contact_rhythm(rules: Settings, requirement: str) -> str:
    """How often a contact requirement comes round, level by level: 'weekly for RSC, every 14 days for CM'."""
    return ", ".join(
        f"{every_days(rule.period_days)} for {levels_name(rule.service_levels)}"
        for rule in rules.contact_requirements
        if rule.requirement == requirement
    )


def with_interval(noun: str, level: float) -> str:
    """An axis of rates with their intervals: 'periods met (95% interval)'."""
    return f"{noun} ({interval(level)})"


def levels_name(levels: Iterable[str]) -> str:
    """Service levels as the policy names them together: ('RSC-I', 'RSC-F') -> 'RSC' (the levels of
    one kind), ('CM',) -> 'CM', otherwise listed: 'RSC-I and CM'."""
    levels = list(levels)
    kinds = {level.split("-")[0] for level in levels}
    if len(levels) > 1 and len(kinds) == 1 and all("-" in level for level in levels):
        return kinds.pop()
    return levels[0] if len(levels) == 1 else ", ".join(levels[:-1]) + " and " + levels[-1]


def count_text(value: int | str | None) -> str:
    """A count as a figure shows it: with thousands separators, or as suppressed ("<11", "*")."""
    if value is None:
        return "–"
    return f"{int(value):,}" if isinstance(value, int) or value.isdigit() else value


def rate_text(value: float | None, hidden: bool) -> str:
    """A rate as a figure shows it: '87%', '–' for none, 'Suppressed' while presenting hides it."""
    if hidden:
        return "Suppressed"
    return "–" if value is None else f"{value:.0%}"
