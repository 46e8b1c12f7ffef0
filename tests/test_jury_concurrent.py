"""Issue 16: a jury decision's engine work out of the write lock, written only if the dossier did not change meanwhile.

``Store.decide`` computes the dossier's new deadlines and stored results before its writing transaction
(:mod:`cqpkit.store.jury_refresh`), then writes them only if the dossier is still as it read it; otherwise it
tries again, and last computes inside the transaction. Here another jury member's decision on the same dossier
at the same session is recorded (through a second ``Store`` on the same base: its own connection) exactly when
the first one has read the dossier, before its computation and its writing transaction (SQLAlchemy's events: the
first store's connection back in its pool after a read transaction). Both decisions are kept, the passages form one chain
(each record replaces the one before it), and the stored results and deadlines are what a fresh engine computes
on the dossier as stored. Expected decisions: examples/campaign/README.md (0207: training done, every final
evaluation favourable, so no decision is contrary; five domaines). On SQLite and PostgreSQL.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import run_cli
from tests.test_store_support import SP, campaign_store, db, registry, store  # noqa: F401 (fixtures)

FOUR = ["--membre", "E1:employeur", "--membre", "E2:employeur", "--membre", "S1:salarie", "--membre", "S2:salarie"]
SESSION, DOSSIER = "J-CONCURRENT-2020", "OEMM-2017-0207"


def _open(store: Any) -> str:
    db = store.target.url if store.target.kind == "postgresql" else store.target.path
    for args in (
        ("jury", "open", SESSION, "--date", "2020-07-06", "--certification", SP, *FOUR, "--president", "E1"),
        ("jury", "add", SESSION, DOSSIER),
    ):
        result = run_cli(*args, "--db", db)
        assert result.returncode == 0, result.stderr
    return db


def _meanwhile(store: Any, other: Any, decisions: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Have ``other`` record ``decisions`` (one each time) when ``store`` has just ended a read transaction (its
    connection back in the pool: the snapshot read, the engine's work and the writing transaction to come); the answers."""
    done: list[dict[str, Any]] = []
    last = {"write": True}

    def begin(conn: sa.Connection) -> None:
        last["write"] = bool(conn.get_execution_options().get("cqpkit_write"))

    def checkin(_dbapi: Any, _record: Any) -> None:
        if not last["write"] and len(done) < len(decisions):
            last["write"] = True  # once per read
            done.append(other.decide(SESSION, DOSSIER, decisions[len(done)], "jury-b"))

    event.listen(store.engine, "begin", begin)
    event.listen(store.engine.pool, "checkin", checkin)
    return done


def _chain(store: Any) -> list[Any]:
    from cqpkit.store import schema as t

    p = t.passages
    with store.read() as conn:
        return conn.execute(
            sa.select(p).where(p.c.dossier_id == DOSSIER, p.c.session_id == SESSION).order_by(p.c.id)
        ).all()


def _fresh_as_stored(store: Any, registry: Any) -> None:
    """The dossier's stored results and deadlines are those a fresh engine computes on the dossier as stored."""
    from cqpkit.store import schema as t
    from cqpkit.store.deadlines import compute_echeances, engine_dossiers
    from cqpkit.store.results import result_rows

    with store.read() as conn:
        dossier = engine_dossiers(conn, [DOSSIER])[DOSSIER]
        numero = conn.execute(sa.select(t.dossiers.c.numero_version).where(t.dossiers.c.id == DOSSIER)).scalar_one()
        rp, r, e = t.resultat_periodes, t.resultats, t.echeances
        periods = [
            dict(row._mapping)
            for row in conn.execute(sa.select(rp).where(rp.c.dossier_id == DOSSIER).order_by(rp.c.debut))
        ]
        head = dict(conn.execute(sa.select(r).where(r.c.dossier_id == DOSSIER)).one()._mapping)
        deadlines = _sorted([dict(row._mapping) for row in conn.execute(sa.select(e).where(e.c.dossier_id == DOSSIER))])
    want_head, want_rows = result_rows(registry, dossier, numero)
    assert {k: v for k, v in head.items() if k != "calcule_le"} == {
        k: v for k, v in want_head.items() if k != "calcule_le"
    }
    assert [
        {k: (float(v) if k.endswith(("_euro", "_points")) else v) for k, v in row.items()} for row in periods
    ] == want_rows
    assert deadlines == _sorted(compute_echeances(registry, dossier))


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda x: tuple(map(str, x.values())))


def test_a_decision_recorded_meanwhile_is_kept(campaign_store, registry):
    from cqpkit.store.store import Store

    db = _open(campaign_store)
    with Store.open(db, registry=registry) as other:
        done = _meanwhile(campaign_store, other, [{"D2": "acquis"}])
        got = campaign_store.decide(SESSION, DOSSIER, {"D1": "acquis"}, "jury-a")
    assert [d["statut"] for d in done] == ["enregistré"]
    assert got["statut"] == "enregistré"
    chain = _chain(campaign_store)
    # presented (no decision), then B's record, then A's: A replaced B's, it did not overwrite it from a stale read
    assert [json.loads(r.decisions) for r in chain] == [{}, {"D2": "acquis"}, {"D1": "acquis", "D2": "acquis"}]
    assert [r.remplace_id for r in chain] == [None, chain[0].id, chain[1].id]
    assert got["remplace"] == done[0]["passage"] == chain[1].id
    assert [r.operateur for r in chain[1:]] == ["jury-b", "jury-a"]
    _fresh_as_stored(campaign_store, registry)


def test_a_dossier_that_keeps_changing_is_decided_inside_the_transaction(campaign_store, registry):
    """Changed after every optimistic read: the last try computes inside the writing transaction; nothing is lost."""
    from cqpkit.store.jury import OPTIMISTIC_TRIES
    from cqpkit.store.store import Store

    db = _open(campaign_store)
    others = [{f"D{i}": "acquis"} for i in range(2, 2 + OPTIMISTIC_TRIES)]
    assert 1 + len(others) <= 5  # D1 and the others among the five domaines of the référentiel
    with Store.open(db, registry=registry) as other:
        done = _meanwhile(campaign_store, other, others)
        got = campaign_store.decide(SESSION, DOSSIER, {"D1": "acquis"}, "jury-a")
    assert [d["statut"] for d in done] == ["enregistré"] * len(others)
    chain = _chain(campaign_store)
    assert [json.loads(r.decisions) for r in chain][-1] == {f"D{i}": "acquis" for i in range(1, 2 + OPTIMISTIC_TRIES)}
    assert [r.remplace_id for r in chain[1:]] == [r.id for r in chain[:-1]]
    assert len(chain) == 2 + len(others)  # presented, the others' records, A's
    assert got["remplace"] == done[-1]["passage"] and chain[-1].operateur == "jury-a"
    _fresh_as_stored(campaign_store, registry)
