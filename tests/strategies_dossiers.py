"""Hypothesis strategies that generate valid dossiers and jury sessions: moved to :mod:`cqpkit.testing.strategies`.

Kept as a re-export so that the tests keep importing ``tests.strategies_dossiers``.
"""

from __future__ import annotations

from cqpkit.testing.strategies import dossiers, sessions

__all__ = ["dossiers", "sessions"]
