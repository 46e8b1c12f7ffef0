"""Issue 19, the store under the session pages: the motive of a contrary decision is the store's rule, and
``jury close --json``.

A decision contrary to the final evaluation (the engine's ``decision_contraire``: an « acquis » without a favourable
final evaluation, on the training route) is refused without a motive by ``Store.decide`` itself: ``cqpkit jury
decide`` exits 1 with the French reason, ``POST /api/v1/base/sessions/{id}/decisions`` answers a 422 problem with it,
and nothing is stored; with its motive it is recorded, the motive in the passage and its audit entry. Expected values
come from examples/campaign/README.md (0205: training route, no evaluation at all; 0207: every final evaluation
favourable). On SQLite and PostgreSQL.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.test_store_support import SP, campaign_store, db, registry, snapshot, store  # noqa: F401 (fixtures)

FOUR = ["--membre", "E1:employeur", "--membre", "E2:employeur", "--membre", "S1:salarie", "--membre", "S2:salarie"]
SESSION, CONTRARY, FAVOURABLE = "J-MOTIF-2020", "OEMM-2016-0205", "OEMM-2017-0207"
MOTIVE = "Compétence constatée par le jury lors de l'entretien (fictif)"


def _db(store: Any) -> str:
    return store.target.url if store.target.kind == "postgresql" else store.target.path


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def _fails(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def _records(db: str, dossier: str) -> list[dict[str, Any]]:
    shown = json.loads(_ok(run_cli("jury", "show", SESSION, "--json", "--db", db)))
    return next(c for c in shown["candidats"] if c["dossier"] == dossier)["enregistrements"]


def test_a_contrary_decision_needs_its_motive_in_the_store(campaign_store):
    """CLI and API share the store's rule: refused without a motive (exit 1 / 422, nothing stored), recorded with it."""
    pytest.importorskip("litestar", reason="l'API demande l'extra [serve] (Litestar)")
    from cqpkit.store import users
    from cqpkit.web import create_app
    from litestar.testing import TestClient

    db = _db(campaign_store)
    _ok(run_cli("jury", "open", SESSION, "--date", "2020-07-06", "--certification", SP, *FOUR, "--president", "E1", "--db", db))
    _ok(run_cli("jury", "add", SESSION, CONTRARY, FAVOURABLE, "--db", db))
    before = snapshot(campaign_store)

    # the command line: exit 1, the reason in French with the domaine and the finding, nothing stored
    err = _fails(run_cli("jury", "decide", SESSION, CONTRARY, "D1=acquis", "D2=non_acquis", "--db", db))
    assert err.startswith(
        f"erreur : dossier « {CONTRARY} » à la session « {SESSION} » : décision contraire à l'évaluation finale (D1 acquis) : "
        "un motif est obligatoire (--motif « … ») ; rien n'a été enregistré"
    ), err
    assert "decision_contraire — D1 acquis sans évaluation finale en entreprise favorable de ce domaine au 06/07/2020 (voie formation)" in err
    assert "la décision est enregistrée" not in err  # the engine's own wording would contradict the refusal
    # a blank motive is no motive
    _fails(run_cli("jury", "decide", SESSION, CONTRARY, "D3=acquis", "--motif", "   ", "--db", db))
    assert snapshot(campaign_store) == before

    # the API: the same store function, a 422 problem with the same reason, nothing stored
    users.add_user(campaign_store, "ope-motif", "Compte fictif", "operateur", None, operateur="test")
    token = users.create_token(campaign_store, "ope-motif", "tests", operateur="test")
    auth = {"Authorization": f"Bearer {token}"}
    written = snapshot(campaign_store)
    app = create_app(db=campaign_store, access_log=False)
    with TestClient(app) as client:
        url = f"/api/v1/base/sessions/{SESSION}/decisions"
        r = client.post(url, json={"dossier": CONTRARY, "decisions": {"D1": "acquis"}}, headers=auth)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["status"] == 422
        assert "décision contraire à l'évaluation finale (D1 acquis) : un motif est obligatoire" in problem["detail"]
        assert snapshot(campaign_store) == written

        # decisions that are not contrary need no motive: a « non acquis », an « acquis » after a favourable final evaluation
        _ok(run_cli("jury", "decide", SESSION, CONTRARY, "D2=non_acquis", "--db", db))
        decisions = [f"D{i}=acquis" for i in range(1, 6)]
        _ok(run_cli("jury", "decide", SESSION, FAVOURABLE, *decisions, "--db", db))

        # with its motive, through the API: recorded, the motive in the passage and in its audit entry
        r = client.post(url, json={"dossier": CONTRARY, "decisions": {"D1": "acquis"}, "motif": MOTIVE}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["statut"] == "enregistré"
    last = _records(db, CONTRARY)[-1]
    assert (last["decisions"], last["motif"], last["operateur"]) == ({"D1": "acquis", "D2": "non_acquis"}, MOTIVE, "ope-motif")
    import sqlalchemy as sa
    from cqpkit.store import schema as t

    with campaign_store.read() as conn:
        entry = conn.execute(sa.select(t.audit).order_by(t.audit.c.numero.desc()).limit(1)).first()
    assert entry is not None and MOTIVE in str(entry.details)

    # the same « acquis » again: unchanged, no motive asked; another contrary domaine with --motif on the command line
    assert "rien à faire" in _ok(run_cli("jury", "decide", SESSION, CONTRARY, "D1=acquis", "--db", db))
    _ok(run_cli("jury", "decide", SESSION, CONTRARY, "D3=acquis", "--motif", MOTIVE, "--db", db))
    assert _records(db, CONTRARY)[-1]["decisions"] == {"D1": "acquis", "D2": "non_acquis", "D3": "acquis"}


def test_close_json(store):
    """``jury close --json``: refused, the findings on stdout (statut « refusee », exit 1, the reason on stderr);
    closed, ``{base, session, statut: close, constats}`` — the keys the API's closing answers."""
    db = _db(store)
    _ok(run_cli("db", "init", "--db", db))
    _ok(run_cli("jury", "open", "J-1", "--date", "2020-07-06", "--certification", SP, "--membre", "E1:employeur", "--president", "E1", "--db", db))
    refused = run_cli("jury", "close", "J-1", "--json", "--db", db)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    out = json.loads(refused.stdout)
    assert set(out) == {"base", "session", "statut", "constats"}
    assert (out["session"], out["statut"]) == ("J-1", "refusee")
    assert [c["code"] for c in out["constats"]] == ["jury_composition"] * 3
    assert all(c["niveau"] == "erreur" and c["bloque_la_cloture"] is True and c["source"]["document"] for c in out["constats"])
    assert refused.stderr.startswith("erreur : session « J-1 » non close : 3 constat(s) bloquant(s)")
    assert json.loads(_ok(run_cli("jury", "show", "J-1", "--json", "--db", db)))["close"] is False
    # forced: closed, the findings it was closed over in constats
    forced = json.loads(_ok(run_cli("jury", "close", "J-1", "--forcer", "--json", "--db", db)))
    assert (forced["statut"], len(forced["constats"])) == ("close", 3)
    # a good session: closed, no finding
    _ok(run_cli("jury", "open", "J-2", "--date", "2020-12-07", "--certification", SP, *FOUR, "--president", "S1", "--precedente", "J-1", "--db", db))
    closed = json.loads(_ok(run_cli("jury", "close", "J-2", "--json", "--db", db)))
    assert closed == {"base": out["base"], "session": "J-2", "statut": "close", "constats": []}
    # the API's closing answers the same object (cqpkit.store.answers.session_closed)
    pytest.importorskip("litestar", reason="l'API demande l'extra [serve] (Litestar)")
    from cqpkit.store import users
    from cqpkit.web import create_app
    from litestar.testing import TestClient

    _ok(run_cli("jury", "open", "J-3", "--date", "2021-06-07", "--certification", SP, *FOUR, "--president", "E1", "--precedente", "J-2", "--db", db))
    users.add_user(store, "ope-close", "Compte fictif", "operateur", None, operateur="test")
    auth = {"Authorization": f"Bearer {users.create_token(store, 'ope-close', 'tests', operateur='test')}"}
    with TestClient(create_app(db=store, access_log=False)) as client:
        r = client.post("/api/v1/base/sessions/J-3/cloture", json={}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {**closed, "session": "J-3"}
    # a session already closed: the store's refusal on stderr, nothing on stdout
    again = run_cli("jury", "close", "J-2", "--json", "--db", db)
    assert again.returncode == 1 and again.stdout == "" and "déjà close" in again.stderr
