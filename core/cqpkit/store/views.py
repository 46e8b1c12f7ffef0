"""What the store shows of one object: a dossier (as of a date, its history), a person, the jury sessions.

Read-only: each view reads in one transaction, then runs the engines on what it read (a dossier's
result and funding, a session's findings as ``jury close`` checks it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from cqpkit.model import Dossier
from cqpkit.rules.asof import as_of_day
from cqpkit.store import personnes
from cqpkit.store import schema as t
from cqpkit.store.audit import entry_json
from cqpkit.store.availability import rules_of
from cqpkit.store.base import StoreBase, unknown_session
from cqpkit.store.deadlines import effective, engine_dossiers, load_contents
from cqpkit.store.errors import NotFoundError, UnloadableDossierError
from cqpkit.store.jury import changed, session_findings, sorted_decisions
from cqpkit.store.personal import candidate_public, personal_of
from cqpkit.store.sql import chunks

__all__ = ["dossier", "dossier_ids", "history", "jury_session", "jury_sessions", "personne", "session_counts", "session_summary", "show"]


def dossier(store: StoreBase, dossier_id: str) -> Dossier:
    """A stored dossier as the engines see it (latest version; passages as the store holds them)."""
    with store.read() as conn:
        store.dossier_row(conn, dossier_id)
        return engine_dossiers(conn, [dossier_id], personal=True)[dossier_id]


def personne(store: StoreBase, personne_id: str, as_of: dt.date) -> dict[str, Any]:
    """A person the dossiers name: facts, dossiers and missions, load over time, the prime per calendar year (:func:`personnes.show`)."""
    as_of = as_of_day(as_of)
    with store.read() as conn:
        return personnes.show(
            conn, store.registry, personne_id, as_of, rules_of(store.registry), engine_dossiers, store.target.label
        )


def dossier_ids(store: StoreBase, certification: str | None = None) -> list[str]:
    """The ids of the stored dossiers (of one certification)."""
    q = sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id)
    if certification:
        q = q.where(t.dossiers.c.certification == certification)
    with store.read() as conn:
        return [r.id for r in conn.execute(q)]


def show(store: StoreBase, dossier_id: str, as_of: dt.date, *, all_findings: bool = False) -> dict[str, Any]:
    """Everything about one dossier as of a date: identity, candidate, passages, result, funding, deadlines.

    ``all_findings``: the answer holds ``constats`` too, every finding of ``Registry.check`` at the date (the
    :class:`~cqpkit.model.Constat` objects; those of funding are the ``constats_financement``), which this view
    computes anyway: the dossier page shows them without loading and checking the dossier a second time
    (empty for a dossier that no longer loads)."""
    from cqpkit.formats.converter import output_converter

    as_of = as_of_day(as_of)
    out_conv = output_converter()
    with store.read() as conn:
        row = store.dossier_row(conn, dossier_id)
        try:
            dossier = engine_dossiers(conn, [dossier_id], personal=True)[dossier_id]
            unloadable = None
        except UnloadableDossierError as exc:
            dossier, unloadable = None, UnloadableDossierError(dossier_id, row.numero_version, exc.raison)
            content = load_contents(conn, [dossier_id]).get(dossier_id, "")
        cand = conn.execute(sa.select(t.candidats).where(t.candidats.c.id == row.candidat_id)).first()
        cand_personal = personal_of(conn, cand) if cand is not None else None
        prows = conn.execute(
            sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id).order_by(t.passages.c.id)
        ).all()
        ech = conn.execute(
            sa.select(t.echeances).where(t.echeances.c.dossier_id == dossier_id).order_by(t.echeances.c.date)
        ).all()
        sessions = {
            r.id: bool(r.cloturee)
            for r in conn.execute(
                sa.select(t.sessions.c.id, t.sessions.c.cloturee).where(
                    t.sessions.c.id.in_({r.session_id for r in prows} or {""})
                )
            )
        }
    in_force = {r.id for r in effective(prows)}
    passages = [
        {
            "id": r.id,
            "session": r.session_id,
            "session_close": sessions.get(r.session_id, False),
            "date": r.date.isoformat(),
            "absent": bool(r.absent),
            "excuse": bool(r.excuse),
            "decisions": json.loads(r.decisions),
            "origine": r.origine,
            "remplace": r.remplace_id,
            "motif": r.motif,
            "en_vigueur": r.id in in_force,
        }
        for r in prows
    ]
    held = {
        "dossier": dossier_id,
        "certification": row.certification,
        "version": row.version_referentiel,
        "voie": row.voie,
        "mention": row.mention,
        "inscription": row.inscription.isoformat(),
        "version_dossier": row.numero_version,
        "candidat": candidate_public(cand, cand_personal),
    }
    echeances = [
        {"type": e.type, "domaine": e.domaine or None, "date": e.date.isoformat(), "depuis": e.depuis.isoformat()}
        for e in ech
    ]
    if unloadable is not None:
        # What the base holds is shown; the engines cannot run on a content they cannot read (the CLI exits 1).
        return {
            **held,
            "evaluations": _raw_evaluations(content),
            "passages": passages,
            "resultat": None,
            "financement": [],
            "constats_financement": [],
            "echeances": echeances,
            "date": as_of.isoformat(),
            "dernier_evenement": None,
            "illisible": str(unloadable),
            "contenu": _content_facts(content),
        }
    assert dossier is not None
    store.require_rules(row, f"cqpkit dossier history {dossier_id}")
    resultat = store.registry.decide(dossier, as_of)
    dernier = _last_event(passages, dossier, as_of)
    if dernier is not None:
        then = store.registry.decide(dossier, dt.date.fromisoformat(dernier["date"]))
        dernier.update(statut=then.statut, restants=list(then.restants))
    lignes = store.registry.funding(dossier, as_of, resultat=resultat)
    # The lines the funding engine could not give (no barème at the event's date, an event still to come).
    constats = list(store.registry.check(dossier, as_of, resultat=resultat))
    non_calcules = [c for c in constats if c.regle.startswith("financement.")]
    return {
        **({"constats": constats} if all_findings else {}),
        **held,
        "evaluations": [out_conv.unstructure(e) for e in dossier.evaluations],
        "passages": passages,
        "resultat": out_conv.unstructure(resultat),
        "financement": [out_conv.unstructure(x) for x in lignes],
        "constats_financement": [out_conv.unstructure(c) for c in non_calcules],
        "echeances": echeances,
        "date": as_of.isoformat(),
        "dernier_evenement": dernier,
    }


#: The events of a dossier whose date :func:`show` compares its result with, latest first when two fall on one day.
EVENEMENTS = ("decision_jury", "evaluation", "inscription")


def _last_event(passages: list[dict[str, Any]], dossier: Dossier, as_of: dt.date) -> dict[str, Any] | None:
    """The dossier's last dated event up to ``as_of`` (``{date, evenement}``), when it is before ``as_of``; else ``None``.

    The events: a jury decision in force (a passage record with decisions, the candidate present),
    an evaluation, the inscription. ``dossier show`` gives the result at that date too, so that a
    result « acquis expirés » today is seen next to the one the jury's decisions gave.
    """
    found = [
        (dt.date.fromisoformat(p["date"]), 0)
        for p in passages
        if p["en_vigueur"] and p["decisions"] and not (p["absent"] or p["excuse"])
    ]
    found += [(e.date, 1) for e in dossier.evaluations]
    found += [(dossier.dossier.inscription, 2)]
    found = [f for f in found if f[0] <= as_of]
    if not found:
        return None
    day, kind = max(found, key=lambda f: (f[0], -f[1]))
    if day == as_of:
        return None
    return {"date": day.isoformat(), "evenement": EVENEMENTS[kind]}


def _parsed(content: str) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _content_facts(content: str) -> dict[str, Any]:
    """The main facts of a stored content that no longer loads: each top-level key with its count of entries
    (or ``None`` for a table), and its size; empty keys when it is not even JSON."""
    data = _parsed(content)
    return {
        "taille": len(content),
        "cles": {k: (len(v) if isinstance(v, list) else None) for k, v in sorted(data.items())},
    }


def _raw_evaluations(content: str) -> list[dict[str, Any]]:
    """The evaluations of a stored content that no longer loads, as far as they read (épreuve, date, verdict as text)."""
    out = []
    items = _parsed(content).get("evaluations")
    for e in items if isinstance(items, list) else ():
        if isinstance(e, dict):
            out.append(
                {k: str(e[k]) for k in ("epreuve", "date", "verdict") if isinstance(e.get(k), str | int | float)}
            )
    return out


def history(store: StoreBase, dossier_id: str) -> dict[str, Any]:
    """The versions of a dossier, every state of its passages (corrections included) and its audit entries."""
    with store.read() as conn:
        row = store.dossier_row(conn, dossier_id)
        versions = conn.execute(
            sa.select(
                t.dossier_versions.c.numero,
                t.dossier_versions.c.empreinte,
                t.dossier_versions.c.certification,
                t.dossier_versions.c.version_referentiel,
                t.dossier_versions.c.enregistre_le,
                t.dossier_versions.c.operateur,
            )
            .where(t.dossier_versions.c.dossier_id == dossier_id)
            .order_by(t.dossier_versions.c.numero)
        ).all()
        evals = conn.execute(
            sa.select(
                t.evaluations.c.numero_version,
                t.evaluations.c.epreuve,
                t.evaluations.c.date,
                t.evaluations.c.enregistre_le,
            )
            .where(t.evaluations.c.dossier_id == dossier_id)
            .order_by(t.evaluations.c.id)
        ).all()
        prows = conn.execute(
            sa.select(t.passages).where(t.passages.c.dossier_id == dossier_id).order_by(t.passages.c.id)
        ).all()
        entries = conn.execute(
            sa.select(t.audit)
            .where(t.audit.c.objet_id.in_([dossier_id, row.candidat_id]), t.audit.c.objet.in_(("dossier", "candidat")))
            .order_by(t.audit.c.numero)
        ).all()
    return {
        "dossier": dossier_id,
        "versions": [
            {
                "numero": v.numero,
                "empreinte": v.empreinte,
                "certification": v.certification,
                "version": v.version_referentiel,
                "enregistre_le": v.enregistre_le,
                "operateur": v.operateur,
            }
            for v in versions
        ],
        "evaluations": [
            {
                "version_dossier": e.numero_version,
                "epreuve": e.epreuve,
                "date": e.date.isoformat(),
                "enregistre_le": e.enregistre_le,
            }
            for e in evals
        ],
        "passages": [
            {
                "id": r.id,
                "session": r.session_id,
                "date": r.date.isoformat(),
                "decisions": json.loads(r.decisions),
                "absent": bool(r.absent),
                "excuse": bool(r.excuse),
                "origine": r.origine,
                "remplace": r.remplace_id,
                "motif": r.motif,
                "enregistre_le": r.enregistre_le,
                "operateur": r.operateur,
            }
            for r in prows
        ],
        "journal": [entry_json(e) for e in entries],
    }


# -- jury sessions (read only) -------------------------------------------------
def session_counts(conn: sa.Connection, session_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """The number of dossiers presented to each session of ``session_ids`` (a passage recorded, absent or not) and of
    distinct candidates among them: ``{session: (dossiers, candidats)}``, a session without passages left out.

    Read through ``ix_passages_session`` for these sessions only (then each dossier by its key): the cost grows
    with the passages of these sessions, not with the dossiers or the other passages stored."""
    p, d = t.passages, t.dossiers
    q = (
        sa.select(
            p.c.session_id,
            sa.func.count(sa.distinct(p.c.dossier_id)).label("dossiers"),
            sa.func.count(sa.distinct(d.c.candidat_id)).label("candidats"),
        )
        .join(d, d.c.id == p.c.dossier_id)
        .where(p.c.session_id.in_(sa.bindparam("ids", expanding=True)))
        .group_by(p.c.session_id)
    )
    out: dict[str, tuple[int, int]] = {}
    for chunk in chunks(list(session_ids)):
        out.update((r.session_id, (r.dossiers, r.candidats)) for r in conn.execute(q, {"ids": list(chunk)}))
    return out


def session_summary(r: Any, content: dict[str, Any], counts: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """One line of :func:`jury_sessions` (also the dashboard's next sessions): the stored row ``r`` (id, date,
    certifications, cloturee, cloturee_le), its parsed ``contenu`` and the :func:`session_counts` of its passages."""
    info = content.get("session", {})
    n_dossiers, n_candidats = counts.get(r.id, (0, 0))
    return {
        "session": r.id,
        "date": r.date.isoformat(),
        "lieu": info.get("lieu") or "",
        "certifications": json.loads(r.certifications),
        "president": info.get("president"),
        "membres": len(content.get("membres") or ()),
        "close": bool(r.cloturee),
        "cloturee_le": r.cloturee_le,
        "dossiers": n_dossiers,
        "candidats": n_candidats,
    }


def jury_sessions(store: StoreBase, certification: str | None = None) -> list[dict[str, Any]]:
    """Every stored jury session (covering ``certification``), by date then id.

    Each is ``{session, date, lieu, certifications, president, membres, close, cloturee_le,
    dossiers, candidats}``: ``membres`` is the number of members, ``dossiers`` the number of
    dossiers presented to the session (a passage recorded, absent or not), ``candidats`` the
    number of distinct candidates among them.
    """
    s = t.sessions
    with store.read() as conn:
        rows = conn.execute(
            sa.select(s.c.id, s.c.date, s.c.certifications, s.c.contenu, s.c.cloturee, s.c.cloturee_le).order_by(
                s.c.date, s.c.id
            )
        ).all()
        if certification:
            rows = [r for r in rows if certification in json.loads(r.certifications)]
            if not rows:
                store.check_certification(conn, certification)
        presented = session_counts(conn, [r.id for r in rows])
    return [session_summary(r, json.loads(r.contenu), presented) for r in rows]


def jury_session(
    store: StoreBase, session_id: str, *, findings: Callable[[sa.Connection, Any, list[str]], list[Any]] | None = None
) -> dict[str, Any]:
    """One stored jury session: members, president, candidates presented with every record of their decisions, findings.

    ``candidats`` lists the dossiers presented (by dossier id), each with the decisions in force
    and ``enregistrements``: every state recorded in this session, in order (the jury's
    decision, then each correction with its ``motif`` and the record it replaces).
    ``constats`` are the engine's findings on the session as ``jury close`` checks it
    (:meth:`Registry.check_session`, the session taken as closed); when a certification of the
    session or a dossier's référentiel has no loaded plugin, they cannot be established:
    ``constats`` is then empty and ``constats_non_etablis`` says why (one line each; empty
    otherwise), the rest being read from the base. An unknown session raises
    :class:`NotFoundError` naming the stored sessions. ``findings``: what gives those findings, called in the
    transaction that reads the session as :func:`session_findings` (default) is, with the same arguments — the
    pages keep them between requests (:func:`cqpkit.web.memo.session_findings`).
    """
    from cqpkit.formats.converter import output_converter

    p, d = t.passages, t.dossiers
    with store.read() as conn:
        row = conn.execute(sa.select(t.sessions).where(t.sessions.c.id == session_id)).first()
        if row is None:
            known = [
                r.id for r in conn.execute(sa.select(t.sessions.c.id).order_by(t.sessions.c.date, t.sessions.c.id))
            ]
            raise NotFoundError(unknown_session(session_id, known, store.target.label))
        prows = conn.execute(
            sa.select(p, d.c.candidat_id, d.c.certification, d.c.version_referentiel, d.c.voie, d.c.mention)
            .join(d, d.c.id == p.c.dossier_id)
            .where(p.c.session_id == session_id)
            .order_by(p.c.dossier_id, p.c.id)
        ).all()
        ids = sorted({r.dossier_id for r in prows})
        missing = store.session_without_rules(conn, row, ids)
        constats = (
            []
            if missing
            else (findings(conn, row, ids) if findings is not None else session_findings(store, conn, row, ids))
        )
    content = json.loads(row.contenu)
    info = content.get("session", {})
    president = info.get("president")
    by_dossier: dict[str, list[Any]] = defaultdict(list)
    for r in prows:
        by_dossier[r.dossier_id].append(r)
    candidats = []
    for did in ids:
        records = by_dossier[did]
        current = records[-1]  # the latest row is the one in force (as the engines see it)
        decisions_of = {r.id: json.loads(r.decisions) for r in records}
        candidats.append(
            {
                "dossier": did,
                "candidat": current.candidat_id,
                "certification": current.certification,
                "version": current.version_referentiel,
                "voie": current.voie,
                "mention": current.mention,
                "date": current.date.isoformat(),
                "absent": bool(current.absent),
                "excuse": bool(current.excuse),
                "decisions": sorted_decisions(decisions_of[current.id]),
                "corrections": sum(1 for r in records if r.origine == "correction"),
                "enregistrements": [
                    {
                        "id": r.id,
                        "origine": r.origine,
                        "date": r.date.isoformat(),
                        "absent": bool(r.absent),
                        "excuse": bool(r.excuse),
                        "decisions": sorted_decisions(decisions_of[r.id]),
                        "remplace": r.remplace_id,
                        "modifie": changed(decisions_of.get(r.remplace_id, {}), decisions_of[r.id])
                        if r.remplace_id
                        else {},
                        "motif": r.motif,
                        "enregistre_le": r.enregistre_le,
                        "operateur": r.operateur,
                        "en_vigueur": r is current,
                    }
                    for r in records
                ],
            }
        )
    out_conv = output_converter()
    return {
        "session": row.id,
        "date": row.date.isoformat(),
        "lieu": info.get("lieu") or "",
        "certifications": json.loads(row.certifications),
        "precedente": info.get("precedente"),
        "president": president,
        "membres": [
            {
                "id": m.get("id"),
                "college": m.get("college"),
                "organisation": m.get("organisation") or "",
                "fonction": m.get("fonction") or "",
                "president": m.get("id") == president,
            }
            for m in content.get("membres") or ()
        ],
        "close": bool(row.cloturee),
        "cloturee_le": row.cloturee_le,
        "version_session": row.numero_version,
        "candidats": candidats,
        "constats": [out_conv.unstructure(c) for c in constats],
        # Why the engine's findings could not be established here (a plugin missing), one line each; empty otherwise.
        "constats_non_etablis": missing,
    }
