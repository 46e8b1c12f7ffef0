"""The candidates' endpoints (GET /api/v1/base/candidats[/{id}]) and ``cqpkit candidate list|show``, on SQLite and PostgreSQL.

One campaign store per database for the module (the tests read it; the erasure test erases a candidate no other
test names by name).
"""

# ruff: noqa: F811  (the registry fixture imported from tests.test_store_support and used as a parameter)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

from cqpkit.store import users
from cqpkit.web import create_app
from litestar.testing import TestClient

from tests.conftest import ROOT, run_cli
from tests.test_store_support import postgres_schema, postgres_url_or_skip, registry  # noqa: F401 (fixture)

CAMPAIGN = ROOT / "examples" / "campaign"
#: examples/campaign/sessions: L-01 sits on I410-JURY-2019-03 and I410-JURY-2019-11, where the C-010x are presented.
MEMBER = "L-01"
AS_OF = "2020-01-01"
URL = "/api/v1/base/candidats"


class Service:
    def __init__(self, db: str, registry: Any) -> None:
        from cqpkit.store.store import Store

        self.db = db
        self.store = Store.open(db, create=True, check=False, registry=registry)
        self.store.init()
        self.store.import_files([str(CAMPAIGN)], operateur="test")
        self.tokens = {}
        for login, role, membre in (("adm", "admin", None), ("ope", "operateur", None), ("jur", "jury", MEMBER), ("lec", "lecture", None),
                                    ("old", "operateur", None)):
            users.add_user(self.store, login, f"Compte fictif {login}", role, None, membre=membre, operateur="test")
            self.tokens[login] = users.create_token(self.store, login, "tests", operateur="test")
        users.disable_user(self.store, "old", operateur="test")
        self.app = create_app(db=self.store, access_log=False, registry=registry)

    def auth(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, registry: Any) -> Iterator[Service]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "PARAMETERS", {"time_cost": 1, "memory_cost": 8, "parallelism": 1})
        if request.param == "sqlite":
            s = Service(str(tmp_path_factory.mktemp("candidats") / "cqpkit.db"), registry)
            yield s
            s.store.close()
        else:
            with postgres_schema(postgres_url_or_skip()) as url:
                s = Service(url, registry)
                yield s
                s.store.close()


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(service.app) as c:
        yield c


def _get(client: TestClient, service: Service, path: str, login: str = "adm", **params: Any) -> Any:
    r = client.get(path, params=params, headers=service.auth(login))
    assert r.status_code == 200, r.text
    return r.json()


def _ids(page: dict[str, Any]) -> list[str]:
    return [c["id"] for c in page["candidats"]]


class TestSearch:
    def test_same_answer_as_the_cli(self, service, client):
        """The endpoint and ``cqpkit candidate list|show --json`` give the same object (one store function)."""
        import json

        api = _get(client, service, URL, nom="aubepine", as_of=AS_OF)
        cli = run_cli("candidate", "list", "--name", "aubepine", "--as-of", AS_OF, "--json", "--db", service.db)
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout) == api
        api = _get(client, service, f"{URL}/C-0201", as_of=AS_OF)
        cli = run_cli("candidat", "afficher", "C-0201", "--as-of", AS_OF, "--json", "--db", service.db)
        assert json.loads(cli.stdout) == api
        assert [d["statut"] for d in api["dossiers"]] == ["certifie", "en_cours"]
        assert api["candidat"]["nom"] == "Aubépine" and api["candidat"]["efface"] is False

    def test_by_name_accents_and_case_ignored(self, service, client):
        assert _ids(_get(client, service, URL, nom="ÉGLANTINE")) == ["C-0205"]
        assert _ids(_get(client, service, URL, nom="ines eglan")) == ["C-0205"]
        assert _ids(_get(client, service, URL, nom="ines tilleul")) == []

    def test_by_id_certification_and_status(self, service, client):
        assert _ids(_get(client, service, URL, candidat="c-010")) == ["C-0101", "C-0102", "C-0103", "C-0104", "C-0105"]
        assert _ids(_get(client, service, URL, certification="mutualite.teleconseiller")) == ["C-0501", "C-0502"]
        assert _ids(_get(client, service, URL, statut="partiel", as_of=AS_OF)) == ["C-0104", "C-0203", "C-0206"]
        # an id that looks like SQL is a text to look for, nothing more
        assert _ids(_get(client, service, URL, candidat="x' OR '1'='1")) == []
        assert _ids(_get(client, service, URL, candidat="%")) == []

    @pytest.mark.parametrize("nom", [None, "e"])
    def test_pages_cover_everything_once_in_order(self, service, client, nom):
        """Walking the pages with the cursor gives the one-page answer: every candidate once, in id order."""
        params = {"nom": nom} if nom else {}
        whole = _ids(_get(client, service, URL, limite=500, **params))
        assert len(whole) >= 10 and whole == sorted(whole)
        seen: list[str] = []
        after = None
        while True:
            page = _get(client, service, URL, limite=4, **params, **({"apres": after} if after else {}))
            assert len(page["candidats"]) <= 4
            seen += _ids(page)
            after = page["suivant"]
            if after is None:
                break
            assert after == seen[-1]
        assert seen == whole

    def test_bad_parameters_are_400(self, service, client):
        for params in ({"statut": "reussi"}, {"limite": 0}, {"limite": 501}, {"as_of": "2020-13-01"}):
            r = client.get(URL, params=params, headers=service.auth("adm"))
            assert r.status_code == 400, (params, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")

    def test_unknown_candidate_404(self, service, client):
        r = client.get(f"{URL}/C-0110", headers=service.auth("adm"))
        assert r.status_code == 404
        assert "C-0110" in r.json()["detail"] and "vouliez-vous dire" in r.json()["detail"]


class TestAccess:
    def test_every_read_needs_a_token(self, service, client):
        """Every GET under /api/v1/base (read from the app's routes): 401 without a token or with a disabled user's."""
        paths = sorted({r.path for r in service.app.routes if "GET" in getattr(r, "methods", ()) and r.path.startswith("/api/v1/base")})
        assert f"{URL}" in paths and f"{URL}/{{candidat:str}}" in paths
        for path in paths:
            kind = "proces-verbal" if path.startswith("/api/v1/base/sessions") else "attestation"  # a kind of no document is a 404 first
            path = (path.replace("{candidat:str}", "C-0101").replace("{dossier:str}", "I410-2018-0101")
                    .replace("{session:str}", "I410-JURY-2019-03").replace("{kind:str}", kind))
            r = client.get(path)
            assert r.status_code == 401, (path, r.text)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert client.get(path, headers=service.auth("old")).status_code == 401

    def test_lecture_may_not_read_people(self, service, client):
        for path in (URL, f"{URL}/C-0101"):
            r = client.get(path, headers=service.auth("lec"))
            assert r.status_code == 403, r.text
            assert "candidat.lire" in r.json()["detail"]

    def test_jury_reads_its_sessions_candidates_names_only(self, service, client):
        page = _get(client, service, URL, login="jur", limite=500)
        assert _ids(page) and all(i.startswith("C-010") for i in _ids(page))
        first = page["candidats"][0]
        assert first["nom"] and "email" not in first and "naissance" not in first
        assert _ids(_get(client, service, URL, login="jur", nom="aubepine")) == []  # C-0201 is not in its sessions
        r = client.get(f"{URL}/C-0201", headers=service.auth("jur"))
        assert r.status_code == 404
        assert "vouliez-vous dire" not in r.json()["detail"]  # no hint of the ids outside its sessions
        fiche = _get(client, service, f"{URL}/C-0101", login="jur")
        assert fiche["candidat"]["nom"] == "Tilleul" and "email" not in fiche["candidat"]

    def test_operateur_sees_every_field(self, service, client):
        fiche = _get(client, service, f"{URL}/C-0101", login="ope")
        assert fiche["candidat"]["email"].endswith("@example.invalid")


class TestErased:
    def test_erased_candidate_shows_the_erasure(self, service, client):
        r = client.post(f"{URL}/C-0208/effacement", json={"confirmer": True}, headers=service.auth("ope"))
        assert r.status_code == 200, r.text
        pseudonyme = r.json()["pseudonyme"]
        fiche = _get(client, service, f"{URL}/C-0208")
        c = fiche["candidat"]
        assert c["efface"] is True and c["efface_le"] and c["pseudonyme"] == pseudonyme
        assert c["nom"] == c["prenom"] == c["email"] == "" and c["naissance"] is None
        assert [d["dossier"] for d in fiche["dossiers"]] == ["OEMM-2018-0208"]  # the dossiers stay
        assert _ids(_get(client, service, URL, nom="helianthe")) == []  # no name left to find
        listed = _get(client, service, URL, candidat="C-0208")["candidats"]
        assert [(x["id"], x["efface"], x["nom"]) for x in listed] == [("C-0208", True, "")]


def answer_validator(doc: dict[str, Any], path: str, method: str) -> Any:
    """A JSON Schema validator of the 200 answer the document gives ``method path``."""
    import jsonschema

    ref = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**ref, "components": doc["components"]})


class TestDocumentedShapes:
    """Real answers of every store endpoint (on the campaign) match the schema the document gives them: the shapes
    Schemathesis checks, tried here on ids the base holds (Schemathesis' generated ids mostly meet a 404)."""

    def _validator(self, doc: dict[str, Any], path: str, method: str) -> Any:
        return answer_validator(doc, path, method)

    def test_every_store_answer_matches_the_document(self, service, client):
        doc = client.get("/api/openapi.json").json()
        calls = [
            ("get", "/api/v1/base/dossiers", "/api/v1/base/dossiers", None),
            ("get", "/api/v1/base/dossiers/{dossier}", "/api/v1/base/dossiers/OEMM-2017-0201?as_of=2020-01-01", None),
            ("get", "/api/v1/base/dossiers/{dossier}/historique", "/api/v1/base/dossiers/I410-2018-0101/historique", None),
            ("get", "/api/v1/base/sessions", "/api/v1/base/sessions", None),
            ("get", "/api/v1/base/sessions/{session}", "/api/v1/base/sessions/I410-JURY-2019-03", None),
            ("get", "/api/v1/base/rapports/echeances", "/api/v1/base/rapports/echeances?as_of=2019-06-01&jours=900", None),
            ("get", "/api/v1/base/rapports/campagne", "/api/v1/base/rapports/campagne?as_of=2020-01-01", None),
            ("get", "/api/v1/base/journal/verification", "/api/v1/base/journal/verification", None),
            ("get", "/api/v1/base/candidats", "/api/v1/base/candidats?as_of=2020-01-01", None),
            ("get", "/api/v1/base/candidats/{candidat}", "/api/v1/base/candidats/C-0201", None),
            ("post", "/api/v1/base/candidats/{candidat}/export", "/api/v1/base/candidats/C-0105/export", {}),
            ("post", "/api/v1/base/sessions", "/api/v1/base/sessions",
             {"session": {"id": "TEST-JURY-2020-01", "date": "2020-01-15", "lieu": "Salle fictive", "president": "M-01",
                          "certifications": ["secu.manager-operationnel"]},
              "membres": [{"id": "M-01", "college": "employeur", "organisation": "Organisation fictive", "fonction": "Directeur"},
                          {"id": "M-02", "college": "institut", "organisation": "Institut 4.10", "fonction": "Responsable de session"}]}),
            ("post", "/api/v1/base/sessions/{session}/dossiers", "/api/v1/base/sessions/TEST-JURY-2020-01/dossiers", {"dossiers": ["I410-2019-0105"]}),
            ("post", "/api/v1/base/sessions/{session}/decisions", "/api/v1/base/sessions/TEST-JURY-2020-01/decisions",
             {"dossier": "I410-2019-0105", "decisions": {"D1": "acquis"}}),
            ("post", "/api/v1/base/sessions/{session}/cloture", "/api/v1/base/sessions/TEST-JURY-2020-01/cloture", {"forcer": True}),
            ("post", "/api/v1/base/dossiers", "/api/v1/base/dossiers", None),
            ("post", "/api/v1/base/candidats/{candidat}/effacement", "/api/v1/base/candidats/C-0105/effacement", {"confirmer": True}),
        ]
        documented = {(m, p) for p, ops in doc["paths"].items() if p.startswith("/api/v1/base/") for m in ops}
        tried = {(m, p) for m, p, _, _ in calls}
        assert {(m, p) for m, p in documented - tried if not p.startswith(("/api/v1/base/utilisateurs", "/api/v1/base/jetons"))} <= {
            ("get", "/api/v1/base/dossiers/{dossier}/documents/{kind}"),
            ("get", "/api/v1/base/sessions/{session}/documents/{kind}")}  # PDF and ZIP answers; the users': test_web_store_users.py
        for method, path, url, body in calls:
            if method == "get":
                r = client.get(url, headers=service.auth("adm"))
            elif path == "/api/v1/base/dossiers":
                toml = (ROOT / "examples" / "dossier-manager-operationnel.toml").read_bytes()
                r = client.post(url, content=toml, headers={"content-type": "application/toml", **service.auth("adm")})
            else:
                r = client.post(url, json=body, headers=service.auth("adm"))
            assert r.status_code == 200, (url, r.text)
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in self._validator(doc, path, method).iter_errors(r.json())]
            assert not errors, (url, errors[:5])
