"""The one way the project keeps what it computed: bounded, and keyed on all it depends on.

Every argument is part of the key, so a cached function takes as arguments everything its
result depends on. A measure's rows depend on the database they are read from, the filters
and the settings: those are its first three arguments, so that another extract, another
filter or a settings override never meets a stale result. What depends on who is looking (the
agencies a user may see) reaches a measure as its filters, so it is in the key too. Several
sessions share one server process: an entry is published whole once computed, and frames are
never changed in place, so sharing them is safe.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

Arguments = ParamSpec("Arguments")
Result = TypeVar("Result")


def kept(maxsize: int) -> Callable[[Callable[Arguments, Result]], Callable[Arguments, Result]]:
    """Keep the last ``maxsize`` results of the decorated function, keyed on all its arguments
    (hashable: a database's path or connection, ``Filters``, ``Settings``, plain values)."""

    def decorate(function: Callable[Arguments, Result]) -> Callable[Arguments, Result]:
        # lru_cache's stubs type the call as taking any hashable arguments; it takes the function's own.
        return cast(Callable[Arguments, Result], functools.lru_cache(maxsize=maxsize)(function))

    return decorate
