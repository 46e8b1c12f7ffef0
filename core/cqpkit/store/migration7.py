"""The migration of the users, roles and API tokens (:mod:`cqpkit.store.users`): tables ``utilisateurs``, ``jetons``.

Its number, 7, is :data:`NUMERO`, in this one place (the stored results' migration, ``migration6.py``, comes
before it; the numbers of :data:`cqpkit.store.migrations.MIGRATIONS` are consecutive).

What it creates, frozen (the tables are written out here, not imported from :mod:`cqpkit.store.schema`):

- ``utilisateurs``: one row per login (``id``, ASCII), its display name, role, whether it is active, the jury
  member id it answers to in the session files (``membre``), its argon2id password hash (``NULL``: no
  password, tokens only) and the times of creation and change. A user is never deleted (the audit entries
  name it): it is disabled, for good.
- ``jetons``: one row per API token: its public id (the part of the token before its secret), its user, a
  label, the SHA-256 of the whole token (never the token), the times of creation, expiry and revocation.

And the protection triggers of both tables (:func:`triggers`, checked by ``db verify`` like the others): no
``DELETE``, no SQLite ``REPLACE``, no PostgreSQL ``TRUNCATE``; a disabled user stays disabled; a token's user
and hash never change; a revoked token stays revoked. The PostgreSQL triggers run ``cqpkit_refus`` (migration 4).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = ["DESCRIPTION", "NUMERO", "run", "triggers"]

#: This migration's number (see the module docstring: 7 once the stored results' migration is merged before it).
NUMERO = 7
DESCRIPTION = "utilisateurs, rôles et jetons d'API (mots de passe argon2id, jetons hachés)"

_KEYS = {"utilisateurs": ("id",), "jetons": ("id",)}


def triggers(dialect: str) -> list[tuple[str, str, str]]:
    """The protection triggers of the users' tables: ``(name, table, DDL)``, frozen."""
    out: list[tuple[str, str, str]] = []
    if dialect == "sqlite":
        for table, key in _KEYS.items():
            same = " AND ".join(f"{k} = NEW.{k}" for k in key)
            out.append((
                f"{table}_sans_remplacement", table,
                f"CREATE TRIGGER {table}_sans_remplacement BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} WHERE {same}) "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} : une ligne de même clé existe déjà (REPLACE interdit)'); END",
            ))
            out.append((
                f"{table}_sans_suppression", table,
                f"CREATE TRIGGER {table}_sans_suppression BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, 'table {table} : suppression interdite'); END",
            ))
        out.append((
            "utilisateurs_inactif_fige", "utilisateurs",
            "CREATE TRIGGER utilisateurs_inactif_fige BEFORE UPDATE ON utilisateurs WHEN NOT OLD.actif "
            "BEGIN SELECT RAISE(ABORT, 'utilisateur désactivé : il ne change plus'); END",
        ))
        out.append((
            "jetons_fige", "jetons",
            "CREATE TRIGGER jetons_fige BEFORE UPDATE ON jetons WHEN OLD.revoque_le IS NOT NULL "
            "OR NEW.empreinte IS NOT OLD.empreinte OR NEW.utilisateur_id IS NOT OLD.utilisateur_id "
            "BEGIN SELECT RAISE(ABORT, 'jeton : son empreinte et son utilisateur ne changent pas, un jeton révoqué le reste'); END",
        ))
        return out
    for table in _KEYS:
        out.append((
            f"{table}_sans_troncature", table,
            f"CREATE TRIGGER {table}_sans_troncature BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION cqpkit_refus('table {table} protégée : TRUNCATE interdit')",
        ))
        out.append((
            f"{table}_sans_suppression", table,
            f"CREATE TRIGGER {table}_sans_suppression BEFORE DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION cqpkit_refus('table {table} : suppression interdite')",
        ))
    out.append((
        "utilisateurs_inactif_fige", "utilisateurs",
        "CREATE TRIGGER utilisateurs_inactif_fige BEFORE UPDATE ON utilisateurs FOR EACH ROW WHEN (NOT OLD.actif) "
        "EXECUTE FUNCTION cqpkit_refus('utilisateur désactivé : il ne change plus')",
    ))
    out.append((
        "jetons_fige", "jetons",
        "CREATE TRIGGER jetons_fige BEFORE UPDATE ON jetons FOR EACH ROW WHEN (OLD.revoque_le IS NOT NULL "
        "OR NEW.empreinte::text IS DISTINCT FROM OLD.empreinte::text OR NEW.utilisateur_id::text IS DISTINCT FROM OLD.utilisateur_id::text) "
        "EXECUTE FUNCTION cqpkit_refus('jeton : son empreinte et son utilisateur ne changent pas, un jeton révoqué le reste')",
    ))
    return out


def run(conn: sa.Connection, ctx: Any) -> None:
    """Create the users' tables and their triggers (nothing to fill: a base had no users before)."""
    md = sa.MetaData()
    sa.Table(
        "utilisateurs", md,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("nom", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("actif", sa.Boolean, nullable=False),
        sa.Column("membre", sa.String(100), nullable=True),
        sa.Column("mot_de_passe", sa.Text, nullable=True),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("modifie_le", sa.String(32), nullable=False),
    )
    sa.Table(
        "jetons", md,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("utilisateur_id", sa.String(64), sa.ForeignKey("utilisateurs.id"), nullable=False),
        sa.Column("libelle", sa.Text, nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("expire_le", sa.String(32), nullable=True),
        sa.Column("revoque_le", sa.String(32), nullable=True),
        sa.Index("ix_jetons_utilisateur", "utilisateur_id"),
    )
    md.create_all(conn)
    for _name, _table, ddl in triggers(conn.dialect.name):
        conn.exec_driver_sql(ddl)
