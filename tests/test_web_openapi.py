"""The OpenAPI 3.1 document of the HTTP service: checked in and current, browsable without a CDN, and true
(Schemathesis against the served document: no 500, every answer matches its schema)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("litestar", reason="l'extra [serve] (Litestar) n'est pas installé")

from cqpkit.web import create_app
from cqpkit.web.openapi import document_text
from litestar.testing import TestClient

from tests.conftest import ROOT

OPENAPI_FILE = ROOT / "referentials" / "openapi.json"
EXAMPLES = sorted((ROOT / "examples").glob("dossier-*.toml"))


class TestCheckedInDocument:
    """referentials/openapi.json is the document the app serves."""

    def test_not_stale(self) -> None:
        """Regenerate with `cqpkit serve --openapi > referentials/openapi.json` when this fails."""
        assert OPENAPI_FILE.read_text(encoding="utf-8") == document_text(create_app(access_log=False)), (
            "referentials/openapi.json est périmé : le régénérer avec "
            "« cqpkit serve --openapi > referentials/openapi.json »"
        )

    def test_served_equals_checked_in(self) -> None:
        with TestClient(create_app(access_log=False)) as c:
            response = c.get("/api/openapi.json")
        assert response.status_code == 200
        assert response.json() == json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))

    def test_shape(self) -> None:
        """OpenAPI 3.1; the dossier's JSON Schema is the request body; the model's classes the answers."""
        doc = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
        assert doc["openapi"].startswith("3.1")
        ops = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
        engine = {"list", "show", "check", "plan", "decide", "funding", "explain"}
        assert engine <= ops
        from cqpkit.web.candidats import CANDIDAT_HANDLERS
        from cqpkit.web.store import STORE_HANDLERS
        from cqpkit.web.users import USER_HANDLERS

        assert ops - engine == {h.operation_id for h in [*STORE_HANDLERS, *CANDIDAT_HANDLERS, *USER_HANDLERS]}  # the store's, all prefixed « base_ »
        assert all(op.startswith("base_") for op in ops - engine)
        decide = doc["paths"]["/api/v1/dossiers/decide"]["post"]
        assert set(decide["requestBody"]["content"]) == {"application/json", "application/toml"}
        from cqpkit.formats.schema import json_schema

        dossier = json_schema("dossier")
        assert doc["components"]["schemas"]["fichier.Dossier"]["properties"].keys() == dossier["properties"].keys()
        resultat = doc["components"]["schemas"]["Resultat"]["properties"]
        import attrs
        from cqpkit.model import Resultat

        assert set(resultat) == {a.name for a in attrs.fields(Resultat)}
        assert decide["security"] == [{"jeton": []}]
        assert decide["responses"]["422"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Probleme"}

    def test_fiche_json_follows_the_registry(self) -> None:
        """The schema of a list item has exactly the keys of FicheReferentiel (what list --json writes)."""
        import attrs
        from cqpkit.plugins.registry import FicheReferentiel
        from cqpkit.web.schemas import FicheJson

        assert [a.name for a in attrs.fields(FicheJson)] == list(FicheReferentiel._fields)


def test_docs_page_is_self_contained() -> None:
    """/api/docs lists every operation, in French, and loads nothing from elsewhere (no script, no CDN)."""
    with TestClient(create_app(access_log=False)) as c:
        page = c.get("/api/docs")
        assert c.get("/api").text == page.text
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<script" not in text and "http://" not in text and "https://" not in text.replace("https://cqpkit.invalid", "")
    for path in ("/api/v1/referentiels", "/api/v1/dossiers/decide", "/api/v1/dossiers/explain"):
        assert f"<code>{path}</code>" in text
    assert "Réponses" in text and 'lang="fr"' in text


# ---------------------------------------------------------------------------- Schemathesis
schemathesis = pytest.importorskip("schemathesis", reason="Schemathesis n'est pas installé")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, response_headers_conformance]


@schemathesis.serializer("application/toml")
def _toml(ctx: Any, value: Any) -> bytes:
    """The TOML body is text (a dossier file): sent as it is."""
    return value if isinstance(value, bytes) else str(value).encode()


APP = create_app(public_engine=True, access_log=False)
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
#: The engine's operations (the store's are run on a store in tests/test_web_store_schemathesis.py).
ENGINE_SCHEMA = SCHEMA.exclude(path_regex="^/api/v1/base/")


@ENGINE_SCHEMA.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_schemathesis(case: Any) -> None:
    """Generated requests (parameters, JSON and TOML bodies) get no 500, and answers that match the document."""
    case.call_and_validate(checks=CHECKS)


@pytest.mark.parametrize("operation", ["check", "plan", "decide", "funding", "explain"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_real_answers_match_the_document(operation: str, path: Any) -> None:
    """The answers on the bundled examples (which generated dossiers rarely reach) match their schema too."""
    case = SCHEMA[f"/api/v1/dossiers/{operation}"]["POST"].Case(
        body=path.read_text(encoding="utf-8"), media_type="application/toml", query={"as_of": "2016-07-01"}
    )
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 200
