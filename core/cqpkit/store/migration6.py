"""Migration 6: the stored results (``resultats``, ``resultat_periodes``; :mod:`cqpkit.store.results`).

The tables are created empty: a base upgraded from version 5 has no results yet, and ``cqpkit db upgrade``
says to run ``cqpkit db refresh``, which computes them in batches (resumable), rather than holding the
upgrade's transaction for the time the engine takes on every stored dossier.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = ["run"]

DESCRIPTION = "résultats enregistrés par intervalles de dates (resultats, resultat_periodes) : à calculer avec cqpkit db refresh"


def run(conn: sa.Connection, ctx: Any) -> None:
    """Create the two tables, frozen here as they were at version 6."""
    md = sa.MetaData()
    sa.Table("dossiers", md, sa.Column("id", sa.String(100), primary_key=True))
    sa.Table(
        "resultats", md,
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
        sa.Column("certification", sa.String(200), nullable=False),
        sa.Column("version_referentiel", sa.String(50), nullable=False),
        sa.Column("numero_version", sa.Integer, nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("calcule_le", sa.String(32), nullable=False),
        sa.Index("ix_resultats_referentiel", "certification", "version_referentiel", "empreinte"),
    )
    sa.Table(
        "resultat_periodes", md,
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
        sa.Column("debut", sa.Date, primary_key=True),
        sa.Column("fin", sa.Date, nullable=True),
        sa.Column("certification", sa.String(200), nullable=False),
        sa.Column("version_referentiel", sa.String(50), nullable=False),
        sa.Column("statut", sa.String(20), nullable=False),
        sa.Column("hors_delai", sa.Boolean, nullable=False),
        sa.Column("sans_bareme", sa.Integer, nullable=False),
        *(sa.Column(f"{n}_{u}", sa.Float, nullable=False) for n in ("cout", "financement", "gratification") for u in ("euro", "points")),
        sa.Column("echec", sa.Text, nullable=True),
    )
    md.create_all(conn, tables=[md.tables["resultats"], md.tables["resultat_periodes"]])
