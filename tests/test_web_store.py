"""The store endpoints (/api/v1/base/…) and their security, on SQLite and PostgreSQL, through a real HTTP client.

Users and tokens are the store's own (cqpkit.store.users). The list of write endpoints is read from the app's
routes, so that a new one is checked without being named here.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

import sqlalchemy as sa
from cqpkit.store import schema as t
from cqpkit.store import users
from cqpkit.web import create_app
from litestar.testing import TestClient

from tests.conftest import ROOT, run_cli
from tests.test_store_support import campaign_store, counts, db, registry, store  # noqa: F401 (fixtures)

CAMPAIGN = ROOT / "examples" / "campaign"
PASSWORD = "correct-cheval-agrafe-batterie"
#: examples/campaign/sessions: L-01 sits on I410-JURY-2019-03 (and -11), not on OEMM-JURY-2019-10.
MEMBER, HIS_SESSION, OTHER_SESSION = "L-01", "I410-JURY-2019-03", "OEMM-JURY-2019-10"
#: examples/campaign/dossiers/i410-2018-0101.toml: passed before I410-JURY-2019-03, D1…D5 « acquis » there.
DOSSIER, CANDIDAT = "I410-2018-0101", None
WRITES = ("POST", "PUT", "PATCH", "DELETE")
CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    monkeypatch.setattr(users, "PARAMETERS", CHEAP)
    monkeypatch.setattr(users, "_DUMMY", [])


class Service:
    """The app on a campaign store, one token per role (and one of a disabled user)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tokens: dict[str, str] = {}
        for login, role, membre in (("adm", "admin", None), ("ope", "operateur", None), ("jur", "jury", MEMBER), ("lec", "lecture", None),
                                    ("old", "operateur", None)):
            users.add_user(store, login, f"Compte fictif {login}", role, PASSWORD if login == "adm" else None, membre=membre, operateur="test")
            self.tokens[login] = users.create_token(store, login, "tests", operateur="test")
        users.disable_user(store, "old", operateur="test")
        self.app = create_app(db=store, access_log=True)

    def auth(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]}"}


@pytest.fixture
def service(campaign_store) -> Any:
    return Service(campaign_store)


@pytest.fixture
def client(service) -> Any:
    with TestClient(service.app) as c:
        yield c


def _audit(store: Any) -> list[Any]:
    with store.read() as conn:
        return conn.execute(sa.select(t.audit).order_by(t.audit.c.numero)).all()


def write_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) of the app that may change the base: every non-GET method under /api/v1/base."""
    out = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in WRITES and route.path.startswith("/api/v1/base"):
                out.append((method, route.path.replace("{dossier:str}", DOSSIER).replace("{session:str}", HIS_SESSION)
                            .replace("{candidat:str}", "C-0101")))
    return out


class TestSecurity:
    def test_the_write_endpoints_are_found(self, service):
        """The route list holds every write endpoint the docs name (a guard on the generator itself)."""
        found = {p for _, p in write_routes(service.app)}
        assert {"/api/v1/base/dossiers", f"/api/v1/base/sessions/{HIS_SESSION}/decisions", "/api/v1/base/sessions",
                "/api/v1/base/candidats/C-0101/effacement", f"/api/v1/base/sessions/{HIS_SESSION}/cloture"} <= found
        assert len(found) >= 7

    def test_no_token_401_lecture_403_disabled_401(self, service, client):
        """Without a token: 401 with the challenge; a lecture token: 403; a disabled user's token: 401. Nothing written."""
        before = counts(service.store)
        for method, path in write_routes(service.app):
            r = client.request(method, path, content=b"{}", headers={"content-type": "application/json"})
            assert r.status_code == 401, (method, path, r.text)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert r.json()["title"] == "Authentification requise"
            r = client.request(method, path, content=b"{}", headers={"content-type": "application/json", **service.auth("lec")})
            assert r.status_code == 403, (method, path, r.text)
            assert "accès refusé" in r.json()["detail"]
            r = client.request(method, path, content=b"{}", headers={"content-type": "application/json", **service.auth("old")})
            assert r.status_code == 401, (method, path, r.text)
            r = client.request(method, path, content=b"{}", headers={"content-type": "application/json", "Authorization": "Bearer cqpk_0123456789abcdef_" + "A" * 43})
            assert r.status_code == 401
        assert counts(service.store) == before

    def test_jury_decides_only_where_it_sits(self, service, client):
        """A jury user: 403 in a session it does not sit on; a motivated correction where it sits, logged under its login."""
        body = {"dossier": "OEMM-2017-0201", "decisions": {"D1": "non_acquis"}, "motif": "erreur de saisie"}
        r = client.post(f"/api/v1/base/sessions/{OTHER_SESSION}/decisions", json=body, headers=service.auth("jur"))
        assert r.status_code == 403, r.text
        assert OTHER_SESSION in r.json()["detail"]
        r = client.get(f"/api/v1/base/sessions/{OTHER_SESSION}", headers=service.auth("jur"))
        assert r.status_code == 403
        listed = client.get("/api/v1/base/sessions", headers=service.auth("jur")).json()["sessions"]
        assert {s["session"] for s in listed} == {"I410-JURY-2019-03", "I410-JURY-2019-11"}
        body = {"dossier": DOSSIER, "decisions": {"D1": "non_acquis"}, "motif": "erreur de saisie du PV"}
        r = client.post(f"/api/v1/base/sessions/{HIS_SESSION}/decisions", json=body, headers=service.auth("jur"))
        assert r.status_code == 200, r.text
        assert r.json()["statut"] == "corrigé"
        last = _audit(service.store)[-1]
        assert last.operateur == "jur"

    def test_a_correction_without_motive_is_refused(self, service, client):
        """A closed session's decision changes only with a motive: 409 with the store's French reason, nothing written."""
        before = counts(service.store)
        body = {"dossier": DOSSIER, "decisions": {"D1": "non_acquis"}}
        r = client.post(f"/api/v1/base/sessions/{HIS_SESSION}/decisions", json=body, headers=service.auth("ope"))
        assert r.status_code == 409, r.text
        assert "motif" in r.json()["detail"]
        assert counts(service.store) == before

    @pytest.mark.parametrize("ident", ["x' OR '1'='1", "1; DROP TABLE dossiers;--", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00"])
    def test_odd_ids_are_just_ids(self, service, client, ident):
        """SQL-looking and path-looking ids: a French 404, the tables intact."""
        from urllib.parse import quote

        before = counts(service.store)
        for path in (f"/api/v1/base/dossiers/{quote(ident, safe='')}", f"/api/v1/base/sessions/{quote(ident, safe='')}"):
            r = client.get(path, headers=service.auth("adm"))
            assert r.status_code == 404, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = client.post(f"/api/v1/base/candidats/{quote(ident, safe='')}/export", headers=service.auth("adm"))
        assert r.status_code == 404, r.text
        assert counts(service.store) == before

    def test_secrets_never_in_logs_or_answers(self, service, client, caplog):
        """After creation, no token nor password in the access log nor in any answer (the docs page included)."""
        caplog.set_level(logging.DEBUG)
        texts = []
        for login in service.tokens:
            for path in ("/api/v1/base/dossiers", "/api/v1/base/sessions", "/api/v1/base/rapports/echeances", "/api/docs", "/api/openapi.json"):
                texts.append(client.get(path, headers=service.auth(login)).text)
        texts.append(client.post("/api/v1/base/dossiers", content=b"[", headers={"content-type": "application/json", **service.auth("adm")}).text)
        everything = "\n".join(texts) + caplog.text
        assert "/api/v1/base/dossiers" in caplog.text  # the access log was written
        for token in service.tokens.values():
            assert token not in everything
            assert token[22:] not in everything  # the secret alone (cqpk_<16 hex>_<secret>)
        assert PASSWORD not in everything


class TestEndpoints:
    def test_import_one_and_many_all_or_nothing(self, service, client, tmp_path):
        """TOML and a JSON array import; an array with one invalid dossier: 422 listing its errors, nothing stored."""
        from cqpkit.formats.dossiers import load_dossier
        from cqpkit.formats.jsonfile import dump_json

        path = ROOT / "examples" / "dossier-manager-operationnel.toml"
        r = client.post("/api/v1/base/dossiers", content=path.read_bytes(), headers={"content-type": "application/toml", **service.auth("ope")})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert [f["statut"] for f in answer["fichiers"]] == ["nouveau"]
        assert _audit(service.store)[-1].operateur == "ope"
        good = json.loads(dump_json(load_dossier(path, service.store.registry)))
        bad = {**good, "dossier": {**good["dossier"], "id": "X-1", "certification": "secu.inexistante"}}
        before = counts(service.store)
        r = client.post("/api/v1/base/dossiers", json=[good, bad, bad], headers=service.auth("ope"))
        assert r.status_code == 422, r.text
        erreurs = r.json()["erreurs"]
        assert {e["fichier"] for e in erreurs} == {"<requête>[1]", "<requête>[2]"}
        assert all(e["ligne"] for e in erreurs)
        assert counts(service.store) == before

    def test_the_same_answer_as_the_cli(self, service, client):
        """report campaign, report deadlines and db verify answer the CLI's --json (the base's name aside)."""
        db = service.store.target.url if service.store.target.kind == "postgresql" else service.store.target.path
        cli = json.loads(run_cli("report", "campaign", "--db", db, "--as-of", "2020-01-01", "--json").stdout)
        r = client.get("/api/v1/base/rapports/campagne?as_of=2020-01-01", headers=service.auth("lec"))
        assert r.status_code == 200, r.text
        assert r.json() == cli
        cli = json.loads(run_cli("report", "deadlines", "--db", db, "--as-of", "2019-06-01", "--within", "400", "--json").stdout)
        r = client.get("/api/v1/base/rapports/echeances?as_of=2019-06-01&jours=400", headers=service.auth("lec"))
        assert r.json() == cli
        r = client.get("/api/v1/base/journal/verification", headers=service.auth("ope"))
        assert r.status_code == 200 and r.json()["integre"] is True
        assert r.json()["entrees"] == len(_audit(service.store))

    def test_jury_workflow(self, service, client):
        """Open a session (JSON), present a dossier, decide, close: each step logged under the acting user."""
        session = {"session": {"id": "I410-JURY-2020-01", "date": "2020-03-20", "certifications": ["secu.manager-operationnel"],
                               "president": "L-01"},
                   "membres": [{"id": "L-01", "college": "employeur"}, {"id": "L-03", "college": "institut"}]}
        r = client.post("/api/v1/base/sessions", json=session, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.json()["statut"] == "ouverte"
        r = client.post("/api/v1/base/sessions/I410-JURY-2020-01/dossiers", json={"dossiers": ["I410-2019-0105"]}, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.json()["dossiers"][0]["dossier"] == "I410-2019-0105"
        r = client.post("/api/v1/base/sessions/I410-JURY-2020-01/decisions", json={"dossier": "I410-2019-0105", "decisions": {"D1": "acquis"}},
                        headers=service.auth("jur"))
        assert r.status_code == 200, r.text
        r = client.post("/api/v1/base/sessions/I410-JURY-2020-01/cloture", json={"forcer": True}, headers=service.auth("jur"))
        assert r.status_code == 403
        r = client.post("/api/v1/base/sessions/I410-JURY-2020-01/cloture", json={"forcer": True}, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        ops = [(e.action, e.operateur) for e in _audit(service.store)[-6:]]
        assert {o for _, o in ops if _ .startswith("session") or _.startswith("passage")} <= {"ope", "jur"}

    def test_gdpr_export_and_erase(self, service, client):
        r = client.post("/api/v1/base/candidats/C-0101/export", headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.json()["dossiers"]
        assert _audit(service.store)[-1].operateur == "ope"
        r = client.post("/api/v1/base/candidats/C-0101/effacement", json={"confirmer": False}, headers=service.auth("ope"))
        assert r.status_code == 422
        r = client.post("/api/v1/base/candidats/C-0101/effacement", json={"confirmer": True}, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.json()["deja_efface"] is False and r.json()["pseudonyme"]

    def test_engine_needs_a_token_with_a_store(self, service, client):
        """With a store and without --public-engine, the engine endpoints take any active user's token."""
        path = ROOT / "examples" / "dossier-manager-operationnel.toml"
        headers = {"content-type": "application/toml"}
        assert client.post("/api/v1/dossiers/decide", content=path.read_bytes(), headers=headers).status_code == 401
        assert client.post("/api/v1/dossiers/decide", content=path.read_bytes(), headers={**headers, **service.auth("old")}).status_code == 401
        assert client.post("/api/v1/dossiers/decide", content=path.read_bytes(), headers={**headers, **service.auth("lec")}).status_code == 200


class TestDocuments:
    def test_certificate_pdf(self, service, client, monkeypatch):
        """The certificate of a certified dossier, as PDF; 403 for lecture; 404 for a session paper; 501 without Typst."""
        pytest.importorskip("typst", reason="l'extra [documents] (Typst) n'est pas installé")
        path = f"/api/v1/base/dossiers/{DOSSIER}/documents/certificat?as_of=2019-06-01"
        r = client.get(path, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
        assert client.get(path, headers=service.auth("lec")).status_code == 403
        r = client.get(f"/api/v1/base/dossiers/{DOSSIER}/documents/convocation", headers=service.auth("ope"))
        assert r.status_code == 404 and "certificat" in r.json()["detail"]
        from cqpkit.documents import typst as compiler

        def missing() -> None:
            raise compiler.DocumentsUnavailable("l'impression des documents demande le compilateur Typst, qui n'est pas installé")

        monkeypatch.setattr(compiler, "require_compiler", missing)
        r = client.get(path, headers=service.auth("ope"))
        assert r.status_code == 501 and "Typst" in r.json()["detail"]


def _pdf_text(pdf: bytes) -> str:
    import io
    import re

    pypdf = pytest.importorskip("pypdf", reason="pypdf (extra [test]) lit le texte des PDF produits")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \n]+", " ", text)


class TestSessionDocuments:
    """GET /api/v1/base/sessions/{session}/documents/{kind}: the PV as PDF, the per-candidate papers as a ZIP or one PDF."""

    def test_proces_verbal_cites_the_head_db_verify_gives(self, service, client):
        """The PV of the session the jury user sits on, read back: it holds the head of the audit chain the
        verification endpoint (`db verify`) gives; not for a session it does not sit on, nor for lecture."""
        pytest.importorskip("typst", reason="l'extra [documents] (Typst) n'est pas installé")
        r = client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/proces-verbal", headers=service.auth("jur"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert f'filename="proces-verbal-{HIS_SESSION}.pdf"' in r.headers["content-disposition"]
        verify = client.get("/api/v1/base/journal/verification", headers=service.auth("ope")).json()
        assert verify["integre"] is True and len(verify["tete"]) == 64
        text = _pdf_text(r.content)
        assert verify["tete"] in text and "I410-2018-0101" in text and "Tilleul" in text
        assert client.get(f"/api/v1/base/sessions/{OTHER_SESSION}/documents/proces-verbal", headers=service.auth("jur")).status_code == 403
        assert client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/proces-verbal", headers=service.auth("lec")).status_code == 403
        assert client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/proces-verbal").status_code == 401

    def test_convocations_zip_or_one_pdf(self, service, client):
        """Without ?dossier, one PDF per presented candidate (examples/campaign: I410-2018-0101 and -0102) in a ZIP;
        with it, that candidate's PDF; a dossier not presented there is a 404."""
        import io
        import zipfile

        pytest.importorskip("typst", reason="l'extra [documents] (Typst) n'est pas installé")
        path = f"/api/v1/base/sessions/{HIS_SESSION}/documents/convocation"
        r = client.get(path, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            assert sorted(z.namelist()) == ["convocation-I410-2018-0101.pdf", "convocation-I410-2018-0102.pdf"]
            assert all(z.read(n).startswith(b"%PDF") for n in z.namelist())
            assert "Ulmaire" in _pdf_text(z.read("convocation-I410-2018-0102.pdf"))
        r = client.get(path, params={"dossier": "I410-2018-0101"}, headers=service.auth("jur"))
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        assert "Tilleul" in _pdf_text(r.content) and "Ulmaire" not in _pdf_text(r.content)
        r = client.get(path, params={"dossier": "OEMM-2017-0202"}, headers=service.auth("ope"))
        assert r.status_code == 404 and "non présenté" in r.json()["detail"]

    def test_broken_log_refuses_the_proces_verbal(self, db, service, client):
        """A log rewritten behind the store's back (an entry's operator changed): the PV is refused (409), in French."""
        from tests.test_store_tamper import tamper

        pytest.importorskip("typst", reason="l'extra [documents] (Typst) n'est pas installé")
        tamper(db, "UPDATE audit SET operateur = 'quelqu''un' WHERE numero = 7")
        r = client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/proces-verbal", headers=service.auth("ope"))
        assert r.status_code == 409 and "NON intègre" in r.json()["detail"] and "procès-verbal refusé" in r.json()["detail"]
        r = client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/convocation", headers=service.auth("ope"))
        assert r.status_code == 200  # a convocation cites no log

    def test_unknown_kind_unknown_session_and_no_typst(self, service, client, monkeypatch):
        """A dossier's kind is not a session paper (404 naming the three); an unknown session is a 404; 501 without Typst."""
        r = client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/certificat", headers=service.auth("ope"))
        assert r.status_code == 404 and "proces-verbal" in r.json()["detail"]
        pytest.importorskip("typst", reason="l'extra [documents] (Typst) n'est pas installé")
        assert client.get("/api/v1/base/sessions/PAS-DE-SESSION/documents/proces-verbal", headers=service.auth("ope")).status_code == 404
        from cqpkit.documents import typst as compiler

        def missing() -> None:
            raise compiler.DocumentsUnavailable("l'impression des documents demande le compilateur Typst, qui n'est pas installé")

        monkeypatch.setattr(compiler, "require_compiler", missing)
        r = client.get(f"/api/v1/base/sessions/{HIS_SESSION}/documents/notification", headers=service.auth("ope"))
        assert r.status_code == 501 and "Typst" in r.json()["detail"]


class TestConcurrency:
    def test_concurrent_corrections_nothing_lost_nothing_doubled(self, service):
        """Concurrent requests (one ASGI app, async client): one correction per candidate of a session, each
        recorded once, each under its user in the log, the log intact; on both engines."""
        import asyncio

        import httpx

        candidats = [c["dossier"] for c in service.store.jury_session(HIS_SESSION)["candidats"]]
        assert len(candidats) >= 2

        async def run() -> list[int]:
            transport = httpx.ASGITransport(app=service.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                calls = [
                    c.post(f"/api/v1/base/sessions/{HIS_SESSION}/decisions", headers=service.auth("ope" if i % 2 else "jur"),
                           json={"dossier": did, "decisions": {"D1": "non_acquis"}, "motif": f"correction {i}"})
                    for i, did in enumerate(candidats)
                ]
                return [r.status_code for r in await asyncio.gather(*calls)]

        assert asyncio.run(run()) == [200] * len(candidats)
        with service.store.read() as conn:
            rows = conn.execute(sa.select(t.passages.c.dossier_id).where(t.passages.c.session_id == HIS_SESSION)
                                .where(t.passages.c.origine == "correction")).all()
        assert sorted(r.dossier_id for r in rows) == sorted(candidats)
        mine = [e for e in _audit(service.store) if e.operateur in ("ope", "jur")]
        assert len(mine) == len(candidats)
        assert service.store.verify().ok


def test_without_a_base_the_store_endpoints_say_so():
    """An app started without --db: the store endpoints answer a French 404 naming --db, not a 500."""
    with TestClient(create_app(access_log=False)) as c:
        r = c.get("/api/v1/base/dossiers", headers={"Authorization": "Bearer x"})
    assert r.status_code == 404
    assert "--db" in r.json()["detail"]
