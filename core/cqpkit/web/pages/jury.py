"""The pages that change a jury session: open it (its composition checked as it is typed), present dossiers,
record decisions, close it (refused with the findings listed). Each calls the ``Store`` method ``cqpkit jury
open|add|decide|close`` calls; the composition is previewed with the function ``jury close`` checks a stored
session with (:func:`cqpkit.store.sessioncheck.session_findings`), on the session typed, nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.response import Redirect

from cqpkit.web.pages.base import PATH, Context, Refused, context, html

__all__ = ["COLLEGES", "JURY_HANDLERS"]

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


@post("/sessions/{session_id:str}/dossiers", include_in_schema=False)
async def add_dossiers(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    from cqpkit.store.users import acting

    def work(ctx: Context, form: Any) -> None:
        ids = [x for x in str(form.get("dossiers") or "").replace(",", " ").split() if x]
        if not ids:
            raise Refused("donnez au moins un identifiant de dossier", status=400)
        ctx.store.add_to_session(session_id, ids, acting(ctx.user))

    return await _session_action(request, session_id, "session.presenter", work)


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


#: The findings that make a decision need its motive before it is recorded.
NEEDS_MOTIVE = frozenset({"decision_contraire"})


def _decisions_of(form: Any) -> dict[str, str]:
    return {k[len("decision_"):]: str(v) for k, v in form.items() if k.startswith("decision_") and v}


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
        if not motif:
            _, new = preview_decision(ctx.store, session_id, dossier, decisions)
            contrary = [c for c in new if c.code in NEEDS_MOTIVE]
            if contrary:
                from cqpkit.store.errors import StoreConflictError

                raise StoreConflictError(
                    f"dossier « {dossier} » : décision contraire à l'évaluation finale, un motif est obligatoire ; rien n'a été enregistré\n"
                    + "\n".join(f"  {c.code} — {c.message}" for c in contrary)
                )
        ctx.store.decide(session_id, dossier, decisions, acting(ctx.user), motif=motif)

    return await _session_action(request, session_id, "session.decider", work)


@post("/sessions/{session_id:str}/cloture", include_in_schema=False)
async def close(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[Any]:
    from cqpkit.store.users import acting

    def work(ctx: Context, form: Any) -> None:
        ctx.store.close_session(session_id, acting(ctx.user))

    return await _session_action(request, session_id, "session.clore", work)


JURY_HANDLERS = [open_session, add_dossiers, decide, close]
