"""The store endpoints (``/api/v1/base/…``): dossiers, jury sessions, reports, the audit check, GDPR export and erasure.

Every endpoint authenticates the bearer token against the store's users (:mod:`cqpkit.store.users`), checks
the role with :func:`~cqpkit.store.users.may` (for ``jury``, the session it sits on), then calls the very
:class:`~cqpkit.store.store.Store` method the CLI calls, with the acting user as ``operateur``
(:func:`~cqpkit.store.users.acting`): every write lands in the audit log under the user's login. The JSON
answers are those of the CLI's ``--json`` where it has one (:mod:`cqpkit.store.answers`). A dossier import
reads its body as the engine endpoints do (one JSON object, a JSON array, or one TOML dossier), with every
error of every dossier at once (422), and stores all or nothing.

The work runs in a worker thread (:func:`cqpkit.web.limits.run_limited`), on a connection of the store's pool (both
engines: SQLite orders the writers itself); a store given open with a single connection (SQLite, ``Store.open``)
is taken in turns (a lock).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter

from cqpkit.web.auth import bearer_token
from cqpkit.web.engine import AsOf, QueryParameter, _problems, parse_as_of, read_dossiers
from cqpkit.web.limits import run_limited
from cqpkit.web.problems import Problem
from cqpkit.web.store_schemas import (
    CampagneReponse,
    DecisionReponse,
    DossierReponse,
    EcheancesReponse,
    EffacementReponse,
    ExportReponse,
    HistoriqueReponse,
    ImportReponse,
    ListeDossiers,
    SessionAjoutReponse,
    SessionClotureReponse,
    SessionOuverteReponse,
    SessionReponse,
    SessionsReponse,
    VerificationReponse,
)

__all__ = ["BODIES", "STORE_HANDLERS"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cqpkit"'}

Id = Annotated[str, Parameter(description="Identifiant, tel que la base le connaît", min_length=1, max_length=200)]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _state(request: Request[Any, Any, Any]) -> Any:
    state = request.app.state
    if state.get("store") is None:
        raise Problem(404, "aucune base : ce service est lancé sans --db, seuls les calculs sont disponibles")
    for name, value in request.path_params.items():
        # No id of the formats holds a control character (PostgreSQL would refuse a NUL): such an id names nothing.
        if isinstance(value, str) and _CONTROL.search(value):
            raise Problem(404, f"{name} introuvable : un identifiant ne contient pas de caractère de contrôle")
    return state


def authenticated(state: Any, authorization: str | None, action: str, session_id: str | None = None) -> Any:
    """The user of the request's token, allowed ``action`` (in ``session_id``); else a 401 or 403 problem."""
    from cqpkit.store import users

    token = bearer_token(authorization)
    if token is None:
        raise Problem(401, "authentification requise : en-tête « Authorization: Bearer <jeton> » attendu", headers=_CHALLENGE)
    user = users.authenticate_token(state.store, token)
    if user is None:
        raise Problem(401, "jeton refusé : inconnu, révoqué, expiré ou compte désactivé", headers=_CHALLENGE)
    if not users.may(state.store, user, action, session_id):
        where = f" dans la session {session_id}" if session_id is not None and user.role == "jury" else ""
        raise Problem(403, f"accès refusé : le rôle {user.role} n'a pas le droit « {action} »{where}")
    return user


async def _call(request: Request[Any, Any, Any], action: str, work: Callable[[Any, Any], Any], session_id: str | None = None) -> Any:
    """Authenticate, check the right, then ``work(store, user)``: in a worker thread, within the time limit."""
    state = _state(request)
    authorization = request.headers.get("authorization")

    def run() -> Any:
        with state.store_lock:
            user = authenticated(state, authorization, action, session_id)
            return work(state.store, user)

    return await run_limited(run, state.limits.timeout)


def _object(body: bytes, fields: dict[str, tuple[type | tuple[type, ...], bool]]) -> dict[str, Any]:
    """A JSON object body with these fields (name → (types, required)); every problem at once, in French (422)."""
    from cqpkit.plugins.answers import erreur_item

    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise Problem(400, "corps illisible : un objet JSON est attendu", slug="corps-illisible", title="Corps illisible") from None
    if not isinstance(data, dict):
        raise Problem(422, "un objet JSON est attendu", [erreur_item("<requête>", None, "", "un objet JSON est attendu")],
                      slug="requete-invalide", title="Requête invalide")
    erreurs = []
    for key in data:
        if key not in fields:
            erreurs.append(erreur_item("<requête>", None, key, f"clé inconnue « {key} » ; clés : {', '.join(fields)}"))
    for key, (types, required) in fields.items():
        if key not in data:
            if required:
                erreurs.append(erreur_item("<requête>", None, key, f"clé « {key} » obligatoire"))
            continue
        value = data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,))):
            erreurs.append(erreur_item("<requête>", None, key, f"valeur de type inattendu pour « {key} »"))
    if erreurs:
        n = len(erreurs)
        raise Problem(422, f"<requête> : {n} erreur{'s' if n > 1 else ''}", erreurs, slug="requete-invalide", title="Requête invalide")
    return data


def _strings(data: dict[str, Any], key: str) -> list[str]:
    from cqpkit.plugins.answers import erreur_item

    values = data.get(key) or []
    if not values or not all(isinstance(v, str) and v for v in values):
        raise Problem(422, f"« {key} » : une liste non vide d'identifiants est attendue",
                      [erreur_item("<requête>", None, key, "une liste non vide d'identifiants (textes) est attendue")],
                      slug="requete-invalide", title="Requête invalide")
    return list(values)


_READ = _problems(400, 401, 403, 404, 500, 503)
_WRITE = _problems(400, 401, 403, 404, 409, 413, 415, 422, 500, 503)


def _kw(tag: str, write: bool = False) -> dict[str, Any]:
    return {"tags": [tag], "responses": _WRITE if write else _READ, **({"status_code": 200} if write else {})}


# ------------------------------------------------------------------------------ dossiers
@post("/api/v1/base/dossiers", operation_id="base_import", summary="Importer des dossiers, tout ou rien (cqpkit import)", **_kw("base", True))
async def import_dossiers(request: Request[Any, Any, Any]) -> ImportReponse:
    """Un dossier (JSON ou TOML) ou un tableau JSON de dossiers : tous validés d'abord (toutes les erreurs à la fois,
    422), puis enregistrés ensemble ou pas du tout ; la réponse de ``cqpkit import --json``."""
    body = await request.body()
    content_type = request.headers.get("content-type")

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store.answers import import_answer
        from cqpkit.store.errors import StoreConflictError
        from cqpkit.store.reading import read_lot
        from cqpkit.store.users import acting

        pairs = read_dossiers(body, content_type, store.registry, request.app.state.limits.max_dossiers)
        try:
            lot = read_lot(pairs, registry=store.registry)
        except StoreConflictError as exc:  # the checks across dossiers (an id twice, a candidate described two ways)
            from cqpkit.plugins.answers import erreur_item

            erreurs = [erreur_item(e.fichier, e.ligne or None, e.chemin, e.message) for e in exc.erreurs]
            raise Problem(422, str(exc).splitlines()[0], erreurs) from None
        report = store.import_lot(lot, acting(user))
        return import_answer(store.target.label, False, report)

    return await _call(request, "dossier.importer", work)  # type: ignore[no-any-return]


@get("/api/v1/base/dossiers", operation_id="base_dossiers", summary="Les dossiers de la base", **_kw("base"))
async def list_dossiers(
    request: Request[Any, Any, Any],
    certification: Annotated[str | None, QueryParameter(required=False, description="Seulement cette certification")] = None,
) -> ListeDossiers:
    """Les identifiants des dossiers enregistrés."""
    return await _call(request, "dossier.lire", lambda store, _: {"dossiers": store.dossier_ids(certification)})  # type: ignore[no-any-return]


@get("/api/v1/base/dossiers/{dossier:str}", operation_id="base_dossier", summary="Un dossier et son résultat (cqpkit dossier show)", **_kw("base"))
async def show_dossier(request: Request[Any, Any, Any], dossier: Id, as_of: AsOf = None) -> DossierReponse:
    """Le dossier tel que la base le tient, son résultat à la date ; la réponse de ``cqpkit dossier show --json``."""
    day, source = parse_as_of(as_of)
    return await _call(request, "dossier.lire", lambda store, _: {**store.show(dossier, day), "date_source": source})  # type: ignore[no-any-return]


@get("/api/v1/base/dossiers/{dossier:str}/historique", operation_id="base_history", summary="L'historique d'un dossier (cqpkit dossier history)", **_kw("base"))
async def dossier_history(request: Request[Any, Any, Any], dossier: Id) -> HistoriqueReponse:
    """Les versions, passages et entrées du journal d'un dossier ; la réponse de ``cqpkit dossier history --json``."""
    return await _call(request, "dossier.lire", lambda store, _: store.history(dossier))  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ candidats (RGPD)
@post("/api/v1/base/candidats/{candidat:str}/export", operation_id="base_export", summary="Les données personnelles d'un candidat (cqpkit candidate export)", **_kw("base", True))
async def export_candidat(request: Request[Any, Any, Any], candidat: Id) -> ExportReponse:
    """Toutes les données personnelles tenues sur un candidat, avec ses dossiers (droit d'accès) ; l'export est consigné au journal."""
    from cqpkit.store.users import acting

    return await _call(request, "candidat.exporter", lambda store, user: store.export_candidat(candidat, acting(user)))  # type: ignore[no-any-return]


@post("/api/v1/base/candidats/{candidat:str}/effacement", operation_id="base_erase", summary="Effacer les données personnelles d'un candidat (cqpkit candidate erase)", **_kw("base", True))
async def erase_candidat(request: Request[Any, Any, Any], candidat: Id) -> EffacementReponse:
    """Remplace les données personnelles par un pseudonyme (droit à l'effacement, définitif) : corps ``{"confirmer": true}``."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store.users import acting

        if _object(body, {"confirmer": (bool, True)})["confirmer"] is not True:
            raise Problem(422, "l'effacement est définitif : « confirmer » doit valoir true", slug="requete-invalide", title="Requête invalide")
        done = store.erase(candidat, acting(user))
        return {"candidat": done.candidat, "pseudonyme": done.pseudonyme, "efface_le": done.efface_le, "deja_efface": done.deja_efface,
                "nettoyage": list(done.nettoyage)}

    return await _call(request, "candidat.effacer", work)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ sessions
@get("/api/v1/base/sessions", operation_id="base_sessions", summary="Les sessions de jury (cqpkit jury list)", **_kw("jury"))
async def list_sessions(
    request: Request[Any, Any, Any],
    certification: Annotated[str | None, QueryParameter(required=False, description="Seulement les sessions de cette certification")] = None,
) -> SessionsReponse:
    """Les sessions enregistrées ; pour un compte ``jury``, celles où il siège seulement."""
    state = _state(request)
    authorization = request.headers.get("authorization")

    def run() -> dict[str, Any]:
        from cqpkit.store import users

        with state.store_lock:
            store = state.store
            token = bearer_token(authorization)
            user = users.authenticate_token(store, token) if token else None
            if user is None or user.role != "jury":  # 401, 403 (lecture), or every session (admin, operateur)
                user = authenticated(state, authorization, "session.lister")
            mine = set(users.sessions_of(store, user))
            sessions = [s for s in store.jury_sessions(certification) if s["session"] in mine]
            return {"base": store.target.label, "certification": certification, "sessions": sessions}

    return await run_limited(run, state.limits.timeout)  # type: ignore[no-any-return]


@get("/api/v1/base/sessions/{session:str}", operation_id="base_session", summary="Une session de jury (cqpkit jury show)", **_kw("jury"))
async def show_session(request: Request[Any, Any, Any], session: Id) -> SessionReponse:
    """La session, ses candidats, ses enregistrements et les constats ; la réponse de ``cqpkit jury show --json``."""
    from cqpkit.store.views import jury_session
    from cqpkit.web.memo import session_findings

    def work(store: Any, _: Any) -> Any:
        # ``Store.jury_session``, the engine's findings on the session kept between requests as the page keeps them.
        return jury_session(store, session, findings=lambda conn, row, ids: session_findings(store, conn, row, ids))

    return await _call(request, "session.lire", work, session_id=session)  # type: ignore[no-any-return]


@post("/api/v1/base/sessions", operation_id="base_session_open", summary="Ouvrir une session de jury (cqpkit jury open)", **_kw("jury", True))
async def open_session(request: Request[Any, Any, Any]) -> SessionOuverteReponse:
    """La session en JSON (les clés du fichier de session) ou en TOML (le texte du fichier) ; la réponse de ``cqpkit jury open --json``."""
    body = await request.body()
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.formats.dossiers import loads_session
        from cqpkit.formats.jsonfile import loads_session_json
        from cqpkit.store.answers import session_opened
        from cqpkit.store.users import acting
        from cqpkit.web.engine import BODY, TOML_TYPES

        if media in TOML_TYPES:
            session = loads_session(body, BODY, store.registry)
        elif media == "application/json" or media.endswith("+json"):
            session = loads_session_json(body, store.registry, fichier=BODY)
        else:
            raise Problem(415, f"type de contenu « {media or 'absent'} » non pris en charge : une session s'envoie en application/json ou application/toml")
        constats = store.open_session(session, acting(user))
        return session_opened(store.target.label, session.id, session.session.date, constats)

    return await _call(request, "session.ouvrir", work)  # type: ignore[no-any-return]


@post("/api/v1/base/sessions/{session:str}/dossiers", operation_id="base_session_add", summary="Présenter des dossiers à une session (cqpkit jury add)", **_kw("jury", True))
async def add_to_session(request: Request[Any, Any, Any], session: Id) -> SessionAjoutReponse:
    """Corps ``{"dossiers": [...], "absent": false, "excuse": false, "present": false}`` ; la réponse de ``cqpkit jury add --json``."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store.answers import session_added
        from cqpkit.store.users import acting

        data = _object(body, {"dossiers": (list, True), "absent": (bool, False), "excuse": (bool, False), "present": (bool, False)})
        done = store.add_to_session(session, _strings(data, "dossiers"), acting(user), absent=data.get("absent", False),
                                    excuse=data.get("excuse", False), present=data.get("present", False))
        return session_added(store.target.label, session, done, store.session_warnings(session))

    return await _call(request, "session.presenter", work)  # type: ignore[no-any-return]


@post("/api/v1/base/sessions/{session:str}/decisions", operation_id="base_decide", summary="Enregistrer les décisions du jury sur un dossier (cqpkit jury decide)", **_kw("jury", True))
async def decide(request: Request[Any, Any, Any], session: Id) -> DecisionReponse:
    """Corps ``{"dossier": "...", "decisions": {"D1": "acquis"}, "motif": "..."}`` ; sur une session close, une correction,
    qui demande son ``motif``. Un compte ``jury`` ne décide que dans les sessions où il siège."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.plugins.answers import erreur_item
        from cqpkit.store.users import acting

        data = _object(body, {"dossier": (str, True), "decisions": (dict, True), "motif": (str, False)})
        decisions = data["decisions"]
        bad = [k for k, v in decisions.items() if not isinstance(v, str)]
        if not decisions or bad:
            raise Problem(422, "« decisions » : un objet domaine → décision (texte) non vide est attendu",
                          [erreur_item("<requête>", None, f"decisions.{k}", "une décision (texte) est attendue") for k in bad],
                          slug="requete-invalide", title="Requête invalide")
        out = store.decide(session, data["dossier"], decisions, acting(user), motif=data.get("motif", ""))
        return {"base": store.target.label, "session": session, "dossier": data["dossier"], **out}

    return await _call(request, "session.decider", work, session_id=session)  # type: ignore[no-any-return]


@post("/api/v1/base/sessions/{session:str}/cloture", operation_id="base_session_close", summary="Clore une session (cqpkit jury close)", **_kw("jury", True))
async def close_session(request: Request[Any, Any, Any], session: Id) -> SessionClotureReponse:
    """Corps ``{"forcer": false}`` (facultatif) ; la session est vérifiée par le moteur avant d'être close."""
    body = await request.body()

    def work(store: Any, user: Any) -> dict[str, Any]:
        from cqpkit.store.answers import constats_json
        from cqpkit.store.users import acting

        data = _object(body, {"forcer": (bool, False)})
        constats = store.close_session(session, acting(user), force=data.get("forcer", False))
        return {"base": store.target.label, "session": session, "statut": "close", "constats": constats_json(constats)}

    return await _call(request, "session.clore", work)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ reports, audit
@get("/api/v1/base/rapports/echeances", operation_id="base_deadlines", summary="Les échéances (cqpkit report deadlines)", **_kw("rapports"))
async def deadlines(
    request: Request[Any, Any, Any],
    as_of: AsOf = None,
    jours: Annotated[int, QueryParameter(ge=0, le=3660, description="La fenêtre, en jours de part et d'autre de la date")] = 90,
    certification: Annotated[str | None, QueryParameter(required=False, description="Seulement cette certification")] = None,
) -> EcheancesReponse:
    """Les échéances des ``jours`` prochains et passées ; la réponse de ``cqpkit report deadlines --json``."""
    day, source = parse_as_of(as_of)
    return await _call(request, "rapport.lire", lambda store, _: {**store.deadlines(day, jours, certification), "date_source": source})  # type: ignore[no-any-return]


@get("/api/v1/base/rapports/campagne", operation_id="base_campaign", summary="Les chiffres de la campagne (cqpkit report campaign)", **_kw("rapports"))
async def campaign(
    request: Request[Any, Any, Any],
    as_of: AsOf = None,
    certification: Annotated[str | None, QueryParameter(required=False, description="Seulement cette certification")] = None,
) -> CampagneReponse:
    """Par certification : dossiers, parcours, validations, échecs, financement ; la réponse de ``cqpkit report campaign --json``."""
    day, source = parse_as_of(as_of)
    return await _call(request, "rapport.lire", lambda store, _: {**store.campaign(day, certification), "date_source": source})  # type: ignore[no-any-return]


@get("/api/v1/base/journal/verification", operation_id="base_verify", summary="Vérifier le journal d'audit (cqpkit db verify)", **_kw("base"))
async def verify(request: Request[Any, Any, Any]) -> VerificationReponse:
    """La chaîne du journal et les données contrôlées ; la réponse de ``cqpkit db verify --json`` (``integre`` : faux si un problème)."""
    from cqpkit.store.answers import verify_answer

    return await _call(request, "journal.verifier", lambda store, _: verify_answer(store.target.label, store.verify()))  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ documents
def _require_compiler() -> None:
    from cqpkit.documents.typst import DocumentsUnavailable, require_compiler

    try:
        require_compiler()
    except DocumentsUnavailable as exc:
        raise Problem(501, str(exc), slug="extra-absent", title="Fonction non installée") from None


#: The kinds printed from one stored dossier (the session papers come from a session: ``cqpkit document``).
DOSSIER_SOURCES = ("referentiel", "decision", "financement")


@get(
    "/api/v1/base/dossiers/{dossier:str}/documents/{kind:str}",
    operation_id="base_document",
    summary="Un document d'un dossier, en PDF (cqpkit document KIND ID --db)",
    tags=["documents"],
    responses=_problems(400, 401, 403, 404, 409, 422, 500, 501, 503),
    media_type="application/pdf",
    response_description="Le document, en PDF",
)
async def document(request: Request[Any, Any, Any], dossier: Id, kind: Id, as_of: AsOf = None) -> Response[bytes]:
    """Un formulaire rempli (positionnement, livret-suivi, grille-tuteur, livret-evaluation-finale), une attestation,
    un certificat ou un état de financement du dossier ; 501 si l'extra [documents] (Typst) n'est pas installé."""
    from cqpkit.documents import KINDS

    source = KINDS[kind].source if kind in KINDS else None
    if source not in DOSSIER_SOURCES:
        names = ", ".join(k for k, v in KINDS.items() if v.source in DOSSIER_SOURCES)
        raise Problem(404, f"document « {kind} » inconnu pour un dossier ; documents d'un dossier : {names}")
    day = parse_as_of(as_of)[0] if as_of is not None else None

    def work(store: Any, _: Any) -> Any:
        from cqpkit.documents.stored import dossier_documents
        from cqpkit.documents.typst import render_pdf

        _require_compiler()
        doc = dossier_documents(store, kind, dossier, day)
        return doc.filename, render_pdf(doc.template, doc.data)

    filename, pdf = await _call(request, "document.produire", work)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


#: The papers of a session: ``proces-verbal`` is one document, the others one per candidate.
SESSION_KINDS = ("convocation", "proces-verbal", "notification")


@get(
    "/api/v1/base/sessions/{session:str}/documents/{kind:str}",
    operation_id="base_session_document",
    summary="Les papiers d'une session de jury, en PDF ou en ZIP (cqpkit document KIND --session ID --db)",
    tags=["documents"],
    responses=_problems(400, 401, 403, 404, 409, 422, 500, 501, 503),
    media_type="application/pdf",
    response_description="Le procès-verbal, ou le document d'un candidat (?dossier=ID), en PDF ; sans ?dossier, les "
    "convocations ou notifications de tous les candidats dans une archive ZIP (application/zip), un PDF par candidat",
)
async def session_document(
    request: Request[Any, Any, Any],
    session: Id,
    kind: Id,
    dossier: Annotated[str | None, QueryParameter(required=False, min_length=1, max_length=200,
                                                  description="Le seul candidat (dossier) dont on veut le document, en PDF")] = None,
    as_of: AsOf = None,
) -> Response[bytes]:
    """Le procès-verbal (un PDF, qui cite la tête du journal d'audit vérifié ; 409 si le journal n'est pas intègre), les
    convocations ou les notifications (un PDF par candidat : une archive ZIP, ou ``?dossier=ID`` pour le PDF d'un
    seul) ; un compte ``jury`` ne lit que les sessions où il siège ; 501 si l'extra [documents] (Typst) n'est pas installé."""
    if kind not in SESSION_KINDS:
        raise Problem(404, f"document « {kind} » inconnu pour une session ; documents d'une session : {', '.join(SESSION_KINDS)}")
    day = parse_as_of(as_of)[0] if as_of is not None else None

    def work(store: Any, _: Any) -> tuple[str, str, bytes]:
        from cqpkit.documents.stored import BrokenAuditLog, NotPresented, session_papers, zip_bytes
        from cqpkit.documents.typst import render_pdf

        _require_compiler()
        try:
            docs = session_papers(store, kind, session, day, (dossier,) if dossier is not None else ())
        except BrokenAuditLog as exc:
            raise Problem(409, str(exc), slug="journal-non-integre", title="Journal d'audit non intègre") from None
        except NotPresented as exc:
            raise Problem(404, str(exc)) from None
        if kind == "proces-verbal" or dossier is not None:
            (doc,) = docs[:1] if docs else (None,)
            if doc is None:
                raise Problem(404, f"aucun document « {kind} » pour la session « {session} »")
            return doc.filename, "application/pdf", render_pdf(doc.template, doc.data)
        return f"{kind}-{session}.zip", "application/zip", zip_bytes((d.filename, render_pdf(d.template, d.data)) for d in docs)

    filename, media, content = await _call(request, "session.documents", work, session_id=session)
    disposition = "inline" if media == "application/pdf" else "attachment"
    return Response(content, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})



STORE_HANDLERS = [
    import_dossiers, list_dossiers, show_dossier, dossier_history, export_candidat, erase_candidat, list_sessions, show_session,
    open_session, add_to_session, decide, close_session, deadlines, campaign, verify, document, session_document,
]

_OBJ = "object"
#: The request bodies the handlers read themselves, for the OpenAPI document (operationId → schema).
BODIES: dict[str, dict[str, Any]] = {
    "base_erase": {"type": _OBJ, "required": ["confirmer"], "properties": {"confirmer": {"type": "boolean", "const": True}}, "additionalProperties": False},
    "base_session_add": {
        "type": _OBJ, "required": ["dossiers"], "additionalProperties": False,
        "properties": {"dossiers": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                       "absent": {"type": "boolean"}, "excuse": {"type": "boolean"}, "present": {"type": "boolean"}},
    },
    "base_decide": {
        "type": _OBJ, "required": ["dossier", "decisions"], "additionalProperties": False,
        "properties": {"dossier": {"type": "string"}, "decisions": {"type": _OBJ, "minProperties": 1, "additionalProperties": {"type": "string"}},
                       "motif": {"type": "string"}},
    },
    "base_session_close": {"type": _OBJ, "properties": {"forcer": {"type": "boolean"}}, "additionalProperties": False},
}
