"""The counters of ``report campaign`` (migration 9, issue 16): kept right by the triggers whatever writes, filled by the upgrade.

The oracle is a count in Python over the base tables (``dossiers``, ``resultats``, ``resultat_periodes``), not the
migration's own ``GROUP BY``: after any sequence of writes the five tables hold exactly what it gives.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from collections import Counter, defaultdict
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from cqpkit.store import migration9, migrations
from cqpkit.store import schema as t
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.strategies_dossiers import dossiers
from tests.test_store_support import CAMPAIGN, campaign_store, db, registry, store  # noqa: F401 (fixtures)

MONEY = tuple(f"{n}_{u}" for n in ("cout", "financement", "gratification") for u in ("euro", "points"))


def _clean(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Rows whose figures are all zero left out (a counter back to 0 stays as a row); sums rounded (floats added, taken away)."""
    out = {}
    for key, values in rows.items():
        values = tuple(round(float(v), 6) + 0.0 for v in values)
        if any(values):
            out[key] = values
    return out


def fresh_counts(conn: sa.Connection) -> dict[str, dict[tuple, tuple]]:
    """Every counter as a count over the base tables, in Python."""
    d, r, p = t.dossiers, t.resultats, t.resultat_periodes
    dossiers_ = conn.execute(
        sa.select(d.c.id, d.c.certification, d.c.version_referentiel, d.c.voie, d.c.candidat_id, d.c.numero_version)
    ).all()
    routes = Counter((x.certification, x.version_referentiel, x.voie) for x in dossiers_)
    refs = Counter((x.certification, x.candidat_id) for x in dossiers_) + Counter(
        ("", x.candidat_id) for x in dossiers_
    )
    distinct = Counter(cert for cert, _ in refs)
    current = {x.id: x.numero_version for x in dossiers_}
    results = Counter(
        (x.certification, x.version_referentiel, x.empreinte)
        for x in conn.execute(sa.select(r))
        if current.get(x.dossier_id) == x.numero_version
    )
    days: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * 8)
    for x in conn.execute(sa.select(p)):
        key = (x.certification, x.version_referentiel, x.statut, bool(x.hors_delai), x.echec is not None)
        figures = (1, x.sans_bareme, *(getattr(x, k) for k in MONEY))
        for day, sign in ((x.debut, 1), (x.fin, -1)):
            if day is not None:
                days[(*key, day)] = [a + sign * b for a, b in zip(days[(*key, day)], figures, strict=True)]
    return {
        "compte_dossiers": _clean({k: (v,) for k, v in routes.items()}),
        "compte_candidats": _clean({k: (v,) for k, v in refs.items()}),
        "compte_candidats_distincts": _clean({(k,): (v,) for k, v in distinct.items()}),
        "compte_resultats": _clean({k: (v,) for k, v in results.items()}),
        "resultat_jours": _clean({k: tuple(v) for k, v in days.items()}),
    }


def stored_counts(conn: sa.Connection) -> dict[str, dict[tuple, tuple]]:
    """The five tables of migration 9 as they are."""
    out = {}
    for name in migration9.TABLES:
        table = t.metadata.tables[name]
        key = [c for c in table.columns if c.primary_key]
        rest = [c for c in table.columns if not c.primary_key]
        rows = {}
        for row in conn.execute(sa.select(*key, *rest)):
            k = tuple(bool(v) if c.name in ("hors_delai", "echoue") else v for c, v in zip(key, row, strict=False))
            rows[k] = tuple(row[len(key) :])
        out[name] = _clean(rows)
    return out


def assert_counters_right(st_: Any) -> None:
    with st_.read() as conn:
        expected, got = fresh_counts(conn), stored_counts(conn)
    for name in migration9.TABLES:
        assert got[name] == expected[name], name


# ----------------------------------------------------------------------------- the property
_COUNTER = itertools.count()


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_counters_equal_a_fresh_count_after_any_writes(store, registry):
    """Imports of generated dossiers of every bundled référentiel, new versions of them (another référentiel, route or
    candidate's data), results made stale then refreshed, forgotten, candidates erased: after each, the counters are a fresh count."""
    from cqpkit.exceptions import CqpkitError
    from cqpkit.store.reading import read_lot

    refs = [registry.referentiel(f.id, f.version) for f in sorted(registry.fiches(), key=lambda f: (f.id, f.version))]
    known: dict[str, Any] = {}  # dossier id -> its candidate (kept by a re-import or a second dossier)
    outcomes: list[bool] = []  # each lot: imported or refused

    def import_(lot: list[tuple[str, Any]]) -> None:
        try:
            store.import_lot(read_lot(lot, registry=registry), operateur="test")
        except CqpkitError:  # refused (an erased candidate's data, say): nothing written, the counters as before
            outcomes.append(False)
            return
        outcomes.append(True)
        for _name, d in lot:
            known[d.dossier.id] = d.candidat

    def nth(i: int) -> str:  # a dossier already imported, drawn as an index (the draws do not depend on the base)
        return sorted(known)[i % len(known)]

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(data=st.data())
    def prop(data: Any) -> None:
        for _step in range(data.draw(st.integers(1, 4))):
            op = data.draw(st.sampled_from(["import", "import", "new_version", "refresh", "forget", "erase"]))
            pick = data.draw(st.integers(0, 10**6))
            if op in ("import", "new_version"):
                n = 1 if op == "new_version" else data.draw(st.integers(1, 3))
                lot = []
                for _ in range(n):
                    d = data.draw(dossiers(referentiel=data.draw(st.sampled_from(refs))))
                    owner, reuse = data.draw(st.integers(0, 10**6)), data.draw(st.booleans())
                    did = nth(pick) if op == "new_version" and known else f"K{next(_COUNTER)}"
                    cand = known[nth(owner)] if known and reuse else attrs.evolve(d.candidat, id=f"C-{did}")
                    if did in known:  # a dossier keeps its candidate (the import refuses another: tests/test_import_candidate_change.py)
                        cand = attrs.evolve(cand, id=known[did].id)
                    lot.append((f"{did}.toml", attrs.evolve(d, dossier=attrs.evolve(d.dossier, id=did), candidat=cand)))
                if len({name for name, _ in lot}) == len(lot):
                    import_(lot)
            elif op in ("refresh", "forget") and known:
                did = nth(pick)
                with store.write() as conn:
                    if op == "forget":
                        conn.execute(t.resultat_periodes.delete().where(t.resultat_periodes.c.dossier_id == did))
                        conn.execute(t.resultats.delete().where(t.resultats.c.dossier_id == did))
                    else:  # computed by another plugin version: stale
                        conn.execute(
                            t.resultats.update().where(t.resultats.c.dossier_id == did).values(empreinte="0" * 64)
                        )
                assert_counters_right(store)
                store.refresh_results()
            elif op == "erase" and known:
                with contextlib.suppress(CqpkitError):  # erased already
                    store.erase_candidat(known[nth(pick)].id, operateur="test")
            assert_counters_right(store)

    prop()
    # Not a vacuous run: lots were imported, most of them (a lot naming an erased candidate is refused). How many
    # depends on the draws, which are fixed (derandomize) but not the same in every process of the suite.
    assert sum(outcomes) >= 5 and sum(outcomes) > outcomes.count(False), outcomes
    assert len(known) >= 5


# ----------------------------------------------------------------------------- jury decisions, a correction
@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_jury_decisions_keep_the_counters(campaign_store):
    """A closed session's decision corrected, then a new session opened, a dossier presented and decided on: each time the
    dossier's new results moved the counters with them."""
    from cqpkit.model import Membre, SessionInfo, SessionJury

    assert_counters_right(campaign_store)

    def days() -> dict[tuple, tuple]:
        with campaign_store.read() as conn:
            return stored_counts(conn)["resultat_jours"]

    before = days()
    assert (
        campaign_store.decide(
            "OEMM-JURY-2019-03", "OEMM-2018-0203", {"D4": "acquis"}, "test", motif="Erreur de saisie (fictive)"
        )["statut"]
        == "corrigé"
    )
    assert days() != before
    assert_counters_right(campaign_store)
    campaign_store.open_session(
        SessionJury(
            session=SessionInfo(
                id="OEMM-JURY-2020-09",
                date=dt.date(2020, 9, 14),
                certifications=("mutualite.specialiste-prestations",),
                president="J-02",
                precedente="OEMM-JURY-2019-10",
            ),
            membres=(
                Membre(id="J-01", college="employeur"),
                Membre(id="J-02", college="employeur"),
                Membre(id="J-03", college="salarie"),
                Membre(id="J-04", college="salarie"),
            ),
        ),
        "test",
    )
    campaign_store.add_to_session("OEMM-JURY-2020-09", ["OEMM-2018-0208"], "test")
    assert (
        campaign_store.decide("OEMM-JURY-2020-09", "OEMM-2018-0208", {"D1": "acquis"}, "test")["statut"] == "enregistré"
    )
    assert_counters_right(campaign_store)
    campaign_store.close_session("OEMM-JURY-2020-09", "test", force=True)
    assert_counters_right(campaign_store)


# ----------------------------------------------------------------------------- upgrade from version 8
@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_upgrade_from_version_8_fills_the_counters(campaign_store, db):
    """A base at version 8 (no counters, no triggers): `db upgrade` creates and fills them; the report answers as before."""
    before = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30", "--json")
    assert before.returncode == 0
    with campaign_store.write() as conn:
        migration9.drop_triggers(conn)
        for name in reversed(migration9.TABLES):
            conn.exec_driver_sql(f"DROP TABLE {name}")
        conn.exec_driver_sql("DROP INDEX ix_resultat_periodes_echec")
        if conn.dialect.name != "sqlite":
            for name in migration9.functions():
                conn.exec_driver_sql(f"DROP FUNCTION {name}()")
        conn.exec_driver_sql("UPDATE cqpkit_meta SET valeur = '8' WHERE cle = 'schema_version'")
    refused = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30")
    assert refused.returncode != 0 and "cqpkit db upgrade" in refused.stderr
    assert [m.numero for m in campaign_store.upgrade()] == [migration9.NUMERO] == [migrations.CURRENT]
    assert_counters_right(campaign_store)
    with campaign_store.read() as conn:
        assert stored_counts(conn)["compte_dossiers"]  # filled, not merely empty on both sides
    after = run_cli("report", "campaign", "--db", db, "--as-of", "2020-06-30", "--json")
    assert after.stdout == before.stdout
    assert campaign_store.verify().ok


# ----------------------------------------------------------------------------- both sides of a period boundary
def _figures(db: str, day: dt.date, cert: str) -> dict[str, Any]:
    out = run_cli("report", "campaign", "--db", db, "--as-of", day.isoformat(), "--json", "--certification", cert)
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)["certifications"]
    return row


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_campaign_on_both_sides_of_a_period_end(campaign_store, db):
    """The day before a `fin` the interval is counted, on the day of it the next one is: the report moves on that very day,
    as a count of the intervals holding the day says (`debut <= D < fin`)."""
    p = t.resultat_periodes
    with campaign_store.read() as conn:
        row = conn.execute(
            sa.select(p)
            .where(p.c.fin.is_not(None), p.c.statut.in_(["partiel", "certifie"]), p.c.debut > dt.date(1, 1, 1))
            .order_by(p.c.fin, p.c.dossier_id)
            .limit(1)
        ).one()

        def holding(day: dt.date) -> Counter:
            q = (
                sa.select(p.c.statut, sa.func.count())
                .where(
                    p.c.certification == row.certification, p.c.debut <= day, sa.or_(p.c.fin.is_(None), p.c.fin > day)
                )
                .group_by(p.c.statut)
            )
            return Counter(dict(conn.execute(q).all()))

        before_day, on_day = row.fin - dt.timedelta(days=1), row.fin
        expected = (holding(before_day), holding(on_day))
    names = {
        "certifie": "certifies",
        "partiel": "partiels",
        "en_cours": "en_cours",
        "expire": "expires",
        "non_acquis": "echecs",
        "a_venir": "a_venir",
    }
    for day, counted in zip((before_day, on_day), expected, strict=True):
        fig = _figures(db, day, row.certification)
        for statut, key in names.items():
            assert fig[key] == counted[statut], (day, statut)
    assert expected[0] != expected[1]  # the day chosen is a boundary of the report, not only of one dossier
