"""The OpenAPI 3.1 document (``/api/openapi.json``) and its browsable page (``/api/docs``), with no CDN.

Litestar writes the paths, parameters and answer schemas from the handlers and the attrs classes of
:mod:`cqpkit.web.schemas` (the model's own classes); :func:`complete` adds what the handlers cannot say
because they read their body themselves: the request body of each engine operation (the dossier's JSON
Schema, :func:`cqpkit.formats.schema.json_schema`, the schema of ``cqpkit schema dossier``; or TOML text),
the référentiel's JSON Schema for ``show``, and the bearer scheme. The document is checked in as
``referentials/openapi.json`` (``cqpkit serve --openapi > referentials/openapi.json``); a test fails on a
stale copy. The page is plain HTML written here from the document: nothing loaded from elsewhere.
"""

from __future__ import annotations

import copy
import html
import json
from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import OpenAPIRenderPlugin

__all__ = ["DocsPage", "OpenAPIJson", "OpenAPIRouter", "complete", "document_text"]

_ENGINE_OPS = ("check", "plan", "decide", "funding", "explain")


class OpenAPIRouter(Router):
    """The router of the document and the page, without Litestar's HTML « not found » page for ``/api/{x}``:
    an unknown address under ``/api`` gets the French 404 problem as everywhere else."""

    def register(self, value: Any) -> Any:
        if any("{" in p for p in getattr(value, "paths", ())):
            return []
        return super().register(value)


def _rebased(schema: dict[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cqpkit JSON Schema as OpenAPI components: the root as ``<prefix>``, each ``$defs`` entry as ``<prefix>.X``."""
    text = json.dumps(schema).replace('"#/$defs/', f'"#/components/schemas/{prefix}.')
    moved = json.loads(text)
    defs = moved.pop("$defs", {})
    for key in ("$schema", "$id"):
        moved.pop(key, None)
    components = {f"{prefix}.{name}": body for name, body in defs.items()}
    return moved, components


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def complete(doc: dict[str, Any], *, max_dossiers: int, public_engine: bool = False) -> dict[str, Any]:
    """Litestar's document plus the request bodies, the file schemas and the security scheme (a new dict)."""
    from cqpkit.formats.schema import json_schema
    from cqpkit.web.store import BODIES as STORE_BODIES
    from cqpkit.web.users import USER_BODIES

    bodies = {**STORE_BODIES, **USER_BODIES}

    doc = copy.deepcopy(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    dossier, parts = _rebased(json_schema("dossier"), "fichier.dossier")
    schemas.update(parts)
    schemas["fichier.Dossier"] = dossier
    referentiel, parts = _rebased(json_schema("referentiel"), "fichier.referentiel")
    schemas.update(parts)
    schemas["fichier.Referentiel"] = referentiel
    schemas = dict(sorted(schemas.items()))
    doc["components"]["schemas"] = schemas
    doc["components"]["securitySchemes"] = {
        "jeton": {
            "type": "http",
            "scheme": "bearer",
            "description": "Jeton d'API (« Authorization: Bearer <jeton> »). Les calculs sont ouverts sans jeton "
            "quand le service est lancé avec --public-engine.",
        }
    }
    body = {
        "required": True,
        "description": (
            "Le dossier, en JSON (les clés du fichier dossier, dates « AAAA-MM-JJ » ; un objet, ou un tableau de "
            f"1 à {max_dossiers} objets) ou en TOML (un dossier, le texte du fichier)."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        _ref("fichier.Dossier"),
                        {"type": "array", "items": _ref("fichier.Dossier"), "minItems": 1, "maxItems": max_dossiers},
                    ]
                }
            },
            "application/toml": {"schema": {"type": "string", "description": "Le texte d'un fichier dossier (TOML)."}},
        },
    }
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            if op["operationId"] in _ENGINE_OPS and method == "post":
                op["requestBody"] = body
            if op["operationId"] == "base_import":
                op["requestBody"] = body
            if op["operationId"] == "base_session_open":
                op["requestBody"] = {
                    "required": True,
                    "description": "La session de jury, en JSON (les clés du fichier de session) ou en TOML (le texte du fichier).",
                    "content": {"application/json": {"schema": {"type": "object"}},
                                "application/toml": {"schema": {"type": "string"}}},
                }
            if op["operationId"] in bodies:
                op["requestBody"] = {"required": op["operationId"] not in ("base_session_close", "base_token_create"),
                                     "content": {"application/json": {"schema": bodies[op["operationId"]]}}}
            if op["operationId"] == "show":
                show = op["responses"]["200"]["content"]["application/json"]
                show["schema"] = {
                    "type": "object",
                    "required": ["plugin", "referentiel"],
                    "properties": {"plugin": {"type": "string"}, "referentiel": _ref("fichier.Referentiel")},
                }
            if path.startswith("/api/v1/base/"):
                op["security"] = [{"jeton": []}]
            elif path.startswith("/api/v1/"):
                op["security"] = [{}, {"jeton": []}] if public_engine else [{"jeton": []}]
    return doc


def _document(request: Request[Any, Any, Any], schema: dict[str, Any]) -> dict[str, Any]:
    state = request.app.state
    cached = state.get("openapi_document")
    if cached is None:
        cached = complete(schema, max_dossiers=state.limits.max_dossiers, public_engine=state.public_engine)
        state.openapi_document = cached
    return cached  # type: ignore[no-any-return]


def document_text(app: Any) -> str:
    """The document of ``app`` as the checked-in file holds it (indented, UTF-8, final newline)."""
    state = app.state
    doc = complete(app.openapi_schema.to_schema(), max_dossiers=state.limits.max_dossiers, public_engine=state.public_engine)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


class OpenAPIJson(OpenAPIRenderPlugin):
    """``/api/openapi.json``: the completed document."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json", media_type="application/vnd.oai.openapi+json")  # type: ignore[arg-type]

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return json.dumps(_document(request, openapi_schema), ensure_ascii=False).encode()


class DocsPage(OpenAPIRenderPlugin):
    """``/api/docs`` (and ``/api``): every operation, its parameters, bodies and answers, as plain HTML."""

    def __init__(self) -> None:
        super().__init__(path=["/docs", "/"])

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return docs_html(_document(request, openapi_schema)).encode()


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}"
    "code,pre{background:#f4f4f4;padding:.1rem .3rem}section{border-top:1px solid #ccc;margin-top:1.5rem}"
    ".m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}"
)


def docs_html(doc: dict[str, Any]) -> str:
    """The browsable page of the document: one section per operation (self-contained HTML, French)."""
    e = html.escape
    info = doc.get("info", {})
    out = [
        "<!doctype html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{e(info.get('title', 'cqpkit'))} — API</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(info.get('title', 'cqpkit'))} {e(str(info.get('version', '')))} — API HTTP</h1>",
        f"<p>{e(info.get('description', ''))}</p>",
        '<p>Le document OpenAPI 3.1 complet : <a href="/api/openapi.json"><code>/api/openapi.json</code></a>. '
        "Les erreurs sont des « problem details » (RFC 9457, <code>application/problem+json</code>).</p>",
    ]
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            out.append("<section>")
            out.append(f'<h2 id="{e(op.get("operationId", ""))}"><span class="m">{e(method)}</span><code>{e(path)}</code></h2>')
            out.append(f"<p><strong>{e(op.get('summary', ''))}</strong></p>")
            if op.get("description"):
                out.append(f"<p>{e(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                out.append("<p>Paramètres :</p><ul>")
                for p in params:
                    need = " (obligatoire)" if p.get("required") else ""
                    out.append(f"<li><code>{e(p['name'])}</code> ({e(p.get('in', ''))}){need} : {e(p.get('description', ''))}</li>")
                out.append("</ul>")
            if "requestBody" in op:
                types = ", ".join(f"<code>{e(t)}</code>" for t in op["requestBody"].get("content", {}))
                out.append(f"<p>Corps : {e(op['requestBody'].get('description', ''))} Types : {types}.</p>")
            if op.get("security") and {} not in op["security"]:
                out.append("<p>Authentification : jeton (<code>Authorization: Bearer …</code>).</p>")
            out.append("<p>Réponses :</p><ul>")
            for code, resp in op.get("responses", {}).items():
                out.append(f"<li><code>{e(code)}</code> : {e(resp.get('description', ''))}</li>")
            out.append("</ul></section>")
    out.append("</body></html>")
    return "\n".join(out)
