"""The plain-language definitions of docs/measures.md, one section per measure."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

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


def first_sentence(key: str) -> str:
    """The section's opening sentence without its markup: the definition in one sentence."""
    text = re.sub(r"\*\*[^*]+\.\*\*\s*", "", measure_text(key))  # a lead-in such as **What it counts.**
    text = re.sub(r"[*_`]", "", text).replace("\n", " ")
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text
