"""Migration 8: the indexes of the dashboard (``docs/web.md``, issue 19), so that its queries do not grow with the history.

- ``ix_sessions_date`` on ``sessions (date)``: the next jury sessions from a date (:func:`cqpkit.store.dashboard.next_sessions`).
- ``ix_resultat_periodes_statut`` on ``resultat_periodes (statut, dossier_id)``: the dossiers of one status, in
  the order of their ids, from a given id (:func:`cqpkit.store.dashboard.in_progress`): a page of the dossiers
  still in progress at a date is read without walking the finished ones.

Indexes only: no row is written, the import's cost does not change (one more index entry per interval stored).
Each is created only when missing (a base rebuilt by an older upgrade path may hold it already).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = ["DESCRIPTION", "INDEXES", "NUMERO", "run"]

NUMERO = 8
DESCRIPTION = "index du tableau de bord : sessions par date, résultats enregistrés par statut"

#: (index, table, columns), frozen here as created at version 8.
INDEXES = (
    ("ix_sessions_date", "sessions", ("date",)),
    ("ix_resultat_periodes_statut", "resultat_periodes", ("statut", "dossier_id")),
)


def run(conn: sa.Connection, ctx: Any) -> None:
    """Create the indexes of :data:`INDEXES` that are missing."""
    for name, table, columns in INDEXES:
        existing = {i["name"] for i in sa.inspect(conn).get_indexes(table)}
        if name not in existing:
            cols = ", ".join(columns)
            conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({cols})")
