"""The engine's checks of a stored jury session: at closing (errors refuse it), and as soon as it is opened or changed.

``jury close`` refuses a session with error findings (composition, presidency, alternation of the
presidency: ``rules/jury.py``). The same checks run when the session is opened (``jury open``),
when dossiers are presented to it (``jury add``) and when a session file is imported: there they
are said as warnings (:func:`session_warnings`) and refuse nothing, so that the operator hears of
a jury of three members at the opening, not at the closing. A session file imported closed
(``cloturee = true``) gets the closing checks (:func:`imported_closing`): the jury closed it
elsewhere, so it is stored closed whatever they find, a forced closing when they find errors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.model import SessionJury
from cqpkit.store import schema as t
from cqpkit.store.base import StoreBase
from cqpkit.store.deadlines import engine_dossiers

__all__ = ["imported_closing", "imported_session_notes", "presented", "session_findings", "session_warnings"]


def presented(conn: sa.Connection, session_id: str) -> list[str]:
    """The ids of the dossiers presented to a session (one passage record or more naming it)."""
    q = sa.select(t.passages.c.dossier_id).where(t.passages.c.session_id == session_id).distinct()
    return sorted(r.dossier_id for r in conn.execute(q))


def session_findings(store: StoreBase, conn: sa.Connection, row: Any, dossier_ids: Sequence[str], *, closing: bool = True) -> list[Any]:
    """The engine's findings on a stored session as ``jury close`` checks it (``closing``), or as it stands (open).

    The session is checked as closed (``cloturee``) when ``closing``, else as open (a president not
    chosen yet is then no finding: « désigné en début de séance »), with the dossiers presented to
    it as the engines see them and, as its history (most recent first, then by id), the other stored
    sessions of the same jury: those that cover one of its certifications, and the one its
    ``precedente`` names. A session of another branch's jury is not "the previous session" for the
    alternation of the presidency.
    """
    from cqpkit.formats.converter import json_converter

    conv = json_converter()
    session = conv.structure(json.loads(row.contenu), SessionJury)
    session = attrs.evolve(session, session=attrs.evolve(session.session, cloturee=closing))
    dossiers = list(engine_dossiers(conn, sorted(dossier_ids)).values())
    mine = set(session.session.certifications)
    others = conn.execute(sa.select(t.sessions.c.id, t.sessions.c.certifications, t.sessions.c.contenu).where(t.sessions.c.id != row.id)).all()
    historique = [
        conv.structure(json.loads(r.contenu), SessionJury)
        for r in others
        if r.id == session.session.precedente or mine.intersection(json.loads(r.certifications))
    ]
    historique.sort(key=lambda x: (x.session.date, x.id), reverse=True)
    return store.registry.check_session(session, dossiers, historique)


def session_warnings(store: StoreBase, conn: sa.Connection, session_id: str) -> list[Any]:
    """The findings to say, as warnings, on an open session just opened or changed (nothing is refused).

    The engine's findings on the session as it stands (:func:`session_findings`, ``closing=False``),
    informations left out (« aucun passage » cannot be news here). Each keeps the level the engine
    gives it: an ``erreur`` is what will refuse ``jury close``. Nothing is said when the engine cannot
    check the session here (a certification without its plugin: ``jury close`` says it) or when a
    plugin fails on it (the operation it follows is stored all the same; ``jury show`` names the plugin).
    """
    from cqpkit.plugins.hookcalls import HookFailure

    row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
    if row is None:
        return []
    ids = presented(conn, session_id)
    if store.session_without_rules(conn, row, ids):
        return []
    try:
        found = session_findings(store, conn, row, ids, closing=False)
    except HookFailure:
        return []
    return [c for c in found if c.niveau in ("erreur", "avertissement")]


def imported_session_notes(store: StoreBase, conn: sa.Connection, sessions: Sequence[Any], report: Any) -> None:
    """The import's notes and ``report.constats``: the findings on each session it creates or changes and leaves open.

    ``sessions`` are the lot's sessions the import created or changed (each with ``fichier`` and ``session``),
    ``report`` the :class:`~cqpkit.store.importing.ImportReport`. A session the file closes gets the closing
    checks instead (:func:`imported_closing`).
    """
    for s in sessions:
        if s.session.session.cloturee:
            continue
        found = session_warnings(store, conn, s.session.id)
        report.constats[s.session.id] = found
        for c in found:
            blocking = " [bloquant à la clôture]" if c.niveau == "erreur" else ""
            report.notes.append(f"session « {s.session.id} » ({s.fichier}) : avertissement {c.code} — {c.message}{blocking}")


def imported_closing(store: StoreBase, conn: sa.Connection, s: Any, report: Any) -> dict[str, Any]:
    """The closing checks of a session an import closes (``cloturee = true``); returns the details of its
    ``session.cloture`` audit entry.

    ``s`` is the lot's session (``fichier``, ``session``), already stored with the lot's dossiers; ``report``
    the :class:`~cqpkit.store.importing.ImportReport`. The checks are those of ``jury close``
    (:func:`session_findings`); the jury closed the session elsewhere, so it is stored closed whatever
    they find: error findings make it a forced closing, as ``jury close --forcer`` (``forcee: true`` and
    the codes in the entry), each said as a note « … [bloquant à la clôture] », and the errors and
    warnings go to ``report.constats``. When the engine cannot check the session here (a certification
    without its plugin, a plugin failing on it), the entry says ``non_controlee: true`` and a note why.
    """
    from cqpkit.plugins.hookcalls import HookFailure

    sid = s.session.id
    row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == sid)).one()
    ids = presented(conn, sid)
    unchecked = {"dossiers": len(ids), "constats": [], "forcee": False, "non_controlee": True}
    head = f"session « {sid} » ({s.fichier}) : close par le fichier"
    missing = store.session_without_rules(conn, row, ids)
    if missing:
        report.notes.append(f"{head} sans les contrôles de clôture, que le moteur ne peut pas faire ici : {' ; '.join(missing)}")
        return unchecked
    try:
        found = session_findings(store, conn, row, ids)
    except HookFailure as exc:
        report.notes.append(f"{head} sans les contrôles de clôture : {exc}")
        return unchecked
    errors = [c for c in found if c.niveau == "erreur"]
    report.constats[sid] = [c for c in found if c.niveau in ("erreur", "avertissement")]
    for c in report.constats[sid]:
        blocking = " [bloquant à la clôture]" if c.niveau == "erreur" else ""
        report.notes.append(f"{head}{' (clôture forcée)' if errors else ''} : {c.niveau} {c.code} — {c.message}{blocking}")
    return {"dossiers": len(ids), "constats": sorted({c.code for c in found}), "forcee": bool(errors)}
