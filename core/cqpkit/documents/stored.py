"""Documents printed from the store: the one path the CLI (``--db``), the pages and the API share.

The store keeps a candidate's name apart (encrypted): :func:`named_dossiers` puts it back, as every printed
paper shows it. :func:`stored_session` turns a stored session into the :class:`~cqpkit.model.SessionJury` the
builders take, with its dossiers and recorded decisions. A procès-verbal cites the audit chain's head, and only
once ``db verify`` finds the log intact (:func:`audit_head`, else :class:`BrokenAuditLog`). An award whose
decisions come from a session not yet closed is marked « projet » (:func:`is_draft`).

The functions return :class:`~cqpkit.documents.Document` objects; each front end renders them and maps the
errors to its own (exit codes, refused pages, problem documents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from cqpkit.documents import KINDS, Document, builder
from cqpkit.exceptions import CqpkitError, InvalidArgumentError

__all__ = [
    "BrokenAuditLog",
    "NotPresented",
    "audit_head",
    "dossier_documents",
    "is_draft",
    "named_dossiers",
    "open_sessions",
    "session_papers",
    "stored_session",
    "zip_bytes",
]


class BrokenAuditLog(CqpkitError):
    """``db verify`` finds the audit log broken: no procès-verbal cites it (the input was read: exit 1)."""

    exit_code = 1

    def __init__(self, base: str, probleme: str) -> None:
        self.base = base
        self.probleme = probleme
        #: the reason without the base's name (a page shows it under the base's own heading)
        self.reason = f"journal d'audit NON intègre ({probleme}) : procès-verbal refusé (cqpkit db verify pour le détail)"
        super().__init__(f"base {base} : {self.reason}")


class NotPresented(InvalidArgumentError):
    """A dossier kept for a session's papers was not presented to that session (exit 1)."""

    exit_code = 1


def named_dossiers(store: Any, ids: Iterable[str]) -> list[Any]:
    """The stored dossiers, each with its candidate's name (unless erased, or the dossier already names them)."""
    import attrs

    dossiers = [store.dossier(i) for i in ids]
    names = store.candidate_names([d.candidat.id for d in dossiers])
    out = []
    for d in dossiers:
        n = names.get(d.candidat.id)
        if n and not n["efface"] and not (d.candidat.nom or d.candidat.prenom):
            d = attrs.evolve(d, candidat=attrs.evolve(d.candidat, nom=n["nom"], prenom=n["prenom"]))
        out.append(d)
    return out


def stored_session(store: Any, session_id: str, keep: Collection[str] = ()) -> tuple[Any, list[Any], dict[str, Any]]:
    """``(session, dossiers, records)``: a stored session, its presented dossiers (only ``keep`` if given,
    in the session's order) and the recorded decisions by dossier id."""
    from cqpkit.model import Membre, SessionInfo, SessionJury

    data = store.jury_session(session_id)
    session = SessionJury(
        session=SessionInfo(
            id=data["session"], date=dt.date.fromisoformat(data["date"]), certifications=tuple(data["certifications"]),
            president=data["president"], precedente=data["precedente"], lieu=data["lieu"], cloturee=data["close"],
        ),
        membres=tuple(Membre(id=m["id"], college=m["college"], organisation=m["organisation"], fonction=m["fonction"])
                      for m in data["membres"]),
    )
    ids = [c["dossier"] for c in data["candidats"]]
    if keep:
        unknown = [k for k in keep if k not in ids]
        if unknown:
            raise NotPresented(
                f"dossier « {unknown[0]} » non présenté à la session « {session_id} » (présentés : {', '.join(ids) or 'aucun'})"
            )
        ids = [i for i in ids if i in keep]
    records = {c["dossier"]: c["enregistrements"] for c in data["candidats"]}
    return session, named_dossiers(store, ids), records


def audit_head(store: Any) -> tuple[int, str]:
    """``(entries, head hash)`` of the audit chain, once ``db verify`` finds the log intact; else :class:`BrokenAuditLog`."""
    result = store.verify()
    if not result.ok:
        raise BrokenAuditLog(store.target.label, result.problemes[0])
    return result.entrees, result.tete


def open_sessions(store: Any) -> set[str]:
    """The ids of the stored sessions not yet closed (their decisions give papers marked « projet »)."""
    return {s["session"] for s in store.jury_sessions() if not s["close"]}


def is_draft(dossier: Any, day: dt.date, open_ids: Collection[str]) -> bool:
    """Whether an award of ``dossier`` as of ``day`` rests on a decision of a session not yet closed."""
    return any(p.session in open_ids and p.date <= day for p in dossier.passages)


def session_papers(store: Any, kind: str, session_id: str, as_of: dt.date | None = None, keep: Sequence[str] = ()) -> list[Document]:
    """A stored session's papers: one ``convocation`` or ``notification`` per candidate, or the one
    ``proces-verbal`` (with the audit head and the base's label)."""
    if kind not in KINDS or KINDS[kind].source != "session":
        raise InvalidArgumentError(f"document « {kind} » : pas un papier de session ({', '.join(k for k, v in KINDS.items() if v.source == 'session')})")
    session, dossiers, records = stored_session(store, session_id, keep)
    build = builder(kind)
    if kind == "proces-verbal":
        return [build(store.registry, session, dossiers, as_of, enregistrements=records, audit=audit_head(store), base=store.target.label)]
    return list(build(store.registry, session, dossiers, as_of))


def dossier_documents(store: Any, kind: str, dossier_id: str, as_of: dt.date | None) -> Document:
    """One stored dossier's document: a form filled from it, an award (« projet » while a session that decided
    it is open; :class:`~cqpkit.documents.awards.NotAwarded` if its result does not call for it) or its
    funding statement."""
    source = KINDS[kind].source if kind in KINDS else None
    if source not in ("referentiel", "decision", "financement"):
        raise InvalidArgumentError(f"document « {kind} » : pas un document d'un dossier")
    (d,) = named_dossiers(store, [dossier_id])
    registry = store.registry
    build = builder(kind)
    if source == "referentiel":
        doc: Document = build(registry, registry.referentiel_for(d), d, as_of)
    elif source == "decision":
        day = as_of or dt.date.today()
        doc = build(registry, d, day, projet=is_draft(d, day, open_sessions(store)))
    else:
        doc = build(registry, [d], as_of)
    return doc


def zip_bytes(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP archive of ``(name, bytes)`` pairs with fixed dates, so that the same papers give the same bytes: the
    session papers served by the API and by the pages (one PDF per candidate)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
