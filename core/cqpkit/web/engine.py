"""The stateless engine endpoints: référentiels, and check / plan / decide / funding / explain on dossiers sent.

Nothing here computes: the référentiels come from the registry, the answers from
:func:`cqpkit.plugins.answers.answer` (the functions behind ``cqpkit … --json``), the dossiers are read by
the format layer's loaders (:func:`~cqpkit.formats.jsonfile.loads_dossier_json`,
:func:`~cqpkit.formats.dossiers.loads_dossier`) with their French errors. The body of a request stands for
the file: ``fichier`` is ``<requête>``, or ``<requête>[i]`` for the i-th dossier of a JSON array (whose lines
are then those of that dossier written alone, indented by two spaces).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

try:  # Litestar 2.2x: query parameters declared as such (the older spelling is deprecated there)
    from litestar.params import QueryParameter
except ImportError:  # pragma: no cover - older Litestar
    QueryParameter = Parameter  # type: ignore[assignment,misc]

from cqpkit.exceptions import InvalidFileError
from cqpkit.web.auth import ENGINE, bearer_token
from cqpkit.web.limits import run_limited
from cqpkit.web.problems import PROBLEM_JSON, Problem, erreurs_of
from cqpkit.web.schemas import (
    CheckReponse,
    DecideReponse,
    ExplainReponse,
    FundingReponse,
    ListeReferentiels,
    PlanReponse,
    Probleme,
)

__all__ = ["ENGINE_HANDLERS", "TOML_TYPES", "read_dossiers"]

BODY = "<requête>"
#: The content types of a TOML body (the first is the one documented).
TOML_TYPES = ("application/toml", "text/toml", "application/x-toml")


# ------------------------------------------------------------------------------- auth
async def engine_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The engine endpoints are public with ``--public-engine``; else a bearer token an authenticator accepts
    (asked in a worker thread: the store's authenticator queries the base)."""
    import anyio.to_thread

    state = connection.app.state
    if state.public_engine:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="cqpkit"'}
    authenticator = state.authenticator
    if authenticator is None:
        raise Problem(
            401,
            "authentification requise : ce service est lancé sans base (--db), donc sans comptes utilisateurs ; "
            "les calculs sont ouverts sans jeton seulement si le service est lancé avec --public-engine",
            headers=challenge,
        )
    token = bearer_token(connection.headers.get("authorization"))
    if token is None:
        raise Problem(401, "authentification requise : en-tête « Authorization: Bearer <jeton> » attendu", headers=challenge)

    def check() -> bool | None:
        user = authenticator.authenticate(token)
        return None if user is None else bool(authenticator.may(user, ENGINE))

    allowed = await anyio.to_thread.run_sync(check)
    if allowed is None:
        raise Problem(401, "jeton refusé : inconnu, révoqué, expiré ou compte désactivé", headers=challenge)
    if not allowed:
        raise Problem(403, "accès refusé : ce compte n'a pas le droit d'utiliser les calculs")


# ------------------------------------------------------------------------------ input
def parse_as_of(text: str | None) -> tuple[dt.date, str]:
    """The date of ``as_of`` (AAAA-MM-JJ, within the format's bounds) and its source, or today; else a 400 problem."""
    if text is None:
        return dt.date.today(), "aujourdhui"
    from cqpkit.formats.limits import DATE_MAX, DATE_MIN
    from cqpkit.render.text import date_txt

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"as_of : date invalide « {text} » : forme attendue AAAA-MM-JJ") from None
    if len(text) != 10:  # fromisoformat also takes 20140101
        raise Problem(400, f"as_of : date invalide « {text} » : forme attendue AAAA-MM-JJ")
    if not DATE_MIN <= day <= DATE_MAX:
        raise Problem(400, f"as_of : date hors des bornes « {text} » : une date du {date_txt(DATE_MIN)} au {date_txt(DATE_MAX)} est attendue")
    return day, "as_of"


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def read_dossiers(body: bytes, content_type: str | None, registry: Any, max_dossiers: int) -> list[tuple[str, Any]]:
    """``(fichier, dossier)`` of the dossier(s) of a body: JSON (one object, or an array of at most ``max_dossiers``)
    or TOML (one dossier). Every error of every dossier at once: one 422 problem; nothing is computed."""
    from cqpkit.formats.dossiers import loads_dossier
    from cqpkit.formats.jsonfile import loads_dossier_json
    from cqpkit.formats.tomlfile import decode_text

    media = _media(content_type)
    if media in TOML_TYPES:
        return [(BODY, loads_dossier(body, BODY, registry))]
    if media != "application/json" and not media.endswith("+json"):
        raise Problem(
            415,
            f"type de contenu « {media or 'absent'} » non pris en charge : un dossier s'envoie en application/json "
            "(un objet, ou un tableau d'objets) ou en application/toml (un dossier)",
        )
    text = decode_text(body, BODY)
    if not text.lstrip("\ufeff \t\r\n").startswith("["):
        return [(BODY, loads_dossier_json(text, registry, fichier=BODY))]
    try:
        items = json.loads(text.removeprefix("\ufeff"))
    except (json.JSONDecodeError, RecursionError):
        from cqpkit.formats.jsonfile import parse_json

        parse_json(text, BODY)  # raises the syntax error, in French, with its line
        raise
    if not items:
        raise Problem(422, "aucun dossier : le tableau est vide", slug="aucun-dossier", title="Aucun dossier")
    if len(items) > max_dossiers:
        raise Problem(
            422,
            f"trop de dossiers : {len(items)} dans la requête, au plus {max_dossiers} (--max-dossiers de cqpkit serve)",
            slug="trop-de-dossiers",
            title="Trop de dossiers",
        )
    out: list[tuple[str, Any]] = []
    erreurs: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        fichier = f"{BODY}[{i}]"
        try:
            out.append((fichier, loads_dossier_json(json.dumps(item, ensure_ascii=False, indent=2), registry, fichier=fichier)))
        except InvalidFileError as exc:
            erreurs.extend(erreurs_of(exc))
    if erreurs:
        n = len(erreurs)
        raise Problem(422, f"{BODY} : {n} erreur{'s' if n > 1 else ''}", erreurs)
    return out


# --------------------------------------------------------------------------- handlers
AsOf = Annotated[
    str | None,
    QueryParameter(
        required=False,
        schema_extra={"format": "date"},
        description="Date à laquelle le dossier est lu (AAAA-MM-JJ ; défaut : aujourd'hui), comme --as-of.",
    ),
]


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    from cqpkit.web.problems import TITLES

    return {
        code: ResponseSpec(data_container=Probleme, media_type=PROBLEM_JSON, description=TITLES[code][1], generate_examples=False)
        for code in codes
    }


_ENGINE_PROBLEMS = _problems(400, 401, 403, 413, 415, 422, 500, 503)


async def _engine(command: str, request: Request[Any, Any, Any], as_of: str | None) -> Any:
    from cqpkit.plugins.answers import answer

    state = request.app.state
    day, source = parse_as_of(as_of)
    body = await request.body()
    content_type = request.headers.get("content-type")

    def work() -> dict[str, Any]:
        pairs = read_dossiers(body, content_type, state.registry, state.limits.max_dossiers)
        out, _ = answer(command, state.registry, pairs, day, source)
        return out

    if len(body) <= state.limits.inline_body:  # a small body: at once, no thread hand-off (cqpkit.web.limits)
        return work()
    return await run_limited(work, state.limits.timeout)


_POST: dict[str, Any] = {
    "guards": [engine_guard],
    "status_code": 200,
    "tags": ["moteur"],
    "responses": _ENGINE_PROBLEMS,
    "response_description": "La réponse de la commande avec --json (docs/json-output.md)",
}


@post("/api/v1/dossiers/check", operation_id="check", summary="Vérifier un dossier (cqpkit check)", **_POST)
async def check(request: Request[Any, Any, Any], as_of: AsOf = None) -> CheckReponse:
    """Les constats (code, niveau, message, source) sur chaque dossier envoyé ; la même réponse que ``cqpkit check --json``."""
    return await _engine("check", request, as_of)  # type: ignore[no-any-return]


@post("/api/v1/dossiers/plan", operation_id="plan", summary="Orienter : le parcours individualisé (cqpkit plan)", **_POST)
async def plan(request: Request[Any, Any, Any], as_of: AsOf = None) -> PlanReponse:
    """Le parcours après le positionnement ; la même réponse que ``cqpkit plan --json``."""
    return await _engine("plan", request, as_of)  # type: ignore[no-any-return]


@post("/api/v1/dossiers/decide", operation_id="decide", summary="Le résultat de chaque dossier à une date (cqpkit decide)", **_POST)
async def decide(request: Request[Any, Any, Any], as_of: AsOf = None) -> DecideReponse:
    """Le statut, les domaines acquis et leur validité, les restants ; la même réponse que ``cqpkit decide --json``."""
    return await _engine("decide", request, as_of)  # type: ignore[no-any-return]


@post("/api/v1/dossiers/funding", operation_id="funding", summary="Les lignes de financement et de gratification (cqpkit funding)", **_POST)
async def funding(request: Request[Any, Any, Any], as_of: AsOf = None) -> FundingReponse:
    """Chaque ligne au barème de la date de son événement, les totaux ; la même réponse que ``cqpkit funding --json``."""
    return await _engine("funding", request, as_of)  # type: ignore[no-any-return]


@post("/api/v1/dossiers/explain", operation_id="explain", summary="Pourquoi : constats, décision et montants avec leur source (cqpkit explain)", **_POST)
async def explain(request: Request[Any, Any, Any], as_of: AsOf = None) -> ExplainReponse:
    """Chaque constat, décision et montant avec sa règle et sa source ; la même réponse que ``cqpkit explain --json``."""
    return await _engine("explain", request, as_of)  # type: ignore[no-any-return]


@get(
    "/api/v1/referentiels",
    operation_id="list",
    summary="Les référentiels enregistrés (cqpkit list)",
    guards=[engine_guard],
    tags=["référentiels"],
    responses=_problems(400, 401, 403, 500, 503),
    response_description="Les référentiels, comme cqpkit list --json",
)
async def referentiels(request: Request[Any, Any, Any], as_of: AsOf = None) -> ListeReferentiels:
    """La fiche de chaque référentiel, comme ``cqpkit list --json`` ; avec ``as_of``, seulement la version de chaque
    certification en vigueur ce jour-là."""
    registry = request.app.state.registry
    fiches = registry.fiches()
    if as_of is not None:
        day, _ = parse_as_of(as_of)
        from cqpkit.exceptions import UnknownCertificationError

        kept = []
        for f in fiches:
            try:
                ref = registry.referentiel(f.id, as_of=day)
            except UnknownCertificationError:
                continue
            if ref.version == f.version:
                kept.append(f)
        fiches = kept
    return {  # type: ignore[return-value]
        "referentiels": [f.to_json() for f in fiches],
        "erreurs": [{"plugin": f.plugin, "raison": f.raison} for f in registry.failures],
    }


@get(
    "/api/v1/referentiels/{certification:str}",
    operation_id="show",
    summary="Un référentiel (cqpkit show)",
    guards=[engine_guard],
    tags=["référentiels"],
    responses=_problems(400, 401, 403, 404, 500, 503),
    response_description="Le référentiel, comme cqpkit show ID --json",
)
async def referentiel(
    request: Request[Any, Any, Any],
    certification: Annotated[str, Parameter(description="Identifiant de la certification (branche.slug)")],
    version: Annotated[str | None, QueryParameter(required=False, description="Version du référentiel")] = None,
    as_of: Annotated[
        str | None,
        QueryParameter(required=False, schema_extra={"format": "date"}, description="La version en vigueur à cette date (AAAA-MM-JJ)"),
    ] = None,
) -> dict[str, Any]:
    """Le référentiel entier, comme ``cqpkit show ID --json`` : ``plugin`` et ``referentiel`` (les clés du fichier)."""
    from cqpkit.formats.converter import json_converter

    registry = request.app.state.registry
    day = parse_as_of(as_of)[0] if as_of is not None else None
    ref = registry.referentiel(certification, version=version, as_of=day)
    return {"plugin": registry.plugin_of(ref.id, ref.version), "referentiel": json_converter().unstructure(ref)}


ENGINE_HANDLERS = [referentiels, referentiel, check, plan, decide, funding, explain]
