"""The pages that change a jury session: open it (its composition checked as it is typed), present dossiers and
record each candidate present, absent or excusé, record decisions (the forms grouped per certification by
:func:`decision_forms`, and one candidate's decision page), close it (refused with the findings listed);
and the candidates' papers printed from it (convocations, notifications: a ZIP or one PDF). Each calls the ``Store``
method ``cqpkit jury open|add|decide|close`` calls (the motive of a contrary decision is the store's rule); the
composition is previewed with the function ``jury close`` checks a stored session with
(:func:`cqpkit.store.sessioncheck.session_findings`), on the session typed, nothing stored. The papers come from
:func:`cqpkit.documents.stored.session_papers`, as ``cqpkit document`` and the API print them.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.response import Redirect
from markupsafe import Markup

from cqpkit.web.pages.base import PATH, QUERY, Context, Refused, context, escape_many, findings_list, html

__all__ = ["CANDIDATE_PAPERS", "COLLEGES", "JURY_HANDLERS", "PRESENCES", "Row", "decision_forms", "session_rows"]

#: The collèges of a jury member offered by the form (those of the bundled campaign's sessions: employeur, salarié).
COLLEGES = {"employeur": "employeur", "salarie": "salarié"}
#: Member rows of the open form.
MEMBER_ROWS = 6


def _form_session(form: Any) -> tuple[Any, list[str]]:
    """The session typed in the form, or ``None`` and the French problems (a field the model refuses)."""
    from cqpkit.exceptions import ModelError
    from cqpkit.model import Membre, SessionInfo, SessionJury

    problems: list[str] = []
    sid = str(form.get("session") or "").strip()
    if not sid:
        problems.append("identifiant de la session : obligatoire")
    try:
        day = dt.date.fromisoformat(str(form.get("date") or ""))
    except ValueError:
        problems.append("date : attendue au format AAAA-MM-JJ")
        day = None
    certs = [c for c in (form.getall("certification", []) if hasattr(form, "getall") else []) if c]
    if not certs:
        problems.append("certification : choisissez-en au moins une")
    membres = []
    for i in range(MEMBER_ROWS):
        mid = str(form.get(f"membre_{i}") or "").strip()
        if mid:
            membres.append((mid, str(form.get(f"college_{i}") or ""), str(form.get(f"organisation_{i}") or "").strip()))
    if problems or day is None:
        return None, problems
    try:
        session = SessionJury(
            session=SessionInfo(id=sid, date=day, certifications=tuple(certs), president=(str(form.get("president") or "").strip() or None),
                                precedente=(str(form.get("precedente") or "") or None), lieu=str(form.get("lieu") or "").strip()),
            membres=tuple(Membre(id=i, college=c, organisation=o) for i, c, o in membres),
        )
    except ModelError as exc:
        return None, [f"{exc.champ} : {exc.raison}"]
    return session, []


def preview(store: Any, session: Any) -> list[Any]:
    """The engine's findings on a session not stored yet, as it stands (open), with the stored sessions as its history."""
    from cqpkit.formats.converter import json_converter
    from cqpkit.formats.dossiers import validate_session
    from cqpkit.store.sessioncheck import session_findings

    if validate_session(session, store.registry, "jury open"):
        return []  # the model's own errors are said by the open itself
    row = types.SimpleNamespace(id=session.id, contenu=json.dumps(json_converter().unstructure(session)))
    with store.read() as conn:
        return list(session_findings(store, conn, row, [], closing=False))


def _open_page(ctx: Context, form: Any = None, constats: list[Any] | None = None, erreurs: list[str] | None = None,
               status: int = 200, fragment: bool = False) -> Response[str]:
    if fragment:
        return html("_constats_session.html", status=status, constats=constats or [], erreurs=erreurs or [])
    sessions = [s["session"] for s in ctx.store.jury_sessions()]
    certs = sorted({f.id for f in ctx.store.registry.fiches()})
    return html("session_ouvrir.html", status=status, ctx=ctx, user=ctx.user, form=form or {}, constats=constats or [], erreurs=erreurs or [],
                certifications=certs, sessions=sessions, colleges=COLLEGES, rows=range(MEMBER_ROWS))


@post("/sessions/nouvelle", include_in_schema=False)
async def open_session(request: Request[Any, Any, Any]) -> Response[Any]:
    """``verifier``: the findings on the session typed (the page, or only its findings for the script); ``ouvrir``: open it."""
    from litestar.concurrency import sync_to_thread

    from cqpkit.exceptions import CqpkitError
    from cqpkit.store.users import acting

    ctx = context(request)
    ctx.require("session.ouvrir")
    form = await request.form()
    ctx.check_csrf(form)
    fragment = request.headers.get("x-cqpkit-fragment") == "1"
    session, problems = _form_session(form)
    if session is None:
        return _open_page(ctx, form, erreurs=problems, status=400 if not fragment else 200, fragment=fragment)
    if form.get("action") != "ouvrir":
        found = await sync_to_thread(preview, ctx.store, session)
        return _open_page(ctx, form, constats=found, fragment=fragment)
    try:
        await sync_to_thread(ctx.store.open_session, session, acting(ctx.user))
    except CqpkitError as exc:
        return _open_page(ctx, form, erreurs=str(exc).splitlines(), status=409)
    return Redirect(f"/sessions/{session.id}", status_code=303)


def _back(session_id: str, erreurs: list[str] | None = None) -> Response[Any]:
    return Redirect(f"/sessions/{session_id}", status_code=303)


async def _session_action(request: Request[Any, Any, Any], session_id: str, action: str, work: Any) -> Response[Any]:
    from litestar.concurrency import sync_to_thread

    from cqpkit.exceptions import CqpkitError
    from cqpkit.web.pages.views import session_view

    ctx = context(request)
    ctx.require(action, session_id)
    form = await request.form()
    ctx.check_csrf(form)
    try:
        await sync_to_thread(work, ctx, form)
    except CqpkitError as exc:
        return session_view(ctx, session_id, erreurs=str(exc).splitlines(), status=409)
    return _back(session_id)


#: The presence of a candidate at the session, as the forms offer it (value → label); ``jury add --absent|--excuse|--present``.
PRESENCES = {"present": "présent", "absent": "absent", "excuse": "excusé"}


def _presence_flags(form: Any, default: str = "") -> dict[str, bool]:
    """The ``absent``/``excuse``/``present`` arguments of ``Store.add_to_session`` for the form's ``presence`` field."""
    value = str(form.get("presence") or default)
    if value and value not in PRESENCES:
        raise Refused(f"présence « {value} » inconnue (valeurs : {', '.join(PRESENCES)})", status=400)
    return {k: value == k for k in PRESENCES}


@post("/sessions/{session_id:str}/dossiers", include_in_schema=False)
async def add_dossiers(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    """Present dossiers (``jury add``), « présent » unless the form says absent or excusé."""
    from cqpkit.store.users import acting

    def work(ctx: Context, form: Any) -> None:
        ids = [x for x in str(form.get("dossiers") or "").replace(",", " ").split() if x]
        if not ids:
            raise Refused("donnez au moins un identifiant de dossier", status=400)
        ctx.store.add_to_session(session_id, ids, acting(ctx.user), **_presence_flags(form))

    return await _session_action(request, session_id, "session.presenter", work)


@post("/sessions/{session_id:str}/presence", include_in_schema=False)
async def presence(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    """Record a presented candidate present, absent or excusé (``jury add SESSION DOSSIER --present|--absent|--excuse``):
    a new record when it changes (append-only); refused for a candidate the jury has decided on."""
    from cqpkit.store.users import acting

    def work(ctx: Context, form: Any) -> None:
        dossier = str(form.get("dossier") or "").strip()
        if not dossier:
            raise Refused("dossier : obligatoire", status=400)
        if not form.get("presence"):
            raise Refused("présence : choisissez présent, absent ou excusé", status=400)
        ctx.store.add_to_session(session_id, [dossier], acting(ctx.user), **_presence_flags(form))

    return await _session_action(request, session_id, "session.presenter", work)


#: The papers printed for each candidate of a session from its page (the procès-verbal has its own address).
CANDIDATE_PAPERS = {"convocation": "Convocations", "notification": "Notifications"}


@get("/sessions/{session_id:str}/documents/{kind:str}", sync_to_thread=True, include_in_schema=False)
def session_documents(request: Request[Any, Any, Any], session_id: Annotated[str, PATH], kind: Annotated[str, PATH],
                      dossier: Annotated[str | None, QUERY] = None) -> Response[bytes]:
    """The convocations or notifications of a stored session (``cqpkit document KIND --session ID --db``): every
    candidate's PDF in one ZIP archive, or ``?dossier=ID``'s PDF alone; action ``session.documents`` (a jury
    member: on its sessions), through :func:`cqpkit.documents.stored.session_papers` like the API."""
    from cqpkit.documents.stored import NotPresented, session_papers, zip_bytes
    from cqpkit.documents.typst import DocumentsUnavailable, render_pdf, require_compiler
    from cqpkit.store.errors import NotFoundError

    ctx = context(request)
    ctx.require("session.documents", session_id)
    if kind not in CANDIDATE_PAPERS:
        raise Refused(f"document « {kind} » inconnu pour une session ; ici : {', '.join(CANDIDATE_PAPERS)}", status=404)
    try:
        require_compiler()
    except DocumentsUnavailable as exc:
        raise Refused(f"impression indisponible : {exc}", status=503) from None
    try:
        docs = session_papers(ctx.store, kind, session_id, None, (dossier,) if dossier else ())
    except (NotFoundError, NotPresented) as exc:
        raise Refused(str(exc), status=404) from None
    if not docs:
        raise Refused(f"aucun candidat présenté à la session « {session_id} » : aucune {kind} à imprimer", status=404)
    headers = {"Cache-Control": "no-store"}
    if dossier:
        (doc,) = docs
        headers["Content-Disposition"] = f'attachment; filename="{doc.filename}"'
        return Response(render_pdf(doc.template, doc.data), media_type="application/pdf", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{kind}s-{session_id}.zip"'
    return Response(zip_bytes((d.filename, render_pdf(d.template, d.data)) for d in docs), media_type="application/zip", headers=headers)



def preview_decision(store: Any, session_id: Annotated[str, PATH], dossier_id: Annotated[str, PATH], decisions: dict[str, str]) -> tuple[list[Any], list[Any]]:
    """``Registry.check`` at the session's date on the stored dossier, before and with ``decisions`` recorded at this
    session (nothing stored): the findings after, and those that are new (``decision_contraire``…)."""
    import attrs

    from cqpkit.model import PassageJury

    with store.read() as conn:
        day = store.session_row(conn, session_id).date
    dossier = store.dossier(dossier_id)
    before = list(store.registry.check(dossier, day))
    passages = list(dossier.passages)
    mine = [i for i, p in enumerate(passages) if p.session == session_id]
    if mine:
        p = passages[mine[-1]]
        passages[mine[-1]] = attrs.evolve(p, decisions={**p.decisions, **decisions})
    else:
        passages.append(PassageJury(session=session_id, date=day, decisions=dict(decisions)))  # type: ignore[arg-type]
    after = list(store.registry.check(attrs.evolve(dossier, passages=tuple(passages)), day))
    seen = {(c.code, c.chemin, c.message) for c in before}
    return after, [c for c in after if (c.code, c.chemin, c.message) not in seen]


def _presence(candidat: dict[str, Any]) -> str:
    """A presented candidate's presence, as the page says it."""
    return "absent" if candidat["absent"] else ("excusé" if candidat["excuse"] else "présent")


def decision_forms(
    registry: Any, data: dict[str, Any], intitules: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    """What the session page groups and renders once: the candidates by certification and version (one group
    without a title when the session covers one certification), the decision forms (one per list of domaines: a
    ``<template>`` the script clones into each card) and each dossier's form id (``""``: no référentiel loaded)."""
    from cqpkit.model.dossier import CERTIFICATION_ENTIERE

    several = len(data["certifications"]) > 1
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    forms: dict[tuple[str, ...], dict[str, Any]] = {}
    form_of: dict[str, str] = {}
    for c in data["candidats"]:
        key = (c["certification"], c["version"])
        group = groups.get(key)
        if group is None:
            label = intitules.get(key[0], key[0]) if several else ""
            group = groups[key] = {"label": label, "certification": key[0], "version": key[1], "candidats": []}
            try:
                ref = registry.referentiel(key[0], version=key[1])
                group["domaines"] = tuple(d.id for d in ref.domaines) or (CERTIFICATION_ENTIERE,)
            except Exception:  # a référentiel no plugin supplies: no decision form for it (the page says so)
                group["domaines"] = ()
        group["candidats"].append(c)
        if group["domaines"]:
            form = forms.setdefault(group["domaines"], {"id": f"decider-{len(forms) + 1}", "domaines": group["domaines"]})
            form_of[c["dossier"]] = form["id"]
        else:
            form_of[c["dossier"]] = ""
    ordered = sorted(groups.values(), key=lambda g: (g["label"], g["certification"], g["version"]))
    return ordered, list(forms.values()), form_of


class Row(NamedTuple):
    """What the session page shows of one presented candidate, computed once in Python (:func:`session_rows`).

    Every text is already escaped (HTML), numbers are numbers: the template prints them in its loops over the
    candidates without autoescaping (``{% autoescape false %}``) and reads attributes only, with no filter, method
    call or ``loop`` object per candidate — each of which costs Jinja2 far more (docs/web.md « Performance »)."""

    n: int  # the candidate's rank (1…): the suffix of its findings' region and of its decision form's fields
    did: str  # the dossier's id
    q: str  # the dossier's id in a URL
    name: str  # the candidate's name, else its id
    presence: str  # présent, absent, excusé
    passed: bool  # present: the jury decides for them
    decisions: list[tuple[str, str, str]]  # (separator, domaine, decision as read) of the decisions in force
    decided: str  # the decisions in force for the script (JSON)
    corrections: int
    form: str  # the id of its decision form's <template> ("": no référentiel loaded)
    found: Markup | None  # the engine's findings as an HTML list (``findings_list``), or None for none


def session_rows(
    data: dict[str, Any], names: dict[str, str], findings: dict[str, list[Any]], form_of: dict[str, str]
) -> dict[str, Row]:
    """Each presented candidate's :class:`Row` (``data``: ``jury show``'s view; ``names`` by candidate id, the id
    shown without; ``findings`` and ``form_of`` by dossier id), by dossier id, in the session's order. Every text of
    the page's rows, and the findings' messages, escaped in one call (:func:`escape_many`)."""
    texts: list[str] = []
    for c in data["candidats"]:
        did = c["dossier"]
        texts += (did, quote(did, safe=""), names.get(c["candidat"], c["candidat"]), _presence(c))
        texts += (json.dumps(c["decisions"]), form_of.get(did, ""))
        for k, v in c["decisions"].items():
            texts += (k, str(v).replace("_", " "))
        texts += [k.message for k in findings.get(did) or ()]
    escaped = iter(escape_many(texts))
    take = escaped.__next__
    rows: dict[str, Row] = {}
    for n, c in enumerate(data["candidats"], 1):
        found = findings.get(c["dossier"]) or ()
        did, q, name, presence, decided, form = take(), take(), take(), take(), take(), take()
        decisions = [(", " if i else "", take(), take()) for i in range(len(c["decisions"]))]
        rows[c["dossier"]] = Row(
            n=n,
            did=did,
            q=q,
            name=name,
            presence=presence,
            passed=not (c["absent"] or c["excuse"]),
            decisions=decisions,
            decided=decided,
            corrections=int(c["corrections"]),
            form=form,
            found=findings_list(found, [take() for _ in found]) if found else None,
        )
    return rows


#: The findings that make a decision need its motive before it is recorded (the store's rule: ``store.jury.NEEDS_MOTIVE``).
NEEDS_MOTIVE = frozenset({"decision_contraire"})


def _decisions_of(form: Any) -> dict[str, str]:
    return {k[len("decision_"):]: str(v) for k, v in form.items() if k.startswith("decision_") and v}


@get("/sessions/{session_id:str}/decisions", sync_to_thread=True, include_in_schema=False)
def decision_page(request: Request[Any, Any, Any], session_id: Annotated[str, PATH],
                  dossier: Annotated[str | None, QUERY] = None) -> Response[str]:
    """One candidate's decision form on a page of its own (``?dossier=ID``), with the engine's findings: what the session
    page's card links to, the form a browser without JavaScript fills in (with it, the card holds the same form)."""
    from cqpkit.store.errors import NotFoundError
    from cqpkit.store.views import jury_session
    from cqpkit.web.memo import session_findings
    from cqpkit.web.pages.views import _dossier_findings, _names, labels

    ctx = context(request)
    ctx.require("session.decider", session_id)
    try:
        data = jury_session(ctx.store, session_id, findings=lambda conn, row, ids: session_findings(ctx.store, conn, row, ids))
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    mine = [c for c in data["candidats"] if c["dossier"] == dossier]
    if not mine:
        raise Refused(f"dossier « {dossier or ''} » non présenté à la session « {session_id} »", status=404)
    (c,) = mine
    intitules = labels(ctx.store.registry)
    groups, _, _ = decision_forms(ctx.store.registry, {**data, "candidats": mine}, intitules)
    names = _names(ctx.store, [c["candidat"]]) if ctx.may("candidat.lire") or ctx.user.role == "jury" else {}
    found = _dossier_findings(ctx, [c["dossier"]], dt.date.fromisoformat(data["date"])).get(c["dossier"], [])
    return html("session_decision.html", ctx=ctx, user=ctx.user, s=data, c=c, name=names.get(c["candidat"], ""),
                presence=_presence(c), found=found, domaines=groups[0]["domaines"], labels=intitules)


@post("/sessions/{session_id:str}/decisions", include_in_schema=False)
async def decide(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    """``verifier`` (the script, as a decision is chosen): the engine's findings with it; else record it
    (``cqpkit jury decide``), refused without a motive when it is contrary to the final evaluation."""
    from litestar.concurrency import sync_to_thread

    from cqpkit.exceptions import CqpkitError
    from cqpkit.store.users import acting

    if request.headers.get("x-cqpkit-fragment") == "1":
        ctx = context(request)
        ctx.require("session.decider", session_id)
        form = await request.form()
        ctx.check_csrf(form)
        decisions = _decisions_of(form)
        try:
            after, new = await sync_to_thread(preview_decision, ctx.store, session_id, str(form.get("dossier") or ""), decisions)
        except CqpkitError as exc:
            return html("_constats_session.html", constats=[], erreurs=str(exc).splitlines())
        motive = [c for c in new if c.code in NEEDS_MOTIVE]
        return html("_constats_decision.html", constats=after, motive=motive)

    def work(ctx: Context, form: Any) -> None:
        dossier = str(form.get("dossier") or "")
        decisions = _decisions_of(form)
        if not decisions:
            raise Refused("choisissez au moins une décision", status=400)
        motif = str(form.get("motif") or "").strip()
        # Refused without a motive when contrary to the final evaluation: the store's rule (MotiveRequired), as for the CLI and the API.
        ctx.store.decide(session_id, dossier, decisions, acting(ctx.user), motif=motif)

    return await _session_action(request, session_id, "session.decider", work)


@post("/sessions/{session_id:str}/cloture", include_in_schema=False)
async def close(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    from cqpkit.store.users import acting

    def work(ctx: Context, form: Any) -> None:
        ctx.store.close_session(session_id, acting(ctx.user))

    return await _session_action(request, session_id, "session.clore", work)


JURY_HANDLERS = [open_session, add_dossiers, presence, decision_page, decide, close, session_documents]
