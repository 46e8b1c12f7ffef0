"""The page handlers: comptes, tableau de bord, dossiers, référentiels, import (docs/web.md).

Every figure comes from the functions the CLI calls: ``Store.deadlines`` (``report deadlines``),
``Store.jury_sessions`` (``jury list``), ``Store.show`` (``dossier show``), ``Registry.check`` (``check``),
``Store.import_files`` (``import``), the registry's référentiels (``show``). Nothing is computed here.

Over 500 lines: one short handler per read-only route (comptes, tableau de bord, dossiers, référentiels, import,
sessions), their signatures spread over several lines by ``ruff format``; the search lives in :mod:`.search`, the
session forms in :mod:`.jury`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from cqpkit.web.pages.base import (
    PATH,
    QUERY,
    Context,
    Refused,
    context,
    expired_cookies,
    html,
    prelogin,
    session_cookie,
    store_of,
)

__all__ = ["PAGE_HANDLERS"]

#: The statuses of a dossier at a date (the stored results' :data:`cqpkit.store.candidats.STATUTS`), in French.
STATUTS = {
    "certifie": "certifié",
    "partiel": "acquis partiels",
    "en_cours": "en cours",
    "non_acquis": "aucun domaine acquis",
    "expire": "acquis expirés",
    "a_venir": "inscription à venir",
}
TYPES = {"premier_passage": "premier passage devant le jury", "acquis_partiel": "fin de validité d'un acquis partiel"}


def _day(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(f"date « {text} » invalide : attendu AAAA-MM-JJ", status=400) from None


def labels(registry: Any) -> dict[str, str]:
    """The label of each certification (``intitule`` of its latest version, as ``cqpkit list`` and ``show`` print it)."""
    return {f.id: f.intitule for f in registry.fiches()}  # sorted by id then version: the latest wins


def _names(store: Any, ids: Any) -> dict[str, str]:
    names = store.candidate_names(ids)
    return {k: ("(données effacées)" if v["efface"] else f"{v['prenom']} {v['nom']}".strip()) for k, v in names.items()}


# ------------------------------------------------------------------------------ comptes
@get("/connexion", sync_to_thread=True, include_in_schema=False)
def login_form(request: Request[Any, Any, Any], suite: Annotated[str | None, QUERY] = None) -> Response[str]:
    token, cookie = prelogin(request, time.time())
    return html(
        "connexion.html",
        cookies=[cookie] if cookie else None,
        ctx=None,
        user=None,
        csrf=token,
        suite=_safe_next(suite),
        erreur=None,
        login="",
    )


def _safe_next(target: str | None) -> str:
    """Only a local path is followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@post("/connexion", include_in_schema=False)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    from litestar.concurrency import sync_to_thread

    from cqpkit.store.users import authenticate_password
    from cqpkit.web.pages.security import tokens_equal

    form = await request.form()
    now = time.time()
    token, cookie = prelogin(request, now)
    if cookie is not None or not tokens_equal(form.get("csrf"), token):
        raise Refused("formulaire refusé : jeton CSRF absent ou périmé ; rechargez la page et recommencez")
    login_ = str(form.get("identifiant") or "")
    store = store_of(request)
    user = await sync_to_thread(authenticate_password, store, login_, str(form.get("mot_de_passe") or ""))
    if user is None:
        return html(
            "connexion.html",
            status=401,
            ctx=None,
            user=None,
            csrf=token,
            suite=_safe_next(str(form.get("suite") or "")),
            erreur="Identifiant ou mot de passe incorrect, ou compte désactivé.",
            login=login_,
        )
    return Redirect(
        _safe_next(str(form.get("suite") or "")), status_code=303, cookies=[session_cookie(request, user.id, now)]
    )


@post("/deconnexion", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    ctx = context(request)
    ctx.check_csrf(await request.form())
    return Redirect("/connexion", status_code=303, cookies=expired_cookies(request))


# ------------------------------------------------------------------------ tableau de bord
@get("/", sync_to_thread=True, include_in_schema=False)
def dashboard(
    request: Request[Any, Any, Any],
    date: Annotated[str | None, QUERY] = None,
    jours: Annotated[int, QUERY] = 90,
    apres: Annotated[str, QUERY] = "",
) -> Response[str]:
    from cqpkit.store.dashboard import next_sessions

    ctx = context(request)
    day = _day(date)
    jours = max(1, min(jours, 3660))
    echeances: list[dict[str, Any]] = []
    if ctx.may("rapport.lire"):
        echeances = _grouped(ctx.store.deadlines(day, jours)["a_venir"])
    upcoming: list[dict[str, Any]] = []
    if ctx.may("session.lister"):
        upcoming = next_sessions(ctx.store, day, NEXT_SESSIONS)
    elif ctx.user.role == "jury" and ctx.user.membre:
        upcoming = next_sessions(ctx.store, day, NEXT_SESSIONS, member=ctx.user.membre)
    bloquants: list[dict[str, Any]] = []
    checked: list[str] = []
    more = False
    if ctx.may("dossier.lire"):
        bloquants, checked, more = _blocking(ctx, day, apres)
    names = (
        _names(ctx.store, [e["candidat"] for e in echeances] + [b["candidat"] for b in bloquants])
        if ctx.may("candidat.lire")
        else {}
    )
    return html(
        "tableau.html",
        ctx=ctx,
        user=ctx.user,
        day=day,
        jours=jours,
        date_param=date or "",
        echeances=echeances,
        sessions=upcoming,
        bloquants=bloquants,
        names=names,
        types=TYPES,
        today=day == dt.date.today(),
        verifies=checked,
        suite=checked[-1] if more and checked else "",
        apres=apres,
    )


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's lines by date, one line per dossier, date and type with its domaines joined (as the CLI prints them)."""
    out: list[dict[str, Any]] = []
    index: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r["date"], r["dossier"], r["type"], r["domaine"] or "")):
        key = (r["date"], r["dossier"], r["type"])
        if key in index:
            if r["domaine"]:
                index[key]["domaine"] = (
                    f"{index[key]['domaine']}, {r['domaine']}" if index[key]["domaine"] else r["domaine"]
                )
            continue
        index[key] = dict(r)
        out.append(index[key])
    return out


#: The next jury sessions the dashboard lists.
NEXT_SESSIONS = 10
#: The dossiers in progress the dashboard checks per page for blocking findings (by id; « Dossiers suivants »: the next page).
BLOCKING_PAGE = 50


def _blocking(ctx: Context, day: dt.date, after: str = "") -> tuple[list[dict[str, Any]], list[str], bool]:
    """The dossiers with a finding of level ``erreur`` at ``day`` (``Registry.check``, as ``cqpkit check`` gives it)
    among a page of those still in progress at ``day`` (:func:`cqpkit.store.dashboard.in_progress`, the stored
    results): the findings, the ids checked, whether there is a next page. The cost of a page does not depend on
    the number of dossiers stored: a blocking dossier is found however old it is."""
    from cqpkit.store.dashboard import in_progress
    from cqpkit.web.memo import findings

    rows, more = in_progress(ctx.store, day, after, BLOCKING_PAGE)
    found = findings(ctx.store, [r.id for r in rows], day, levels=frozenset({"erreur"}))
    out = [
        {"dossier": r.id, "candidat": r.candidat_id, "certification": r.certification, "constats": found[r.id]}
        for r in rows
        if found.get(r.id)
    ]
    return out, [r.id for r in rows], more


# ---------------------------------------------------------------------------- dossiers
@get("/dossiers", sync_to_thread=True, include_in_schema=False)
def dossiers(
    request: Request[Any, Any, Any],
    q: Annotated[str, QUERY] = "",
    certification: Annotated[str, QUERY] = "",
    statut: Annotated[str, QUERY] = "",
    date: Annotated[str | None, QUERY] = None,
) -> Response[str]:
    """The dossiers by id (a certification, a status at the date: the stored results); with a text, those of the
    candidates :func:`cqpkit.store.candidats.search_candidats` finds with it (``cqpkit candidate list``'s search),
    by candidate then dossier (:mod:`cqpkit.web.pages.search`). At most 50, the page says when there are more."""
    from cqpkit.web.pages.search import listed, text_search

    ctx = context(request)
    ctx.require("dossier.lire")
    day = _day(date)
    q = q.strip()
    if statut and statut not in STATUTS:
        raise Refused(f"statut « {statut} » inconnu ; statuts : {', '.join(STATUTS)}", status=400)
    if q:
        rows, names, more = text_search(ctx.store, q, certification, statut, day)
    else:
        rows, more = listed(ctx.store, certification, statut, day)
        names = _names(ctx.store, {r.candidat_id for r in rows})
    certifications = [r.id for r in ctx.store.registry.fiches()]
    return html(
        "dossiers.html",
        ctx=ctx,
        user=ctx.user,
        rows=rows,
        names=names,
        q=q,
        certification=certification,
        statut=statut,
        statuts=STATUTS,
        certifications=sorted(set(certifications)),
        more=more,
        day=day,
        date_param=date or "",
    )


@get("/dossiers/{dossier_id:str}", sync_to_thread=True, include_in_schema=False)
def dossier_page(
    request: Request[Any, Any, Any], dossier_id: Annotated[str, PATH], date: Annotated[str | None, QUERY] = None
) -> Response[str]:
    from cqpkit.store.errors import NotFoundError
    from cqpkit.store.views import show

    ctx = context(request)
    ctx.require("dossier.lire")
    day = _day(date)
    try:
        # ``dossier show``'s view with every finding of ``check`` at the date, which it computes anyway (a plugin
        # failing on the dossier is said as ``dossier show`` says it); none for a dossier that no longer loads.
        data = show(ctx.store, dossier_id, day, all_findings=True)
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    constats: list[Any] = data.pop("constats", [])
    timeline = _timeline(data)
    from cqpkit.documents import KINDS

    documents = (
        [k for k in KINDS.values() if k.source in ("decision", "financement")] if ctx.may("document.lire") else []
    )
    return html(
        "dossier.html",
        ctx=ctx,
        user=ctx.user,
        d=data,
        constats=constats,
        timeline=timeline,
        day=day,
        statuts=STATUTS,
        types=TYPES,
        documents=documents,
        date_param=date or "",
        labels=labels(ctx.store.registry),
        echeances=_grouped([{**e, "dossier": dossier_id} for e in data.get("echeances") or ()]),
    )


def _timeline(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The dossier's dated events, in order: registration, evaluations, jury passages."""
    events: list[tuple[str, str]] = [(data["inscription"], "Inscription")]
    for e in data.get("evaluations") or ():
        if isinstance(e, dict) and e.get("date"):
            events.append(
                (e["date"], f"Évaluation {e.get('epreuve', '')}" + (f" : {e['verdict']}" if e.get("verdict") else ""))
            )
    for p in data.get("passages") or ():
        what = "absent" if p["absent"] else ", ".join(f"{k} {v.replace('_', ' ')}" for k, v in p["decisions"].items())
        events.append((p["date"], f"Jury {p['session']} : {what}" + (" (remplacé)" if not p["en_vigueur"] else "")))
    return sorted(events, key=lambda x: x[0])


@get("/dossiers/{dossier_id:str}/documents/{kind:str}", sync_to_thread=True, include_in_schema=False)
def dossier_document(
    request: Request[Any, Any, Any],
    dossier_id: Annotated[str, PATH],
    kind: Annotated[str, PATH],
    date: Annotated[str | None, QUERY] = None,
) -> Response[bytes]:
    """The PDF of one document of a dossier (``cqpkit document KIND --db``'s builder and renderer)."""
    from cqpkit.documents import KINDS

    ctx = context(request)
    ctx.require("document.lire")
    if kind not in KINDS or KINDS[kind].source not in ("decision", "financement"):
        raise Refused(f"document « {kind} » inconnu pour un dossier", status=404)
    from cqpkit.web.pages.documents import dossier_pdf

    pdf, filename = dossier_pdf(ctx.store, kind, dossier_id, _day(date))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# -------------------------------------------------------------------------- référentiels
@get("/referentiels", sync_to_thread=True, include_in_schema=False)
def referentiels(request: Request[Any, Any, Any]) -> Response[str]:
    ctx = context(request)
    registry = request.app.state.registry
    refs = registry.fiches()  # what `cqpkit list` shows
    return html("referentiels.html", ctx=ctx, user=ctx.user, refs=refs)


@get("/referentiels/{ref_id:str}", sync_to_thread=True, include_in_schema=False)
def referentiel_page(
    request: Request[Any, Any, Any], ref_id: Annotated[str, PATH], version: Annotated[str | None, QUERY] = None
) -> Response[str]:
    from cqpkit.exceptions import CqpkitError
    from cqpkit.render.referentiel import render_referentiel

    ctx = context(request)
    registry = request.app.state.registry
    try:
        ref = registry.referentiel(ref_id, version=version)
    except CqpkitError as exc:
        raise Refused(str(exc), status=404) from None
    versions = [r for r in registry.fiches() if r.id == ref_id]
    text = render_referentiel(ref, registry.plugin_of(ref.id, ref.version), None, court=False)
    return html("referentiel.html", ctx=ctx, user=ctx.user, ref=ref, versions=versions, text=text)


# ------------------------------------------------------------------------------ import
@get("/import", sync_to_thread=True, include_in_schema=False)
def import_form(request: Request[Any, Any, Any]) -> Response[str]:
    ctx = context(request)
    ctx.require("dossier.importer")
    return html("import.html", ctx=ctx, user=ctx.user, erreurs=[], rapport=None)


@post("/import", include_in_schema=False)
async def import_files(request: Request[Any, Any, Any]) -> Response[str]:
    from litestar.concurrency import sync_to_thread

    from cqpkit.web.pages.uploads import import_upload

    ctx = context(request)
    ctx.require("dossier.importer")
    form = await request.form()
    ctx.check_csrf(form)
    files = (
        [f for f in form.getall("fichiers", []) if hasattr(f, "filename") and f.filename]
        if hasattr(form, "getall")
        else []
    )
    if not files:
        return html(
            "import.html",
            status=400,
            ctx=ctx,
            user=ctx.user,
            rapport=None,
            erreurs=[
                {
                    "fichier": "",
                    "ligne": None,
                    "cle": "",
                    "message": "aucun fichier envoyé : choisissez des fichiers TOML ou une archive zip",
                }
            ],
        )
    uploads = [(f.filename, await f.read()) for f in files]
    rapport, erreurs = await sync_to_thread(import_upload, ctx.store, uploads, ctx.user)
    status = 200 if not erreurs else (400 if erreurs[0].get("usage") else 422)
    return html("import.html", status=status, ctx=ctx, user=ctx.user, erreurs=erreurs, rapport=rapport)


def _dossier_findings(ctx: Context, ids: list[str], day: dt.date, head: str | None = None) -> dict[str, list[Any]]:
    """``Registry.check`` on each dossier presented, at the session's date (``decision_contraire``… after each decision);
    kept between requests while the store does not change (:mod:`cqpkit.web.memo`; ``head``: the audit head read with
    the session)."""
    from cqpkit.web.memo import findings

    return findings(ctx.store, ids, day, head=head) if ids else {}


# ---------------------------------------------------------------------- sessions de jury
@get("/sessions", sync_to_thread=True, include_in_schema=False)
def sessions(request: Request[Any, Any, Any]) -> Response[str]:
    """The jury sessions the user may read (``cqpkit jury list``; a jury member: those it sits on)."""
    from cqpkit.store.users import sessions_of

    ctx = context(request)
    if not (ctx.may("session.lister") or ctx.user.role == "jury"):
        ctx.require("session.lister")
    mine = set(sessions_of(ctx.store, ctx.user))
    rows = [s for s in ctx.store.jury_sessions() if s["session"] in mine]
    return html("sessions.html", ctx=ctx, user=ctx.user, rows=rows)


@get("/sessions/nouvelle", sync_to_thread=True, include_in_schema=False)
def open_form(request: Request[Any, Any, Any]) -> Response[str]:
    """The form that opens a session (``cqpkit jury open``), its findings shown as it is typed."""
    from cqpkit.web.pages.jury import _open_page

    ctx = context(request)
    ctx.require("session.ouvrir")
    return _open_page(ctx)


@get("/sessions/{session_id:str}", sync_to_thread=True, include_in_schema=False)
def session_page(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[str]:
    """One session (``cqpkit jury show``): members, president, candidates and decisions, the findings on closing."""
    ctx = context(request)
    ctx.require("session.lire", session_id)
    return session_view(ctx, session_id)


def session_view(
    ctx: Context, session_id: Annotated[str, PATH], erreurs: list[str] | None = None, status: int = 200
) -> Response[str]:
    from cqpkit.store.errors import NotFoundError
    from cqpkit.store.views import jury_session
    from cqpkit.web.memo import session_findings
    from cqpkit.web.pages.jury import decision_forms, session_rows

    heads: list[str] = []  # the audit head read with the session: the candidates' findings are kept under it too
    try:
        # ``jury show``'s view; the engine's findings on the session kept between requests, as the candidates' are.
        data = jury_session(
            ctx.store, session_id, findings=lambda conn, row, ids: session_findings(ctx.store, conn, row, ids, heads)
        )
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    names = (
        _names(ctx.store, [c["candidat"] for c in data["candidats"]])
        if ctx.may("candidat.lire") or ctx.user.role == "jury"
        else {}
    )
    intitules = labels(ctx.store.registry)
    groups, forms, form_of = decision_forms(ctx.store.registry, data, intitules)
    findings = _dossier_findings(
        ctx, [c["dossier"] for c in data["candidats"]], dt.date.fromisoformat(data["date"]), heads[0] if heads else None
    )
    # What the template shows of each candidate, computed here once (escaped, quoted, formatted): the template's
    # loops over 20 candidates then read attributes only (docs/web.md « Performance »).
    rows = session_rows(data, names, findings, form_of)
    return html(
        "session.html",
        status=status,
        ctx=ctx,
        user=ctx.user,
        s=data,
        rows=list(rows.values()),
        groups=[(g, [rows[c["dossier"]] for c in g["candidats"]]) for g in groups],
        forms=forms,
        erreurs=erreurs or [],
        labels=intitules,
        may_decide=ctx.may("session.decider", session_id),
        may_add=ctx.may("session.presenter"),
        may_close=ctx.may("session.clore"),
    )


@get("/sessions/{session_id:str}/proces-verbal", sync_to_thread=True, include_in_schema=False)
def session_pv_pdf(request: Request[Any, Any, Any], session_id: Annotated[str, PATH]) -> Response[bytes]:
    """The procès-verbal (``cqpkit document proces-verbal --session ID --db``)."""
    from cqpkit.store.errors import NotFoundError
    from cqpkit.web.pages.documents import session_pv

    ctx = context(request)
    ctx.require("document.lire")
    try:
        pdf, filename = session_pv(ctx.store, session_id)
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


PAGE_HANDLERS = [
    sessions,
    open_form,
    session_page,
    session_pv_pdf,
    login_form,
    login,
    logout,
    dashboard,
    dossiers,
    dossier_page,
    dossier_document,
    referentiels,
    referentiel_page,
    import_form,
    import_files,
]
