"""Versioned migrations of the store's schema, and the version check every command makes first.

A small equivalent of Alembic, on purpose: the schema is a dozen tables, the migrations are
plain Python functions over SQLAlchemy Core, applied in order, each in the transaction that
also records the new version, so a failed upgrade leaves the database at the previous version
(SQLite and PostgreSQL both run DDL inside a transaction). No script directory, ``env.py`` or
``alembic.ini`` to ship as package data, and the check at start is ours to word in French.

Rules for whoever changes the schema:

- never edit a migration that has shipped: add one at the end of :data:`MIGRATIONS`, and
  update :mod:`cqpkit.store.schema` to the result (a test compares the two);
- a migration's tables are written out in the migration itself (frozen), not imported from
  :mod:`cqpkit.store.schema`, which only describes the latest version;
- data that can be derived from the dossiers (the ``echeances``) is rebuilt with the engine.

The version lives in ``cqpkit_meta`` (``schema_version``), next to ``application = cqpkit``,
which tells a cqpkit database from any other.

Why about 500 lines: the frozen tables and triggers of migrations 1 to 5 are written out here, as the rules
above ask (migrations 6 to 9 each have their module); splitting them would only move frozen text around.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from cqpkit.store import migration6 as _migration6
from cqpkit.store import migration7, migration8, migration9
from cqpkit.store.errors import StoreError

__all__ = ["CURRENT", "MIGRATIONS", "Migration", "apply", "functions", "read_version", "triggers"]

APPLICATION = "cqpkit"


class Migration:
    """One step of the schema: its number, what it does (French), the function that does it."""

    __slots__ = ("description", "numero", "run")

    def __init__(self, numero: int, description: str, run: Callable[[sa.Connection, Any], None]) -> None:
        self.numero = numero
        self.description = description
        self.run = run


# ------------------------------------------------------------------------ migration 1
def _v1(conn: sa.Connection, ctx: Any) -> None:
    md = sa.MetaData()
    sa.Table("cqpkit_meta", md, sa.Column("cle", sa.String(64), primary_key=True), sa.Column("valeur", sa.Text, nullable=False))
    sa.Table(
        "candidats", md,
        sa.Column("id", sa.String(100), primary_key=True),
        *(sa.Column(c, sa.Text, nullable=False) for c in ("nom", "prenom")),
        sa.Column("naissance", sa.Date, nullable=True),
        *(sa.Column(c, sa.Text, nullable=False) for c in ("email", "telephone", "emploi", "employeur", "notes")),
        sa.Column("pseudonyme", sa.Text, nullable=True),
        sa.Column("efface_le", sa.String(32), nullable=True),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("modifie_le", sa.String(32), nullable=False),
    )
    sa.Table(
        "dossiers", md,
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("certification", sa.String(200), nullable=False),
        sa.Column("version_referentiel", sa.String(50), nullable=False),
        sa.Column("voie", sa.String(100), nullable=False),
        sa.Column("mention", sa.String(100), nullable=True),
        sa.Column("inscription", sa.Date, nullable=False),
        sa.Column("candidat_id", sa.String(100), sa.ForeignKey("candidats.id"), nullable=False),
        sa.Column("numero_version", sa.Integer, nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("modifie_le", sa.String(32), nullable=False),
        sa.Index("ix_dossiers_certification", "certification"),
        sa.Index("ix_dossiers_candidat", "candidat_id"),
    )
    sa.Table(
        "dossier_versions", md,
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
        sa.Column("numero", sa.Integer, primary_key=True),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("certification", sa.String(200), nullable=False),
        sa.Column("version_referentiel", sa.String(50), nullable=False),
        sa.Column("contenu", sa.Text, nullable=False),
        sa.Column("enregistre_le", sa.String(32), nullable=False),
        sa.Column("operateur", sa.Text, nullable=False),
    )
    sa.Table(
        "evaluations", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("numero_version", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("epreuve", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("contenu", sa.Text, nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("enregistre_le", sa.String(32), nullable=False),
        sa.Index("ix_evaluations_dossier", "dossier_id"),
    )
    sa.Table(
        "sessions", md,
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("certifications", sa.Text, nullable=False),
        sa.Column("numero_version", sa.Integer, nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("contenu", sa.Text, nullable=False),
        sa.Column("cloturee", sa.Boolean, nullable=False),
        sa.Column("cloturee_le", sa.String(32), nullable=True),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("modifie_le", sa.String(32), nullable=False),
    )
    sa.Table(
        "session_versions", md,
        sa.Column("session_id", sa.String(100), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("numero", sa.Integer, primary_key=True),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Column("contenu", sa.Text, nullable=False),
        sa.Column("enregistre_le", sa.String(32), nullable=False),
        sa.Column("operateur", sa.Text, nullable=False),
    )
    sa.Table(
        "passages", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("session_id", sa.String(100), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("absent", sa.Boolean, nullable=False),
        sa.Column("excuse", sa.Boolean, nullable=False),
        sa.Column("decisions", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("origine", sa.String(20), nullable=False),
        sa.Column("remplace_id", sa.Integer, sa.ForeignKey("passages.id"), nullable=True),
        sa.Column("motif", sa.Text, nullable=False),
        sa.Column("enregistre_le", sa.String(32), nullable=False),
        sa.Column("operateur", sa.Text, nullable=False),
        sa.Index("ix_passages_dossier", "dossier_id"),
        sa.Index("ix_passages_session", "session_id"),
    )
    sa.Table(
        "audit", md,
        sa.Column("numero", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("horodatage", sa.String(32), nullable=False),
        sa.Column("operateur", sa.Text, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("objet", sa.String(20), nullable=False),
        sa.Column("objet_id", sa.String(100), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("precedente", sa.String(64), nullable=False),
        sa.Column("empreinte", sa.String(64), nullable=False),
        sa.Index("ix_audit_objet", "objet_id"),
    )
    md.create_all(conn)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    conn.execute(
        md.tables["cqpkit_meta"].insert(),
        [
            {"cle": "application", "valeur": APPLICATION},
            {"cle": "schema_version", "valeur": "0"},
            {"cle": "cree_le", "valeur": now},
            {"cle": "audit_numero", "valeur": "0"},
            {"cle": "audit_empreinte", "valeur": "0" * 64},
        ],
    )


# ------------------------------------------------------------------------ migration 2
_APPEND_ONLY_V2 = ("dossier_versions", "session_versions", "evaluations", "passages", "audit")


def _v2(conn: sa.Connection, ctx: Any) -> None:
    md = sa.MetaData()
    sa.Table("dossiers", md, sa.Column("id", sa.String(100), primary_key=True))
    echeances = sa.Table(
        "echeances", md,
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
        sa.Column("type", sa.String(20), primary_key=True),
        sa.Column("domaine", sa.String(50), primary_key=True),
        sa.Column("certification", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("depuis", sa.Date, nullable=False),
        sa.Index("ix_echeances_date", "date"),
    )
    echeances.create(conn)
    dialect = conn.dialect.name
    for table in _APPEND_ONLY_V2:
        message = f"table {table} en ajout seul : modification et suppression interdites"
        if dialect == "sqlite":
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {table}_ajout_seul_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        else:
            conn.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION cqpkit_{table}_ajout_seul() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_ajout_seul BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION cqpkit_{table}_ajout_seul()"
            )
    # Dossiers stored at version 1 get their deadlines from the engine.
    if conn.execute(sa.text("SELECT 1 FROM dossiers LIMIT 1")).first() is not None:
        from cqpkit.store.deadlines import rebuild_echeances

        rebuild_echeances(conn, ctx.registry, people=False)  # the people's tables come with migration 3


# ------------------------------------------------------------------------ migration 3
def _v3(conn: sa.Connection, ctx: Any) -> None:
    md = sa.MetaData()
    sa.Table("dossiers", md, sa.Column("id", sa.String(100), primary_key=True))
    personnes = sa.Table(
        "personnes", md,
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("cree_le", sa.String(32), nullable=False),
    )
    acteurs = sa.Table(
        "personne_acteurs", md,
        sa.Column("dossier_id", sa.String(100), sa.ForeignKey("dossiers.id"), primary_key=True),
        sa.Column("acteur_id", sa.String(100), primary_key=True),
        sa.Column("personne_id", sa.String(100), sa.ForeignKey("personnes.id"), nullable=False),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("roles_secondaires", sa.Text, nullable=False),
        sa.Column("mission_debut", sa.Date, nullable=True),
        sa.Column("mission_fin", sa.Date, nullable=True),
        sa.Column("organisation", sa.Text, nullable=True),
        sa.Column("fonction", sa.Text, nullable=True),
        sa.Column("management_depuis", sa.Date, nullable=True),
        sa.Column("forme_le", sa.Date, nullable=True),
        sa.Column("formation_heures", sa.Float, nullable=True),
        sa.Column("tutores_declares", sa.Integer, nullable=True),
        sa.Column("missions_declarees", sa.Text, nullable=False),
        sa.Index("ix_personne_acteurs_personne", "personne_id"),
    )
    personnes.create(conn)
    acteurs.create(conn)
    # Dossiers stored before it may name people already (``acteurs.personne`` in their content).
    if conn.execute(sa.text("SELECT 1 FROM dossiers LIMIT 1")).first() is not None:
        from cqpkit.store.deadlines import load_contents
        from cqpkit.store.personnes import rebuild

        rebuild(conn, load_contents)


# ------------------------------------------------------------------------ migration 4
#: The tables whose rows are never updated nor deleted (migration 2), with their keys.
_KEYS_V4 = {
    "dossier_versions": ("dossier_id", "numero"), "session_versions": ("session_id", "numero"), "evaluations": ("id",),
    "passages": ("id",), "audit": ("numero",), "dossiers": ("id",), "sessions": ("id",), "candidats": ("id",),
}
#: Tables whose rows may change but are never deleted.
_NO_DELETE_V4 = ("dossiers", "sessions", "candidats")
_REFUS_BODY_V4 = " BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0]; END "


def _v4_triggers(dialect: str) -> list[tuple[str, str, str]]:
    """The hardening triggers of migration 4: ``(name, table, DDL)``, frozen.

    SQLite: ``INSERT OR REPLACE`` deletes the row in the way without firing delete triggers, so a
    ``BEFORE INSERT`` trigger refuses an insert whose key exists; a closed session and an erased
    candidate are no longer updated; dossiers, sessions and candidates are never deleted. PostgreSQL:
    row triggers do not fire on ``TRUNCATE``, so a statement trigger refuses it on every protected
    table; the same rules for sessions, candidates and deletions.
    """
    out = []
    if dialect == "sqlite":
        for table, key in _KEYS_V4.items():
            same = " AND ".join(f"{k} = NEW.{k}" for k in key)
            out.append((
                f"{table}_sans_remplacement", table,
                f"CREATE TRIGGER {table}_sans_remplacement BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} WHERE {same}) "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} : une ligne de même clé existe déjà (REPLACE interdit)'); END",
            ))
        for table in _NO_DELETE_V4:
            out.append((
                f"{table}_sans_suppression", table,
                f"CREATE TRIGGER {table}_sans_suppression BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, 'table {table} : suppression interdite'); END",
            ))
        out.append((
            "sessions_close_figee", "sessions",
            "CREATE TRIGGER sessions_close_figee BEFORE UPDATE ON sessions WHEN OLD.cloturee "
            "BEGIN SELECT RAISE(ABORT, 'session close : elle ne change plus et ne se rouvre pas'); END",
        ))
        out.append((
            "candidats_efface_fige", "candidats",
            "CREATE TRIGGER candidats_efface_fige BEFORE UPDATE ON candidats WHEN OLD.efface_le IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'candidat effacé : ses données ne changent plus'); END",
        ))
        return out
    for table in _KEYS_V4:
        out.append((
            f"{table}_sans_troncature", table,
            f"CREATE TRIGGER {table}_sans_troncature BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION cqpkit_refus('table {table} protégée : TRUNCATE interdit')",
        ))
    for table in _NO_DELETE_V4:
        out.append((
            f"{table}_sans_suppression", table,
            f"CREATE TRIGGER {table}_sans_suppression BEFORE DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION cqpkit_refus('table {table} : suppression interdite')",
        ))
    out.append((
        "sessions_close_figee", "sessions",
        "CREATE TRIGGER sessions_close_figee BEFORE UPDATE ON sessions FOR EACH ROW WHEN (OLD.cloturee) "
        "EXECUTE FUNCTION cqpkit_refus('session close : elle ne change plus et ne se rouvre pas')",
    ))
    out.append((
        "candidats_efface_fige", "candidats",
        "CREATE TRIGGER candidats_efface_fige BEFORE UPDATE ON candidats FOR EACH ROW WHEN (OLD.efface_le IS NOT NULL) "
        "EXECUTE FUNCTION cqpkit_refus('candidat effacé : ses données ne changent plus')",
    ))
    return out


def _v4(conn: sa.Connection, ctx: Any) -> None:
    dialect = conn.dialect.name
    if dialect != "sqlite":
        conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION cqpkit_refus() RETURNS trigger LANGUAGE plpgsql AS $${_REFUS_BODY_V4}$$")
    for _name, _table, ddl in _v4_triggers(dialect):
        conn.exec_driver_sql(ddl)
    # The rows stored before this version were logged without what db verify needs to check them: the seal
    # records them as they are now (it cannot invent their history; see cqpkit.store.integrity).
    from cqpkit.store.integrity import seal

    seal(conn)


def triggers(dialect: str) -> dict[str, tuple[str, str]]:
    """Every trigger the current schema has: name → (table, definition), for ``db verify`` (:mod:`cqpkit.store.integrity`).

    SQLite: the definition is the ``CREATE TRIGGER`` statement as ``sqlite_master`` keeps it. PostgreSQL: as
    ``pg_get_triggerdef`` writes it (without schema), the function it runs being checked apart (:func:`functions`).
    """
    out: dict[str, tuple[str, str]] = {}
    for table in _APPEND_ONLY_V2:
        message = f"table {table} en ajout seul : modification et suppression interdites"
        if dialect == "sqlite":
            for op in ("UPDATE", "DELETE"):
                name = f"{table}_ajout_seul_{op.lower()}"
                out[name] = (table, f"CREATE TRIGGER {name} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            name = f"{table}_ajout_seul"
            out[name] = (table, f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION cqpkit_{table}_ajout_seul()")
    for name, table, ddl in (*_v4_triggers(dialect), *migration7.triggers(dialect), *migration9.triggers(dialect)):
        out[name] = (table, ddl)
    return out


def functions() -> dict[str, str]:
    """The PostgreSQL functions the triggers run: name → body (``prosrc``), for ``db verify``."""
    out = {f"cqpkit_{table}_ajout_seul": f" BEGIN RAISE EXCEPTION 'table {table} en ajout seul : modification et suppression interdites'; END "
           for table in _APPEND_ONLY_V2}
    out["cqpkit_refus"] = _REFUS_BODY_V4
    return {**out, **migration9.functions()}


# ------------------------------------------------------------------------ migration 5
_PERSONAL_V1 = ("nom", "prenom", "naissance", "email", "telephone", "emploi", "employeur", "notes")


def _v5(conn: sa.Connection, ctx: Any) -> None:
    """Personal data encrypted with a key per candidate (crypto-shredding, :mod:`cqpkit.store.crypto`).

    The table ``cles``; each candidate's personal columns encrypted into ``candidats.donnees`` with a
    new key, then the columns dropped (an erased candidate gets a destroyed key and no data); the
    dossiers' ``empreinte_publique`` computed from their latest content. The dossier versions, evaluations
    and passages stored before stay as they are: they are append-only (docs/store.md says what that means
    for the candidates erased later).
    """
    import json
    import os

    from cqpkit.store.audit import canonical
    from cqpkit.store.crypto import encrypt, public_fingerprint, split_personal, subject

    md = sa.MetaData()
    cles = sa.Table(
        "cles", md,
        sa.Column("sujet", sa.String(120), primary_key=True),
        sa.Column("cle", sa.LargeBinary, nullable=True),
        sa.Column("cree_le", sa.String(32), nullable=False),
        sa.Column("detruite_le", sa.String(32), nullable=True),
    )
    cles.create(conn)
    candidats = sa.Table(
        "candidats", md,
        sa.Column("id", sa.String(100), primary_key=True),
        *(sa.Column(c, sa.Text) for c in _PERSONAL_V1 if c != "naissance"),
        sa.Column("naissance", sa.Date),
        sa.Column("efface_le", sa.String(32)),
        sa.Column("donnees", sa.Text),
    )
    conn.exec_driver_sql("ALTER TABLE candidats ADD COLUMN donnees TEXT")
    conn.exec_driver_sql("ALTER TABLE dossiers ADD COLUMN empreinte_publique VARCHAR(64)")
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    keys, updates = [], []
    for r in conn.execute(sa.select(candidats)).all():
        if r.efface_le:
            keys.append({"sujet": subject(r.id), "cle": None, "cree_le": now, "detruite_le": r.efface_le})
            continue
        key = os.urandom(32)
        keys.append({"sujet": subject(r.id), "cle": key, "cree_le": now, "detruite_le": None})
        values = {c: (getattr(r, c).isoformat() if isinstance(getattr(r, c), dt.date) else getattr(r, c)) for c in _PERSONAL_V1}
        updates.append({"_id": r.id, "donnees": encrypt(key, canonical(values), f"{subject(r.id)}|candidat")})
    if keys:
        conn.execute(cles.insert(), keys)
    if updates:
        conn.execute(candidats.update().where(candidats.c.id == sa.bindparam("_id")).values(donnees=sa.bindparam("donnees")), updates)
    for column in _PERSONAL_V1:
        conn.exec_driver_sql(f"ALTER TABLE candidats DROP COLUMN {column}")
    rows = conn.execute(
        sa.text(
            "SELECT d.id, v.contenu FROM dossiers d JOIN dossier_versions v ON v.dossier_id = d.id AND v.numero = d.numero_version"
        )
    ).all()
    fingerprints = []
    for did, contenu in rows:
        data = json.loads(contenu)
        data.pop("_personnel", None)
        split_personal(data)
        fingerprints.append({"_id": did, "p": public_fingerprint(canonical(data))})
    if fingerprints:
        conn.execute(sa.text("UPDATE dossiers SET empreinte_publique = :p WHERE id = :_id"), fingerprints)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tables des candidats, dossiers, évaluations, sessions, passages et du journal d'audit", _v1),
    Migration(2, "échéances indexées par date ; tables en ajout seul protégées par des déclencheurs", _v2),
    Migration(3, "personnes nommées par les dossiers (acteurs.personne) et leurs missions", _v3),
    Migration(4, "déclencheurs de protection (REPLACE, TRUNCATE, session close, candidat effacé) ; sceau des lignes existantes", _v4),
    Migration(5, "données personnelles chiffrées avec une clé par candidat (effacement par destruction de la clé)", _v5),
    Migration(6, _migration6.DESCRIPTION, _migration6.run),
    Migration(migration7.NUMERO, migration7.DESCRIPTION, migration7.run),
    Migration(migration8.NUMERO, migration8.DESCRIPTION, migration8.run),
    Migration(migration9.NUMERO, migration9.DESCRIPTION, migration9.run),
)
CURRENT = MIGRATIONS[-1].numero


def read_version(conn: sa.Connection, label: str) -> int | None:
    """The schema version of the database; ``None`` for an empty one; :class:`StoreError` for a foreign one."""
    names = set(sa.inspect(conn).get_table_names())
    if "cqpkit_meta" not in names:
        if not names:
            return None
        shown = ", ".join(sorted(names)[:8]) + (" …" if len(names) > 8 else "")
        raise StoreError(f"{label} n'est pas une base cqpkit (table cqpkit_meta absente ; tables trouvées : {shown})")
    rows = dict(conn.execute(sa.text("SELECT cle, valeur FROM cqpkit_meta WHERE cle IN ('application', 'schema_version')")).all())
    if rows.get("application") != APPLICATION:
        raise StoreError(f"{label} n'est pas une base cqpkit (application « {rows.get('application')} »)")
    try:
        return int(rows.get("schema_version", ""))
    except ValueError:
        raise StoreError(f"{label} : version de schéma illisible « {rows.get('schema_version')} »") from None


def check(version: int | None, label: str) -> None:
    """Refuse a database that is not at the schema version of this cqpkit, saying what to do."""
    if version is None:
        raise StoreError(f"{label} : base vide, non initialisée (lancez « cqpkit db init »)")
    if version < CURRENT:
        raise StoreError(
            f"{label} : schéma en version {version}, cette version de cqpkit attend la version {CURRENT} "
            "(lancez « cqpkit db upgrade » ; faites d'abord une sauvegarde)"
        )
    if version > CURRENT:
        raise StoreError(
            f"{label} : schéma en version {version}, plus récent que cette version de cqpkit (version {CURRENT}) : "
            "mettez cqpkit à jour"
        )


def apply(conn_factory: Callable[[], Any], label: str, ctx: Any, target: int = CURRENT) -> list[Migration]:
    """Apply the missing migrations up to ``target``, each in its own writing transaction; return those applied.

    ``conn_factory()`` gives a context manager yielding a connection inside a writing
    transaction (locked, so two upgrades never run at once).
    """
    done: list[Migration] = []
    for migration in MIGRATIONS:
        if migration.numero > target:
            break
        with conn_factory() as conn:
            version = read_version(conn, label)
            current = 0 if version is None else version
            if current > CURRENT:
                check(current, label)
            if migration.numero <= current:
                continue
            migration.run(conn, ctx)
            conn.execute(
                sa.text("UPDATE cqpkit_meta SET valeur = :v WHERE cle = 'schema_version'"), {"v": str(migration.numero)}
            )
            done.append(migration)
    return done
