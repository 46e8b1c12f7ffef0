"""Which source a finding cites, when a table lists several.

A table such as ``[tutorat]`` or ``[jury]`` gathers rules from several sections of its
documents. Each of its ``sources`` may say which keys it supports (``cles``); a finding about
a key cites the source that names that key, else the first source that names no key (a
source for the whole table), else the first source.
"""

from __future__ import annotations

from collections.abc import Sequence

from cqpkit.model import Source

__all__ = ["source_for"]


def source_for(sources: Sequence[Source], *keys: str) -> Source | None:
    """The source of ``sources`` that supports one of ``keys`` (see the module docstring)."""
    for key in keys:
        for s in sources:
            if key in s.cles:
                return s
    for s in sources:
        if not s.cles:
            return s
    return sources[0] if sources else None
