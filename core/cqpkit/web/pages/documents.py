"""A dossier's printed documents for the pages: the builders and the renderer ``cqpkit document … --db`` uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from cqpkit.web.pages.base import Refused

__all__ = ["dossier_pdf"]


def dossier_pdf(store: Any, kind: str, dossier_id: str, as_of: dt.date | None = None) -> tuple[bytes, str]:
    """The PDF of ``kind`` (an award or the funding statement) for one stored dossier, and its file name."""
    from cqpkit.documents import builder
    from cqpkit.documents.awards import NotAwarded
    from cqpkit.documents.typst import DocumentsUnavailable, render_pdf, require_compiler
    from cqpkit.store.errors import NotFoundError

    try:
        require_compiler()
    except DocumentsUnavailable as exc:
        raise Refused(f"impression indisponible : {exc}", status=503) from None
    try:
        d = store.dossier(dossier_id)
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    n = store.candidate_names([d.candidat.id]).get(d.candidat.id)
    if n and not n["efface"] and not (d.candidat.nom or d.candidat.prenom):
        d = attrs.evolve(d, candidat=attrs.evolve(d.candidat, nom=n["nom"], prenom=n["prenom"]))
    day = as_of or dt.date.today()
    build = builder(kind)
    if kind == "etat-financement":
        doc = build(store.registry, [d], day)
    else:
        open_ids = {s["session"] for s in store.jury_sessions() if not s["close"]}
        draft = any(p.session in open_ids and p.date <= day for p in d.passages)
        try:
            doc = build(store.registry, d, day, projet=draft)
        except NotAwarded as exc:
            raise Refused(f"document non imprimable : {exc}", status=409) from None
    return render_pdf(doc.template, doc.data), doc.filename


def _named(store: Any, ids: list[str]) -> list[Any]:
    """The stored dossiers with their candidates' names (the store keeps them apart, encrypted), as the CLI prints them."""
    dossiers = [store.dossier(i) for i in ids]
    names = store.candidate_names([d.candidat.id for d in dossiers])
    out = []
    for d in dossiers:
        n = names.get(d.candidat.id)
        if n and not n["efface"] and not (d.candidat.nom or d.candidat.prenom):
            d = attrs.evolve(d, candidat=attrs.evolve(d.candidat, nom=n["nom"], prenom=n["prenom"]))
        out.append(d)
    return out


def session_pv(store: Any, session_id: str) -> tuple[bytes, str]:
    """The procès-verbal of a stored session (``cqpkit document proces-verbal --session ID --db``), and its file name."""
    from cqpkit.documents import builder
    from cqpkit.documents.typst import DocumentsUnavailable, render_pdf, require_compiler
    from cqpkit.model import Membre, SessionInfo, SessionJury

    try:
        require_compiler()
    except DocumentsUnavailable as exc:
        raise Refused(f"impression indisponible : {exc}", status=503) from None
    data = store.jury_session(session_id)
    session = SessionJury(
        session=SessionInfo(
            id=data["session"], date=dt.date.fromisoformat(data["date"]), certifications=tuple(data["certifications"]),
            president=data["president"], precedente=data["precedente"], lieu=data["lieu"], cloturee=data["close"],
        ),
        membres=tuple(Membre(id=m["id"], college=m["college"], organisation=m["organisation"], fonction=m["fonction"]) for m in data["membres"]),
    )
    result = store.verify()
    if not result.ok:
        raise Refused(f"journal d'audit NON intègre ({result.problemes[0]}) : procès-verbal refusé (cqpkit db verify pour le détail)", status=409)
    dossiers = _named(store, [c["dossier"] for c in data["candidats"]])
    records = {c["dossier"]: c["enregistrements"] for c in data["candidats"]}
    doc = builder("proces-verbal")(store.registry, session, dossiers, None, enregistrements=records,
                                   audit=(result.entrees, result.tete), base=store.target.label)
    return render_pdf(doc.template, doc.data), doc.filename
