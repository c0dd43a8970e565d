"""Who may see which agencies.

An access file (TOML, named by ``OVERSIGHT_ACCESS_FILE``) maps each user, known by the
e-mail address their sign-in provides, to the agencies they may see, or to all of them::

    [users]
    "manager@dhs.example" = "all"
    "supervisor@lakeshore.example" = ["RSA01"]

A user who is not listed sees nothing. Without sign-in configured, the dashboard runs in
local single-user mode: one person on their own machine, who sees the whole extract.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from metrics.filters import Filters

ALL = "all"


class AccessError(Exception):
    """The access file cannot be read, or says something it should not."""


@dataclass(frozen=True)
class Access:
    user: str
    agencies: frozenset[str] | None  # None: every agency
    local: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.agencies is None


LOCAL = Access(user="local", agencies=None, local=True)


def load_access_file(path: str | os.PathLike) -> dict[str, frozenset[str] | None]:
    """The users of the file (lower-cased e-mail) and the agencies each may see."""
    try:
        with Path(path).open("rb") as handle:
            parsed = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AccessError(f"{path}: cannot be read ({error})") from error
    users = parsed.get("users")
    if not isinstance(users, dict):
        raise AccessError(f"{path}: expected a [users] table")
    access: dict[str, frozenset[str] | None] = {}
    for user, agencies in users.items():
        if agencies == ALL:
            access[user.lower()] = None
        elif isinstance(agencies, list) and all(isinstance(a, str) and a for a in agencies):
            access[user.lower()] = frozenset(agencies)
        else:
            raise AccessError(f'{path}: {user} must map to "all" or a list of agency ids')
    return access


def access_for(user: str | None, access_map: dict[str, frozenset[str] | None]) -> Access | None:
    """This user's access, or None when the file does not list them."""
    if not user or user.lower() not in access_map:
        return None
    return Access(user=user, agencies=access_map[user.lower()])


def restrict(filters: Filters, access: Access) -> Filters:
    """The filters narrowed to what the user may see: never wider, whatever was chosen."""
    if access.sees_everything:
        return filters
    chosen = access.agencies if filters.agencies is None else access.agencies & set(filters.agencies)
    return replace(filters, agencies=tuple(sorted(chosen)))
