"""Who may see which agencies.

An access file (TOML, named by ``OVERSIGHT_ACCESS_FILE``) maps each user, known by the
e-mail address their sign-in provides, to the agencies they may see, or to all of them::

    [users]
    "manager@dhs.example" = "all"
    "supervisor@lakeshore.example" = ["RSA01"]

Addresses are compared without regard to case. A user who is not listed sees nothing.
Sign-in and an access file go together: either without the other is refused, and so is a
file with anything it should not hold. Without both, the dashboard runs in local
single-user mode: one person on their own machine, who sees the whole extract.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from metrics.policy.filters import Filters

ALL = "all"
ACCESS_FILE_VARIABLE = "OVERSIGHT_ACCESS_FILE"

# Good enough to catch a name, a typo or a stray blank where an address belongs; the sign-in
# provider, not this pattern, vouches for the addresses that arrive.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

# A TOML key as written: bare, "basic" or 'literal' segments joined by dots.
_SEGMENT = r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'"""
_DOTTED = rf"(?:{_SEGMENT})(?:\s*\.\s*(?:{_SEGMENT}))*"
_TABLE_LINE = re.compile(rf"\s*\[\s*(?P<key>{_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"\s*(?P<key>{_DOTTED})\s*=\s*")
_TOML_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


class AccessError(Exception):
    """Access is not configured as it must be: the access file, or sign-in without it, or it without sign-in."""


@dataclass(frozen=True)
class Access:
    user: str
    agencies: frozenset[str] | None  # None: every agency
    local: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.agencies is None


LOCAL = Access(user="local", agencies=None, local=True)


@dataclass(frozen=True)
class AccessFile:
    path: str
    grants: dict[str, frozenset[str] | None]  # lower-cased address: its agencies, None for all
    places: dict[str, str]  # lower-cased address: "path:line:column" of its grant, for messages

    def access_for(self, user: str | None) -> Access | None:
        """This user's access, or None when the file does not list them."""
        if not user or user.lower() not in self.grants:
            return None
        return Access(user=user, agencies=self.grants[user.lower()])

    def unknown_agencies(self, known: Collection[str]) -> list[str]:
        """A warning for each grant of an agency that is not among ``known``, naming its line."""
        return [
            f'{self.places[user]}: agency "{agency}" is not in the extract: it grants nothing until the extract has it'
            for user, agencies in self.grants.items()
            for agency in sorted((agencies or frozenset()) - set(known))
        ]


def access_file_path(sign_in: bool, environ: Mapping[str, str] = os.environ) -> str | None:
    """The access file to use when sign-in is configured; None for local single-user mode.

    Refuses either without the other: an access file without sign-in would show every
    visitor every agency, and sign-in without an access file could let nobody in.
    """
    path = environ.get(ACCESS_FILE_VARIABLE)
    if path is not None and not path.strip():
        raise AccessError(f"{ACCESS_FILE_VARIABLE} is set but empty: name the access file, or unset it")
    if path and not sign_in:
        raise AccessError(
            f"{ACCESS_FILE_VARIABLE} names an access file ({path}) but sign-in is not configured "
            "(no [auth] section in Streamlit's secrets): without sign-in nobody's access can be checked, "
            f"and every visitor would see every agency. Configure sign-in, or unset {ACCESS_FILE_VARIABLE} "
            "for local single-user mode."
        )
    if sign_in and not path:
        raise AccessError(
            f"sign-in is configured ([auth] in Streamlit's secrets) but {ACCESS_FILE_VARIABLE} names no "
            f"access file: nobody's access can be looked up. Set {ACCESS_FILE_VARIABLE} to the access file."
        )
    return path


def load_access_file(path: str | os.PathLike[str]) -> AccessFile:
    """The users of the file and the agencies each may see; AccessError naming every line at fault."""
    path = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise AccessError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise AccessError(f"{path}:{line}: not UTF-8 text") from error
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_POSITION.match(str(error))
        where = f"{path}:{found['line']}:{found['column']}: {found['message']}" if found else f"{path}: {error}"
        raise AccessError(f"{where} (not valid TOML)") from error

    positions = _key_positions(text)

    def position(*key: str, value: bool = False) -> tuple[int, int] | None:
        # Where a key is not written on a line of its own (an inline table), its table's line stands for it.
        for depth in range(len(key), 0, -1):
            if key[:depth] in positions:
                line, key_column, value_column = positions[key[:depth]]
                return line, value_column if value and depth == len(key) else key_column
        return None

    def place(*key: str, value: bool = False) -> str:
        found = position(*key, value=value)
        return f"{path}:{found[0]}:{found[1]}" if found else path

    problems = [f'{place(key)}: unknown entry "{key}": the access file holds only [users]' for key in parsed
                if key != "users"]
    users = parsed.get("users")
    if not isinstance(users, dict):
        problems.append(f"{place('users')}: expected a [users] table of e-mail addresses and their agencies")
        raise AccessError("\n".join(problems))

    grants: dict[str, frozenset[str] | None] = {}
    spelt: dict[str, str] = {}  # lower-cased address: the first spelling of it in the file
    for user, granted in users.items():
        address = user.lower()
        first = spelt.setdefault(address, user)
        if not EMAIL.fullmatch(user):
            problems.append(f'{place("users", user)}: "{user}" is not an e-mail address')
        elif first != user:
            first_place = position("users", first)
            on_line = f" on line {first_place[0]}" if first_place else ""
            problems.append(
                f'{place("users", user)}: "{user}" is the same address as "{first}"{on_line}: '
                "addresses are compared without regard to case, so list each once"
            )
        elif granted == ALL:
            grants[address] = None
        elif isinstance(granted, list) and granted and all(isinstance(a, str) and a.strip() for a in granted):
            grants[address] = frozenset(granted)
        elif granted == []:
            problems.append(f'{place("users", user, value=True)}: "{user}" is granted no agency: '
                            "name the agencies, or remove the line")
        else:
            problems.append(
                f'{place("users", user, value=True)}: "{user}" must be granted "all" or a list of agency ids '
                '(each a non-empty text), such as ["RSA01", "RSA02"]'
            )
    if problems:
        raise AccessError("\n".join(problems))
    places = {address: place("users", spelt[address], value=True) for address in grants}
    return AccessFile(path=path, grants=grants, places=places)


def _key_positions(text: str) -> dict[tuple[str, ...], tuple[int, int, int]]:
    """Where each key (as a path of tables) is first written: its line, and the columns of the key and its value.

    tomllib reports no positions, so the lines are read here: table headers and ``key = value``
    lines, the keys decoded by tomllib itself (quotes, escapes, dots).
    """
    positions: dict[tuple[str, ...], tuple[int, int, int]] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE_LINE.match(line)
        written = header or _KEY_LINE.match(line)
        key = _key_path(written["key"]) if written else None
        if written is None or key is None:
            continue
        column = written.start("key") + 1
        if header:
            table = key
            for depth in range(1, len(key) + 1):
                positions.setdefault(key[:depth], (number, column, column))
        else:
            key = table + key
            for depth in range(len(table) + 1, len(key) + 1):
                positions.setdefault(key[:depth], (number, column, written.end() + 1))
    return positions


def _key_path(written: str) -> tuple[str, ...] | None:
    """The key as tomllib reads it, or None for text that only looks like a key (in a multi-line string)."""
    try:
        node = tomllib.loads(f"{written} = 0")
    except tomllib.TOMLDecodeError:
        return None
    path = []
    while isinstance(node, dict):
        ((key, node),) = node.items()
        path.append(key)
    return tuple(path)


def restrict(filters: Filters, access: Access) -> Filters:
    """The filters narrowed to what the user may see: never wider, whatever was chosen."""
    if access.sees_everything:
        return filters
    assert access.agencies is not None  # what sees_everything means
    chosen = access.agencies if filters.agencies is None else access.agencies & set(filters.agencies)
    return replace(filters, agencies=tuple(sorted(chosen)))
