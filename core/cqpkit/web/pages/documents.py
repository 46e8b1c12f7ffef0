"""A dossier's printed documents and a session's procès-verbal for the pages (:mod:`cqpkit.documents.stored`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cqpkit.web.pages.base import Refused

__all__ = ["dossier_pdf", "session_pv"]


def _compiler() -> None:
    from cqpkit.documents.typst import DocumentsUnavailable, require_compiler

    try:
        require_compiler()
    except DocumentsUnavailable as exc:
        raise Refused(f"impression indisponible : {exc}", status=503) from None


def dossier_pdf(store: Any, kind: str, dossier_id: str, as_of: dt.date | None = None) -> tuple[bytes, str]:
    """The PDF of ``kind`` (an award or the funding statement) for one stored dossier, and its file name."""
    from cqpkit.documents.awards import NotAwarded
    from cqpkit.documents.stored import dossier_documents
    from cqpkit.documents.typst import render_pdf
    from cqpkit.store.errors import NotFoundError

    _compiler()
    try:
        doc = dossier_documents(store, kind, dossier_id, as_of or dt.date.today())
    except NotFoundError as exc:
        raise Refused(str(exc), status=404) from None
    except NotAwarded as exc:
        raise Refused(f"document non imprimable : {exc}", status=409) from None
    return render_pdf(doc.template, doc.data), doc.filename


def session_pv(store: Any, session_id: str) -> tuple[bytes, str]:
    """The procès-verbal of a stored session (``cqpkit document proces-verbal --session ID --db``), and its file name."""
    from cqpkit.documents.stored import BrokenAuditLog, session_papers
    from cqpkit.documents.typst import render_pdf

    _compiler()
    try:
        (doc,) = session_papers(store, "proces-verbal", session_id)
    except BrokenAuditLog as exc:
        raise Refused(exc.reason, status=409) from None
    return render_pdf(doc.template, doc.data), doc.filename
