"""Hypothesis strategies that generate valid référentiels: moved to :mod:`cqpkit.testing.strategies`.

Kept as a re-export so that the tests keep importing ``tests.strategies``.
"""

from __future__ import annotations

from cqpkit.testing.strategies import dates, durees, ident, number, referentiels, short, sources, text

__all__ = ["dates", "durees", "ident", "number", "referentiels", "short", "sources", "text"]
