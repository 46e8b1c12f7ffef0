"""Migration 9: the counters of ``report campaign`` (issue 16), so that the report does not grow with the number of dossiers.

Before it, ``report campaign --as-of D`` scanned every stored dossier four times (the intervals holding D,
the staleness join, the dossiers per route, the distinct candidates). These tables keep each figure summed
already, maintained by **triggers** in the database, so that every write path (import, a new version, refresh,
jury decisions and corrections, migrations, a hand-made ``UPDATE``) keeps them right without knowing of them:

- ``compte_dossiers`` (certification, version_referentiel, voie → n): the dossiers per route and version.
- ``compte_candidats`` (certification, candidat_id → n): how many dossiers of the certification a candidate has
  (a reference count); the certification ``''`` stands for the whole base. ``compte_candidats_distincts``
  (certification → n): how many candidates have at least one (``''``: in the whole base), moved when a reference
  count goes from 0 to 1 or from 1 to 0.
- ``compte_resultats`` (certification, version_referentiel, empreinte → n): the stored results computed from
  their dossier's current version, per fingerprint. The stale dossiers of a référentiel version are its dossiers
  minus the current results carrying the fingerprint loaded now.
- ``resultat_jours`` (certification, version_referentiel, statut, hors_delai, echoue, jour → n, sans_bareme, the
  six sums): ``resultat_periodes`` pre-summed per day, +1 and the sums on ``debut``, −1 and minus the sums on
  ``fin``: the intervals holding D are the sum over the days ``<= D``, bounded by the number of distinct days.
- the index ``ix_resultat_periodes_echec`` (partial: the intervals where a plugin failed), for the first dossier
  a plugin failed on.

**Concurrency.** The counters are plain rows (no delta rows): on PostgreSQL every writing transaction of the
store first takes one advisory lock (:data:`cqpkit.store.engine.LOCK_ID`), so the store's writers are serialized
already and a hot counter row adds neither waiting nor deadlocks; on SQLite there is one writer at a time anyway.

The triggers are frozen here (:func:`triggers`, :func:`functions`) and checked by ``db verify`` with the others.
:func:`fill` computes every table from the base tables in the database (``GROUP BY`` in SQL: bounded memory in
Python), for the upgrade of an existing base and for a base whose rows were written directly (``bench/scale.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = [
    "DESCRIPTION",
    "NUMERO",
    "TABLES",
    "create_triggers",
    "drop_triggers",
    "fill",
    "functions",
    "run",
    "triggers",
]

NUMERO = 9
DESCRIPTION = (
    "compteurs du rapport de campagne (dossiers par voie, candidats, résultats à jour, intervalles sommés par jour)"
)

_MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))
_DAY_KEY = ("certification", "version_referentiel", "statut", "hors_delai", "echoue", "jour")
_DAY_SUMS = ("n", "sans_bareme", *_MONEY)

#: The tables of this migration, in the order they are filled.
TABLES = ("compte_dossiers", "compte_candidats", "compte_candidats_distincts", "compte_resultats", "resultat_jours")


def _tables(md: sa.MetaData) -> list[sa.Table]:
    """The tables, frozen as created at version 9."""
    return [
        sa.Table(
            "compte_dossiers",
            md,
            sa.Column("certification", sa.String(200), primary_key=True),
            sa.Column("version_referentiel", sa.String(50), primary_key=True),
            sa.Column("voie", sa.String(100), primary_key=True),
            sa.Column("n", sa.Integer, nullable=False),
        ),
        sa.Table(
            "compte_candidats",
            md,
            sa.Column("certification", sa.String(200), primary_key=True),
            sa.Column("candidat_id", sa.String(100), primary_key=True),
            sa.Column("n", sa.Integer, nullable=False),
        ),
        sa.Table(
            "compte_candidats_distincts",
            md,
            sa.Column("certification", sa.String(200), primary_key=True),
            sa.Column("n", sa.Integer, nullable=False),
        ),
        sa.Table(
            "compte_resultats",
            md,
            sa.Column("certification", sa.String(200), primary_key=True),
            sa.Column("version_referentiel", sa.String(50), primary_key=True),
            sa.Column("empreinte", sa.String(64), primary_key=True),
            sa.Column("n", sa.Integer, nullable=False),
        ),
        sa.Table(
            "resultat_jours",
            md,
            sa.Column("certification", sa.String(200), primary_key=True),
            sa.Column("version_referentiel", sa.String(50), primary_key=True),
            sa.Column("statut", sa.String(20), primary_key=True),
            sa.Column("hors_delai", sa.Boolean, primary_key=True),
            sa.Column("echoue", sa.Boolean, primary_key=True),
            sa.Column("jour", sa.Date, primary_key=True),
            sa.Column("n", sa.Integer, nullable=False),
            sa.Column("sans_bareme", sa.Integer, nullable=False),
            *(sa.Column(k, sa.Float, nullable=False) for k in _MONEY),
        ),
    ]


# ------------------------------------------------------------------------------------------ the statements
def _add(table: str, key: tuple[str, ...], values: list[str], where: str = "", sums: tuple[str, ...] = ("n",)) -> str:
    """An upsert adding ``values`` (key columns then ``sums``) to a counter row; ``where``: only when it holds."""
    cols = ", ".join((*key, *sums))
    sets = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in sums)
    source = f"SELECT {', '.join(values)} WHERE {where}" if where else f"VALUES ({', '.join(values)})"
    return f"INSERT INTO {table} ({cols}) {source} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


def _dossier_statements(row: str, sign: int) -> list[str]:
    """What a dossier's row (``NEW`` added, ``OLD`` taken away: ``sign``) changes in the counters."""
    one = str(sign)
    candidate_count = (
        "(SELECT n FROM compte_candidats WHERE certification = {c} AND candidat_id = " + row + ".candidat_id)"
    )
    out = [
        _add(
            "compte_dossiers",
            ("certification", "version_referentiel", "voie"),
            [f"{row}.certification", f"{row}.version_referentiel", f"{row}.voie", one],
        )
    ]
    for cert in (f"{row}.certification", "''"):
        out.append(_add("compte_candidats", ("certification", "candidat_id"), [cert, f"{row}.candidat_id", one]))
        # The candidate's first dossier there (count now 1, having been 0), or their last one gone (now 0).
        out.append(
            _add(
                "compte_candidats_distincts",
                ("certification",),
                [cert, one],
                f"{candidate_count.format(c=cert)} = {1 if sign > 0 else 0}",
            )
        )
    out.append(
        f"INSERT INTO compte_resultats (certification, version_referentiel, empreinte, n) SELECT r.certification, r.version_referentiel, "
        f"r.empreinte, {one} FROM resultats r WHERE r.dossier_id = {row}.id AND r.numero_version = {row}.numero_version "
        "ON CONFLICT (certification, version_referentiel, empreinte) DO UPDATE SET n = compte_resultats.n + excluded.n"
    )
    return out


def _result_statements(row: str, sign: int) -> list[str]:
    """What a row of ``resultats`` changes: counted when computed from its dossier's current version."""
    return [
        _add(
            "compte_resultats",
            ("certification", "version_referentiel", "empreinte"),
            [f"{row}.certification", f"{row}.version_referentiel", f"{row}.empreinte", str(sign)],
            f"{row}.numero_version = (SELECT d.numero_version FROM dossiers d WHERE d.id = {row}.dossier_id)",
        )
    ]


def _period_statements(row: str, sign: int) -> list[str]:
    """What an interval changes in ``resultat_jours``: its figures on ``debut``, taken away again on ``fin``."""
    key = [
        f"{row}.certification",
        f"{row}.version_referentiel",
        f"{row}.statut",
        f"{row}.hors_delai",
        f"{row}.echec IS NOT NULL",
    ]
    figures = [f"{row}.sans_bareme", *(f"{row}.{k}" for k in _MONEY)]
    start = [*key, f"{row}.debut", str(sign), *(f"{'-' if sign < 0 else ''}{v}" for v in figures)]
    end = [*key, f"{row}.fin", str(-sign), *(f"{'-' if sign > 0 else ''}{v}" for v in figures)]
    return [
        _add("resultat_jours", _DAY_KEY, start, sums=_DAY_SUMS),
        _add("resultat_jours", _DAY_KEY, end, f"{row}.fin IS NOT NULL", sums=_DAY_SUMS),
    ]


#: table → (what a row changes, the columns whose change matters on UPDATE).
_WATCHED: dict[str, tuple[Any, tuple[str, ...]]] = {
    "dossiers": (
        _dossier_statements,
        ("certification", "version_referentiel", "voie", "candidat_id", "numero_version"),
    ),
    "resultats": (
        _result_statements,
        ("certification", "version_referentiel", "empreinte", "numero_version", "dossier_id"),
    ),
    "resultat_periodes": (
        _period_statements,
        (
            "dossier_id",
            "debut",
            "fin",
            "certification",
            "version_referentiel",
            "statut",
            "hors_delai",
            "sans_bareme",
            *_MONEY,
            "echec",
        ),
    ),
}


def triggers(dialect: str) -> list[tuple[str, str, str]]:
    """The counters' triggers: ``(name, table, DDL)``, frozen (SQLite: one per operation; PostgreSQL: one per table)."""
    out: list[tuple[str, str, str]] = []
    for table, (statements, watched) in _WATCHED.items():
        if dialect == "sqlite":
            changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
            bodies = {
                "ajout": ("AFTER INSERT", statements("NEW", 1)),
                "suppression": ("AFTER DELETE", statements("OLD", -1)),
                "modification": (
                    f"AFTER UPDATE ON {table} WHEN {changed}",
                    [*statements("OLD", -1), *statements("NEW", 1)],
                ),
            }
            if table == "dossiers":
                del bodies["suppression"]  # never deleted (migration 4)
            for suffix, (when, body) in bodies.items():
                name = f"{table}_compteurs_{suffix}"
                head = when if " ON " in when else f"{when} ON {table}"
                out.append((name, table, f"CREATE TRIGGER {name} {head} BEGIN {'; '.join(body)}; END"))
        else:
            name = f"{table}_compteurs"
            out.append(
                (
                    name,
                    table,
                    f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION cqpkit_{name}()",
                )
            )
    return out


def functions() -> dict[str, str]:
    """The PostgreSQL functions of the triggers: name → body (``prosrc``)."""
    out = {}
    for table, (statements, watched) in _WATCHED.items():
        same = " AND ".join(f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in watched)
        old = "".join(f" {s};" for s in statements("OLD", -1))
        new = "".join(f" {s};" for s in statements("NEW", 1))
        out[f"cqpkit_{table}_compteurs"] = (
            f" BEGIN IF TG_OP = 'UPDATE' AND {same} THEN RETURN NULL; END IF;"
            f" IF TG_OP <> 'INSERT' THEN{old} END IF;"
            f" IF TG_OP <> 'DELETE' THEN{new} END IF; RETURN NULL; END "
        )
    return out


def drop_triggers(conn: sa.Connection) -> None:
    """Drop the counters' triggers where present (a rewound base, or rows about to be written directly)."""
    for name, table, _ddl in triggers(conn.dialect.name):
        conn.exec_driver_sql(
            f"DROP TRIGGER IF EXISTS {name}" + ("" if conn.dialect.name == "sqlite" else f" ON {table}")
        )


def create_triggers(conn: sa.Connection) -> None:
    """Create the counters' triggers (and, on PostgreSQL, their functions)."""
    if conn.dialect.name != "sqlite":
        for name, body in functions().items():
            conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    for _name, _table, ddl in triggers(conn.dialect.name):
        conn.exec_driver_sql(ddl)


def fill(conn: sa.Connection) -> None:
    """Compute every counter from the base tables (what the triggers then keep): ``GROUP BY`` in the database."""
    for table in TABLES:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    failed = "CASE WHEN echec IS NULL THEN 0 ELSE 1 END" if conn.dialect.name == "sqlite" else "echec IS NOT NULL"
    figures = ", ".join(("sans_bareme", *_MONEY))
    negated = ", ".join(f"-{c}" for c in ("sans_bareme", *_MONEY))
    sums = ", ".join(f"SUM({c})" for c in _DAY_SUMS)
    statements = [
        "INSERT INTO compte_dossiers SELECT certification, version_referentiel, voie, COUNT(*) FROM dossiers "
        "GROUP BY certification, version_referentiel, voie",
        "INSERT INTO compte_candidats SELECT certification, candidat_id, COUNT(*) FROM dossiers GROUP BY certification, candidat_id",
        "INSERT INTO compte_candidats SELECT '', candidat_id, COUNT(*) FROM dossiers GROUP BY candidat_id",
        "INSERT INTO compte_candidats_distincts SELECT certification, COUNT(*) FROM compte_candidats GROUP BY certification",
        "INSERT INTO compte_resultats SELECT r.certification, r.version_referentiel, r.empreinte, COUNT(*) FROM resultats r "
        "JOIN dossiers d ON d.id = r.dossier_id AND d.numero_version = r.numero_version "
        "GROUP BY r.certification, r.version_referentiel, r.empreinte",
        f"INSERT INTO resultat_jours SELECT {', '.join(_DAY_KEY)}, {sums} FROM ("
        f"SELECT certification, version_referentiel, statut, hors_delai, {failed} AS echoue, debut AS jour, 1 AS n, {figures} "
        "FROM resultat_periodes UNION ALL "
        f"SELECT certification, version_referentiel, statut, hors_delai, {failed}, fin, -1, {negated} "
        f"FROM resultat_periodes WHERE fin IS NOT NULL) AS bornes GROUP BY {', '.join(_DAY_KEY)}",
    ]
    for sql in statements:
        conn.exec_driver_sql(sql)


def run(conn: sa.Connection, ctx: Any) -> None:
    """Create the tables, the failure index and the triggers, and fill the tables from what the base holds."""
    drop_triggers(conn)
    md = sa.MetaData()
    tables = _tables(md)
    for table in reversed(tables):
        table.drop(conn, checkfirst=True)
    md.create_all(conn, tables=tables)
    existing = {i["name"] for i in sa.inspect(conn).get_indexes("resultat_periodes")}
    if "ix_resultat_periodes_echec" not in existing:
        conn.exec_driver_sql(
            "CREATE INDEX ix_resultat_periodes_echec ON resultat_periodes (certification, dossier_id) WHERE echec IS NOT NULL"
        )
    create_triggers(conn)
    fill(conn)
