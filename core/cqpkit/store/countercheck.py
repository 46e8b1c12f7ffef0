"""``db verify``: the counters of ``report campaign`` (migration 9) against a fresh count, and their repair.

The five tables are derived (kept by triggers, or once per batch by a bulk write: :mod:`cqpkit.store.bulkcounters`):
the audit log does not describe them. :func:`check` compares each with a fresh ``GROUP BY`` over the base tables
(``dossiers``, ``resultats``, ``resultat_periodes``), in SQL (the base is not brought into Python): a counter row
whose figures differ (sums of amounts to within a millionth: they were added and taken away as floats), a counter
missing, or one left over. A counter row at zero stands for no row. :func:`recount` repairs them: the tables
emptied and filled again as the upgrade to version 9 fills them (:func:`cqpkit.store.migration9.fill`), in one
write transaction (``cqpkit db recount``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cqpkit.store import migration9

__all__ = ["REPAIR", "check", "recount"]

#: What a finding tells to do.
REPAIR = "réparez avec « cqpkit db recount » (compteurs recalculés depuis les dossiers et les résultats)"
#: Mismatches reported per table at most.
_PER_TABLE = 20
_MONEY = migration9._MONEY


def _fresh(dialect: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], str]]:
    """table → (key columns, figures, the fresh count as a SELECT of those columns)."""
    failed = "CASE WHEN echec IS NULL THEN 0 ELSE 1 END" if dialect == "sqlite" else "echec IS NOT NULL"
    figures = ", ".join(("sans_bareme", *_MONEY))
    negated = ", ".join(f"-{c} AS {c}" for c in ("sans_bareme", *_MONEY))
    day_key = ("certification", "version_referentiel", "statut", "hors_delai", "echoue", "jour")
    day_sums = ("n", "sans_bareme", *_MONEY)
    return {
        "compte_dossiers": (
            ("certification", "version_referentiel", "voie"), ("n",),
            "SELECT certification, version_referentiel, voie, COUNT(*) AS n FROM dossiers "
            "GROUP BY certification, version_referentiel, voie",
        ),
        "compte_candidats": (
            ("certification", "candidat_id"), ("n",),
            "SELECT certification, candidat_id, COUNT(*) AS n FROM dossiers GROUP BY certification, candidat_id "
            "UNION ALL SELECT '', candidat_id, COUNT(*) FROM dossiers GROUP BY candidat_id",
        ),
        "compte_candidats_distincts": (
            ("certification",), ("n",),
            "SELECT certification, COUNT(DISTINCT candidat_id) AS n FROM dossiers GROUP BY certification "
            "UNION ALL SELECT '', COUNT(DISTINCT candidat_id) FROM dossiers HAVING COUNT(*) > 0",
        ),
        "compte_resultats": (
            ("certification", "version_referentiel", "empreinte"), ("n",),
            "SELECT r.certification, r.version_referentiel, r.empreinte, COUNT(*) AS n FROM resultats r "
            "JOIN dossiers d ON d.id = r.dossier_id AND d.numero_version = r.numero_version "
            "GROUP BY r.certification, r.version_referentiel, r.empreinte",
        ),
        "resultat_jours": (
            day_key, day_sums,
            f"SELECT {', '.join(day_key)}, {', '.join(f'SUM({c}) AS {c}' for c in day_sums)} FROM ("
            f"SELECT certification, version_referentiel, statut, hors_delai, {failed} AS echoue, debut AS jour, 1 AS n, {figures} "
            "FROM resultat_periodes UNION ALL "
            f"SELECT certification, version_referentiel, statut, hors_delai, {failed}, fin, -1, {negated} "
            f"FROM resultat_periodes WHERE fin IS NOT NULL) AS bornes GROUP BY {', '.join(day_key)}",
        ),
    }


def _differs(a: str, b: str, sums: tuple[str, ...]) -> str:
    return " OR ".join(f"ABS(COALESCE({a}.{s}, 0) - COALESCE({b}.{s}, 0)) > 0.000001" for s in sums)


def _show(key: tuple[str, ...], row: tuple) -> str:
    return ", ".join(f"{k}={v if v != '' else '(toute la base)'}" for k, v in zip(key, row, strict=False))


def check(conn: sa.Connection) -> list[tuple[str, str, str]]:
    """The counters that differ from a fresh count: (table, key, what is wrong, in French); empty: every one right."""
    out: list[tuple[str, str, str]] = []
    for table, (key, sums, fresh) in _fresh(conn.dialect.name).items():
        on = " AND ".join(f"s.{k} = f.{k}" for k in key)
        stored_cols = ", ".join(f"s.{c}" for c in (*key, *sums))
        fresh_cols = ", ".join(f"f.{c}" for c in (*key, *sums))
        wrong = conn.exec_driver_sql(
            f"SELECT {stored_cols}, {', '.join(f'f.{c}' for c in sums)} FROM {table} s LEFT JOIN ({fresh}) f ON {on} "
            f"WHERE {_differs('s', 'f', sums)} UNION ALL "
            f"SELECT {fresh_cols}, {', '.join('NULL' for _ in sums)} FROM ({fresh}) f LEFT JOIN {table} s ON {on} "
            f"WHERE s.{key[0]} IS NULL AND ({_differs('f', 's', sums)}) LIMIT {_PER_TABLE + 1}"
        ).all()
        for row in wrong[:_PER_TABLE]:
            here, counted = row[len(key) : len(key) + len(sums)], row[len(key) + len(sums) :]
            if all(v is None for v in counted):  # a counter missing: the second half of the union
                here, counted = (0,) * len(sums), here
            said = ", ".join(
                f"{s} = {_num(h)} (décompte frais : {_num(c)})" for s, h, c in zip(sums, here, counted, strict=True)
                if abs(float(h or 0) - float(c or 0)) > 0.000001
            )
            out.append((table, _show(key, row), f"compteur faux, {said} — {REPAIR}"))
        if len(wrong) > _PER_TABLE:
            out.append((table, "", f"d'autres compteurs faux — {REPAIR}"))
    return out


def _num(value: object) -> str:
    f = float(value or 0)
    return str(int(f)) if f == int(f) else f"{f:.2f}"


def recount(store: Any) -> None:
    """The five tables emptied and filled again from the base tables, in one write transaction of ``store``."""
    with store.write() as conn:
        migration9.fill(conn)
