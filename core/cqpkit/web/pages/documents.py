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
