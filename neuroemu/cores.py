"""The cores this process may use, and a count of threads or workers checked."""

from __future__ import annotations

import os

from .errors import InputError


def usable_cores() -> int:
    """The cores this process may use (its affinity on Linux, else the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_count(value, name: str) -> int:
    """``value`` as a whole number >= 1 (``name`` says what it counts, in the error).

    Raises
    ------
    InputError
        Not a whole number >= 1.
    """
    try:
        ok = not isinstance(value, bool) and int(value) == value and value >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{name} {value}: expected a whole number >= 1")
    return int(value)
