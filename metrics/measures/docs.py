"""The plain-language definitions of docs/measures.md, one section per measure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from functools import cache
from pathlib import Path

from metrics.policy.settings import Settings

MEASURES_DOC = Path(__file__).resolve().parents[2] / "docs" / "measures.md"


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@cache
def sections() -> dict[str, str]:
    """Each `## Heading` of the document keyed by its slug, with the text under it."""
    found: dict[str, str] = {}
    key = None
    for line in MEASURES_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            key = slug(line[3:])
            found[key] = ""
        elif key is not None:
            found[key] += line + "\n"
    return {k: v.strip() for k, v in found.items()}


def measure_text(key: str) -> str:
    return sections()[key]


def plain(text: str) -> str:
    """Markdown as plain words, for a slide's speaker notes: no emphasis or code marks."""
    return re.sub(r"[*_`]", "", text)


def first_sentence(key: str) -> str:
    """The section's opening sentence without its markup: the definition in one sentence."""
    # Without a lead-in such as **What it counts.**
    text = plain(re.sub(r"\*\*[^*]+\.\*\*\s*", "", measure_text(key))).replace("\n", " ")
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def changed_settings(rules: Settings) -> list[str]:
    """Each setting that differs from its default (the policy's number, which the document
    states), e.g. "caseload standard RSC-I: 18 (default 20)"."""
    default = Settings()
    changes = []
    for setting in fields(Settings):
        now, was = getattr(rules, setting.name), getattr(default, setting.name)
        if now == was:
            continue
        name = setting.name.replace("_", " ")
        if isinstance(now, Mapping) and isinstance(was, Mapping):
            changes += [f"{name} {key}: {now.get(key, 'none')} (default {was.get(key, 'none')})"
                        for key in sorted(set(now) | set(was)) if now.get(key) != was.get(key)]
        elif setting.name == "contact_requirements":
            changes.append("contact requirements (the contact-adherence page states them)")
        else:
            changes.append(f"{name}: {now} (default {was})")
    return changes


def definition_text(key: str, rules: Settings) -> str:
    """A section as a page shows it: with a last line naming every setting that differs from the
    default the text states, so that a number in it is never silently out of date."""
    changes = changed_settings(rules)
    if not changes:
        return measure_text(key)
    return (f"{measure_text(key)}\n\n*The numbers above are the policy's defaults; this dashboard's "
            f"settings differ: {'; '.join(changes)}.*")
