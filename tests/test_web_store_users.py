"""User management over HTTP (/api/v1/base/utilisateurs, /api/v1/base/jetons): admin only, the functions of
``cqpkit user``, every change logged under the acting admin, no secret echoed after its creation; on SQLite and
PostgreSQL (the module's campaign store of tests/test_web_store_candidats.py)."""

# ruff: noqa: F811  (fixtures imported from tests.test_web_store_candidats and used as parameters)

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

import sqlalchemy as sa
from cqpkit.store import schema as t

from tests.conftest import run_cli
from tests.test_web_store_candidats import answer_validator, client, registry, service  # noqa: F401 (fixtures)

USERS = "/api/v1/base/utilisateurs"
PASSWORD = "cheval-correct-agrafe-pile"


def _checked(client: Any, service: Any, method: str, path: str, template: str, **kw: Any) -> dict[str, Any]:
    """The admin's call, 200, its answer valid against the document."""
    r = client.request(method, path, headers=service.auth("adm"), **kw)
    assert r.status_code == 200, r.text
    doc = client.get("/api/openapi.json").json()
    errors = [e.message for e in answer_validator(doc, template, method.lower()).iter_errors(r.json())]
    assert not errors, (path, errors[:5])
    return r.json()


def test_only_admin_manages_users(service, client):
    routes = [(m, p) for m, p in (("GET", USERS), ("POST", USERS), ("POST", f"{USERS}/ope/desactivation"),
                                  ("POST", f"{USERS}/ope/jetons"), ("POST", "/api/v1/base/jetons/0123456789abcdef/revocation"))]
    for method, path in routes:
        assert client.request(method, path, json={}).status_code == 401, path
        for login in ("ope", "jur", "lec"):
            r = client.request(method, path, json={}, headers=service.auth(login))
            assert r.status_code == 403, (path, login, r.text)


def test_list_is_the_cli_answer(service, client):
    api = _checked(client, service, "GET", USERS, USERS)
    cli = run_cli("user", "list", "--json", "--db", service.db)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == api
    assert {u["id"] for u in api["utilisateurs"]} >= {"adm", "ope", "jur", "lec", "old"}


def test_add_token_revoke_disable(service, client):
    """A user created with a password, a token for them (given once), revoked; then the user disabled: each
    step logged under the admin, neither the password nor the token in any later answer."""
    made = _checked(client, service, "POST", USERS, USERS, json={"login": "nouv", "role": "operateur", "nom": "Compte fictif",
                                                                  "mot_de_passe": PASSWORD})
    assert made["utilisateur"]["role"] == "operateur" and made["mot_de_passe"] is True
    assert PASSWORD not in json.dumps(made)
    tok = _checked(client, service, "POST", f"{USERS}/nouv/jetons", f"{USERS}/{{login}}/jetons",
                   json={"libelle": "portail", "expire_le": "2099-12-31"})
    token = tok["jeton"]
    assert token.startswith("cqpk_") and tok["id"] in token and tok["expire_le"].startswith("2100-01-01T00:00")  # valid through 31/12/2099 (UTC)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/base/dossiers", headers=headers).status_code == 200
    listed = client.get(USERS, headers=service.auth("adm")).text
    assert token not in listed and PASSWORD not in listed and tok["id"] in listed
    done = _checked(client, service, "POST", f"/api/v1/base/jetons/{tok['id']}/revocation", "/api/v1/base/jetons/{jeton}/revocation")
    assert done["deja_revoque"] is False
    assert client.get("/api/v1/base/dossiers", headers=headers).status_code == 401
    again = client.post(f"/api/v1/base/jetons/{tok['id']}/revocation", headers=service.auth("adm")).json()
    assert again["deja_revoque"] is True
    off = _checked(client, service, "POST", f"{USERS}/nouv/desactivation", f"{USERS}/{{login}}/desactivation")
    assert off["utilisateur"]["actif"] is False and off["deja_desactive"] is False
    assert client.post(f"{USERS}/nouv/desactivation", headers=service.auth("adm")).json()["deja_desactive"] is True
    with service.store.read() as conn:
        rows = conn.execute(sa.select(t.audit.c.action, t.audit.c.operateur).where(
            t.audit.c.action.in_(("utilisateur.creation", "jeton.creation", "jeton.revocation", "utilisateur.desactivation")))).all()
    mine = [r.action for r in rows if r.operateur == "adm"]
    assert {"jeton.creation", "jeton.revocation"} <= set(mine) and len(mine) >= 4, rows


def test_refusals_are_french(service, client):
    r = client.post(USERS, json={"login": "autre", "role": "chef"}, headers=service.auth("adm"))
    assert r.status_code == 409 and "rôle « chef » inconnu" in r.text
    r = client.post(USERS, json={"login": "autre", "role": "lecture", "age": 3}, headers=service.auth("adm"))
    assert r.status_code == 422 and "clé inconnue « age »" in r.text
    r = client.post(f"{USERS}/personne/desactivation", headers=service.auth("adm"))
    assert r.status_code == 404 and "personne" in r.json()["detail"]
    r = client.post(f"{USERS}/ope/jetons", json={"expire_le": "demain"}, headers=service.auth("adm"))
    assert r.status_code == 422 and "AAAA-MM-JJ" in r.json()["detail"]
    r = client.post("/api/v1/base/jetons/x' OR '1'='1/revocation", headers=service.auth("adm"))
    assert r.status_code == 404
