"""The HTTP engine endpoints (cqpkit.web): the same answers, codes and French messages as the CLI's --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

from cqpkit.formats.dossiers import load_dossier
from cqpkit.formats.jsonfile import dump_json
from cqpkit.web import Limits, create_app
from litestar.testing import TestClient

from tests.conftest import ROOT, run_cli

EXAMPLES = sorted((ROOT / "examples").glob("dossier-*.toml"))
CAMPAIGN = sorted((ROOT / "examples" / "campaign" / "dossiers").glob("*.toml"))
COMMANDS = ("check", "plan", "decide", "funding", "explain")
TOML = {"content-type": "application/toml"}
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(create_app(public_engine=True, access_log=False)) as c:
        yield c


def _cli_json(*args: str) -> dict[str, Any]:
    result = run_cli(*args, "--json")
    return json.loads(result.stdout)


def _refile(answer: dict[str, Any], fichier: str) -> dict[str, Any]:
    """The CLI names each dossier by its path, the API by the request's body: put the path in its place."""
    text = json.dumps(answer, ensure_ascii=False)
    return json.loads(text.replace('"fichier": "<requête>"', json.dumps({"fichier": fichier})[1:-1]))


def _as_json_body(path: Path) -> bytes:
    from cqpkit import load_registry

    return dump_json(load_dossier(path, load_registry())).encode()


class TestSameAsCli:
    """Each engine endpoint answers exactly what `cqpkit COMMAND --json` prints, on the bundled examples."""

    @pytest.mark.parametrize("command", COMMANDS)
    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
    def test_toml_body(self, client: Any, command: str, path: Path) -> None:
        """A dossier file sent as TOML gives the CLI's object (the path aside), as of a given date."""
        expected = _cli_json(command, str(path), "--as-of", "2016-07-01")
        response = client.post(f"/api/v1/dossiers/{command}?as_of=2016-07-01", content=path.read_bytes(), headers=TOML)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert _refile(response.json(), str(path)) == expected

    @pytest.mark.parametrize("command", COMMANDS)
    def test_json_body_equals_toml_body(self, client: Any, command: str) -> None:
        """The JSON form of the dossier (its JSON Schema is the request's) gives the same answer as its TOML."""
        path = EXAMPLES[0]
        as_toml = client.post(f"/api/v1/dossiers/{command}?as_of=2019-01-01", content=path.read_bytes(), headers=TOML)
        as_json = client.post(f"/api/v1/dossiers/{command}?as_of=2019-01-01", content=_as_json_body(path), headers=JSON)
        assert as_toml.status_code == as_json.status_code == 200
        assert as_toml.json() == as_json.json()

    @pytest.mark.parametrize("command", ["decide", "funding", "check"])
    def test_batch_equals_cli_directory(self, client: Any, command: str) -> None:
        """A JSON array of the campaign's dossiers gives the CLI's answer on the files, summary and totals included."""
        expected = _cli_json(command, *map(str, CAMPAIGN), "--as-of", "2020-06-30")
        body = "[" + ",".join(_as_json_body(p).decode() for p in CAMPAIGN) + "]"
        response = client.post(f"/api/v1/dossiers/{command}?as_of=2020-06-30", content=body.encode(), headers=JSON)
        assert response.status_code == 200, response.text
        got = response.json()
        items = got["resultats"] if command == "decide" else got["dossiers"]
        assert [x["fichier"] for x in items] == [f"<requête>[{i}]" for i in range(len(CAMPAIGN))]
        for item, path in zip(items, CAMPAIGN, strict=True):
            item["fichier"] = str(path)
        assert got == expected

    def test_default_date_is_today(self, client: Any) -> None:
        """Without as_of the date is today's, said as the CLI says it (date_source « aujourdhui »)."""
        import datetime as dt

        got = client.post("/api/v1/dossiers/decide", content=EXAMPLES[0].read_bytes(), headers=TOML).json()
        assert (got["date"], got["date_source"]) == (dt.date.today().isoformat(), "aujourdhui")

    def test_list_equals_cli(self, client: Any) -> None:
        """GET /api/v1/referentiels is `cqpkit list --json`."""
        assert client.get("/api/v1/referentiels").json() == _cli_json("list")

    def test_list_as_of_keeps_the_version_in_force(self, client: Any) -> None:
        """With as_of, each certification's version in force that day only (the two versions of the CQP MO: one)."""
        everything = client.get("/api/v1/referentiels").json()["referentiels"]
        that_day = client.get("/api/v1/referentiels?as_of=2017-03-01").json()["referentiels"]
        mo = [r["version"] for r in that_day if r["id"] == "secu.manager-operationnel"]
        assert len([r for r in everything if r["id"] == "secu.manager-operationnel"]) == 2
        shown = _cli_json("show", "secu.manager-operationnel", "--as-of", "2017-03-01")
        assert mo == [shown["referentiel"]["certification"]["version"]]

    @pytest.mark.parametrize(
        "query", ["", "?version=blocs", "?as_of=2017-03-01"], ids=["latest", "version", "as_of"]
    )
    def test_show_equals_cli(self, client: Any, query: str) -> None:
        """GET /api/v1/referentiels/{id} is `cqpkit show ID --json`, with --version and --as-of."""
        args = {"": [], "?version=blocs": ["--version", "blocs"], "?as_of=2017-03-01": ["--as-of", "2017-03-01"]}[query]
        response = client.get(f"/api/v1/referentiels/secu.manager-operationnel{query}")
        assert response.status_code == 200
        assert response.json() == _cli_json("show", "secu.manager-operationnel", *args)


class TestErrors:
    """Errors are RFC 9457 problems in French, with the CLI's list of fichier/ligne/cle/message."""

    def test_invalid_toml_dossier_has_the_cli_errors(self, client: Any, tmp_path: Path) -> None:
        """Every error at once, each with the line and key the CLI gives for the same file."""
        text = EXAMPLES[0].read_text(encoding="utf-8").replace('voie = "', 'voie = "inconnue-', 1)
        text = text.replace("[candidat]", "[candidat]\nsurnom = 3", 1)
        bad = tmp_path / "bad.toml"
        bad.write_text(text, encoding="utf-8")
        cli = _cli_json("decide", str(bad))
        response = client.post("/api/v1/dossiers/decide", content=text.encode(), headers=TOML)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 422 and problem["title"] == "Dossier invalide"
        assert len(problem["erreurs"]) == len(cli["erreurs"]) >= 2
        for got, want in zip(problem["erreurs"], cli["erreurs"], strict=True):
            assert got["fichier"] == "<requête>"
            assert {k: got[k] for k in ("ligne", "cle", "chemin", "message")} == {k: want[k] for k in ("ligne", "cle", "chemin", "message")}
        assert any(e["cle"] == "candidat.surnom" and e["message"].startswith("clé inconnue") for e in problem["erreurs"])

    def test_unknown_certification_in_json(self, client: Any) -> None:
        """A dossier naming an unknown certification: 422, the message listing those that exist."""
        body = json.loads(_as_json_body(EXAMPLES[0]))
        body["dossier"]["certification"] = "mutualite.inconnue"
        text = json.dumps(body, ensure_ascii=False, indent=2)
        line = next(n for n, x in enumerate(text.splitlines(), 1) if '"mutualite.inconnue"' in x)
        response = client.post("/api/v1/dossiers/check", content=text.encode(), headers=JSON)
        assert response.status_code == 422
        (erreur,) = response.json()["erreurs"]
        assert erreur["cle"] == "dossier.certification"
        assert "certification « mutualite.inconnue » inconnue" in erreur["message"]
        assert erreur["ligne"] == line > 1  # the line of the key in the JSON text sent

    def test_batch_errors_name_each_dossier(self, client: Any) -> None:
        """In an array, each error names its dossier (<requête>[i]); the valid ones are not computed (nothing but 422)."""
        good = json.loads(_as_json_body(EXAMPLES[0]))
        bad = json.loads(_as_json_body(EXAMPLES[1]))
        bad["dossier"]["inscription"] = "2014-02-30"
        response = client.post("/api/v1/dossiers/decide", json=[good, bad])
        assert response.status_code == 422
        assert {e["fichier"] for e in response.json()["erreurs"]} == {"<requête>[1]"}

    def test_json_syntax_error(self, client: Any) -> None:
        """A JSON syntax error: the French message of the format layer, with its line."""
        response = client.post("/api/v1/dossiers/decide", content=b'{\n "dossier": }', headers=JSON)
        assert response.status_code == 422
        (erreur,) = response.json()["erreurs"]
        assert erreur["ligne"] == 2 and erreur["message"].startswith("syntaxe JSON invalide : valeur attendue")

    def test_not_utf8_is_400(self, client: Any) -> None:
        """Bytes that are not UTF-8: unreadable, as the CLI's exit 2 (400), said in French."""
        response = client.post("/api/v1/dossiers/decide", content=b"\xff\xfe\x00x", headers=TOML)
        assert response.status_code == 400
        assert "UTF-16" in response.json()["detail"]

    def test_unsupported_content_type_is_415(self, client: Any) -> None:
        response = client.post("/api/v1/dossiers/decide", content=b"x=1", headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 415
        assert "application/toml" in response.json()["detail"]

    @pytest.mark.parametrize("as_of", ["2014-13-01", "20140101", "0001-01-01"])
    def test_bad_as_of_is_400(self, client: Any, as_of: str) -> None:
        """A date the CLI's --as-of refuses is refused with the same words (400)."""
        response = client.post(f"/api/v1/dossiers/decide?as_of={as_of}", content=EXAMPLES[0].read_bytes(), headers=TOML)
        assert response.status_code == 400
        assert response.json()["detail"].startswith("as_of : date ")

    def test_unknown_certification_is_404(self, client: Any) -> None:
        response = client.get("/api/v1/referentiels/secu.inconnu")
        assert response.status_code == 404
        assert "certification « secu.inconnu » inconnue" in response.json()["detail"]

    def test_unknown_address_is_a_french_404(self, client: Any) -> None:
        for path in ("/api/v2", "/api/nope", "/ailleurs"):
            response = client.get(path)
            assert response.status_code == 404
            assert response.json()["title"] == "Ressource introuvable"

    def test_method_not_allowed(self, client: Any) -> None:
        response = client.get("/api/v1/dossiers/decide")
        assert response.status_code == 405
        assert "méthode non permise" in response.json()["detail"]

    @pytest.mark.parametrize("ident", ["..%5C..%5Cetc%5Cpasswd", "x'%20OR%20'1'='1", "secu.manager-operationnel;DROP%20TABLE%20x"])
    def test_path_and_sql_looking_ids_are_ids(self, client: Any, ident: str) -> None:
        """An id that looks like a path or SQL is an unknown certification, nothing else."""
        response = client.get(f"/api/v1/referentiels/{ident}")
        assert response.status_code == 404
        assert "inconnue" in response.json()["detail"]

    def test_slashes_in_an_id_find_no_route(self, client: Any) -> None:
        """« ../../etc/passwd » (slashes encoded) is no route at all: the French 404, nothing read."""
        response = client.get("/api/v1/referentiels/..%2F..%2Fetc%2Fpasswd")
        assert response.status_code == 404
        assert response.json()["title"] in ("Ressource introuvable", "Certification inconnue")


class TestAuth:
    """Without --public-engine, the engine endpoints need a bearer token an authenticator accepts."""

    def test_no_users_yet_every_engine_call_is_401(self) -> None:
        """An app without an authenticator (this version) answers 401 in French to every engine call."""
        with TestClient(create_app(access_log=False)) as c:
            calls = [c.get("/api/v1/referentiels"), c.get("/api/v1/referentiels/secu.manager-operationnel")]
            calls += [c.post(f"/api/v1/dossiers/{cmd}", content=EXAMPLES[0].read_bytes(), headers={**TOML, "authorization": "Bearer x"}) for cmd in COMMANDS]
            for r in calls:
                assert r.status_code == 401, r.request.url
                assert r.headers["www-authenticate"].startswith("Bearer")
                assert "--public-engine" in r.json()["detail"]
            assert c.get("/api/openapi.json").status_code == 200  # the document stays readable

    def test_authenticator_decides(self) -> None:
        """With an authenticator: a known token passes, an unknown one is 401, a user without the right 403."""

        class Tokens:
            def authenticate(self, token: str) -> str | None:
                return {"bon": "operateur", "lecteur": "lecture"}.get(token)

            def may(self, user: str, action: str, session_id: str | None = None) -> bool:
                return user == "operateur" and action == "moteur"

        with TestClient(create_app(authenticator=Tokens(), access_log=False)) as c:
            body = EXAMPLES[0].read_bytes()

            def call(auth: str | None) -> int:
                headers = {**TOML, **({"authorization": auth} if auth else {})}
                return c.post("/api/v1/dossiers/decide", content=body, headers=headers).status_code

            assert call("Bearer bon") == 200
            assert call("bearer bon") == 200
            assert call(None) == 401
            assert call("Basic Ym9uOmJvbg==") == 401
            assert call("Bearer mauvais") == 401
            assert call("Bearer lecteur") == 403


def test_limits_are_the_defaults() -> None:
    """The documented defaults (docs/api.md): 2 Mio, 100 dossiers, 30 s, bodies up to 16 Kio computed without the thread."""
    assert Limits() == Limits(max_body=2 * 1024 * 1024, max_dossiers=100, timeout=30.0, inline_body=16 * 1024)


class TestPluginFailure:
    """A plugin failing on a dossier: as in the CLI, the finding extension_en_echec, not an error of the service."""

    @pytest.fixture()
    def failing(self, monkeypatch: pytest.MonkeyPatch) -> Any:
        from cqpkit import load_registry
        from cqpkit.plugins.hookcalls import HookFailure

        registry = load_registry()

        def boom(dossier: Any, *args: Any, **kwargs: Any) -> Any:
            raise HookFailure("defaillant", "cqpkit_decide", "erreur dans cqpkit_decide : RuntimeError: panne", dossier=dossier.id)

        monkeypatch.setattr(registry, "decide", boom)
        monkeypatch.setattr(registry, "check", boom)
        with TestClient(create_app(public_engine=True, access_log=False, registry=registry)) as c:
            yield c

    def test_decide_lists_it_apart(self, failing: Any) -> None:
        got = failing.post("/api/v1/dossiers/decide", content=EXAMPLES[0].read_bytes(), headers=TOML)
        assert got.status_code == 200
        body = got.json()
        assert body["resultats"] == [] and body["resume"] == {}
        [own] = body["non_evalues"]
        assert own["fichier"] == "<requête>" and [c["code"] for c in own["constats"]] == ["extension_en_echec"]

    def test_check_gives_the_finding(self, failing: Any) -> None:
        got = failing.post("/api/v1/dossiers/check", content=EXAMPLES[0].read_bytes(), headers=TOML).json()
        [own] = got["dossiers"]
        assert [(c["code"], c["niveau"]) for c in own["constats"]] == [("extension_en_echec", "erreur")]
        assert got["resume"] == {"dossiers": 1, "avec_erreurs": 1, "avec_avertissements": 0} and got["non_evalues"] == []
