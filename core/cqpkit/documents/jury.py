"""The jury session's papers: ``convocation`` and ``notification`` (one per candidate), ``proces-verbal``.

Each builder takes the session (:class:`~cqpkit.model.SessionJury`), the dossiers (those presented to
the session are kept: a passage names the session), the registry, and the date « as of » which the
dossiers are decided (default: the session's date, the day the jury decided). Every decision, validity
end, status and finding comes from ``registry.decide``; the jury's format, composition labels and
validity rules from the référentiel; the builders only format them (:mod:`cqpkit.documents.papers`).

A session that is not closed gives papers marked « Projet — session non close » (``projet`` in the
data), never a procès-verbal that looks final. The procès-verbal prints the audit chain's head (number
and fingerprint, as ``cqpkit db verify`` prints them) when the session comes from the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from cqpkit.documents import Document
from cqpkit.documents.papers import (
    FORMAT,
    NBSP,
    candidat_nom,
    college_label,
    date_courte,
    date_longue,
    decision_label,
    domaine_label,
    source,
    type_domaine,
)
from cqpkit.exceptions import InvalidArgumentError

__all__ = ["STATUTS", "Notes", "convocation", "notification", "presented", "proces_verbal", "statut_label"]

#: The status of a result, for print (the engine's ``Resultat.statut``).
STATUTS = {
    "certifie": "CQP délivré",
    "partiel": "validation partielle",
    "en_cours": "en cours",
    "non_acquis": "aucun domaine acquis",
    "expire": "acquis expirés",
}


def statut_label(resultat: Any) -> str:
    """The status in words; ``non_acquis`` without domaines (decided on the whole certification): « certification non acquise »."""
    if resultat.statut == "non_acquis" and not resultat.restants:
        return "certification non acquise"
    return STATUTS.get(resultat.statut, resultat.statut)


class Notes:
    """The sources of a document, numbered in the order they are first cited (footnotes).

    :meth:`cite` gives what a template needs to print the call: ``{"n", "texte", "premiere"}`` (the
    footnote is written at its first call, referred to after), or ``None`` for no source.
    """

    def __init__(self) -> None:
        self._n: dict[str, int] = {}

    def cite(self, src: Any) -> dict[str, Any] | None:
        text = source(src) if not isinstance(src, str) else src
        if not text:
            return None
        first = text not in self._n
        if first:
            self._n[text] = len(self._n) + 1
        return {"n": self._n[text], "texte": text, "premiere": first}


def presented(session: Any, dossiers: Sequence[Any]) -> list[tuple[Any, Any]]:
    """``(dossier, passage)`` of each dossier presented to the session (its last passage naming it), by dossier id."""
    out = []
    for d in dossiers:
        passage = next((p for p in reversed(d.passages) if p.session == session.id), None)
        if passage is not None:
            out.append((d, passage))
    if not out:
        raise InvalidArgumentError(
            f"aucun des dossiers donnés n'est présenté à la session « {session.id} » (aucun passage ne la nomme)"
        )
    return sorted(out, key=lambda x: x[0].id)


def _projet(session: Any) -> bool:
    return not session.session.cloturee


def _session_head(registry: Any, session: Any) -> dict[str, Any]:
    info = session.session
    certs = []
    for cid in info.certifications:
        try:
            ref = registry.referentiel(cid, as_of=info.date)
            certs.append(ref.certification.intitule)
        except Exception:  # a certification whose plugin is not loaded: its id, as the store shows it
            certs.append(cid)
    return {
        "session": info.id,
        "date": date_longue(info.date),
        "date_courte": date_courte(info.date),
        "lieu": info.lieu,
        "certifications": certs,
        "projet": _projet(session),
    }


def _presence(passage: Any) -> str:
    return "absent" if passage.absent else "excusé" if passage.excuse else "présent"


def _candidat(d: Any, ref: Any) -> dict[str, Any]:
    from cqpkit.render import labels

    return {
        "dossier": d.id,
        "candidat": candidat_nom(d),
        "candidat_id": d.candidat.id,
        "certification": ref.certification.intitule,
        "version": ref.version,
        "voie": labels.voie(ref, d.dossier.voie),
        "mention": labels.mention(ref, d.dossier.mention),
    }


def _day(session: Any, as_of: dt.date | None) -> dt.date:
    return as_of if as_of is not None else session.session.date


# ------------------------------------------------------------------------ convocation
def convocation(registry: Any, session: Any, dossiers: Sequence[Any], as_of: dt.date | None = None) -> list[Document]:
    """One convocation per candidate presented: the session's date and place, the jury's format for their CQP.

    The format is the référentiel's ``[jury] format`` (each phase, its minutes, its supports) with its
    source; a référentiel that gives none (CQP MO: « conduite par le jury local ») has the supports of its
    ``certifiante`` épreuve printed instead, and the format said « non précisé par les sources ».
    """
    from cqpkit.rules.sources import source_for

    head = _session_head(registry, session)
    docs = []
    for d, _passage in presented(session, dossiers):
        ref = registry.referentiel_for(d)
        notes = Notes()
        jury = ref.jury
        phases = []
        if jury is not None and jury.format:
            note = notes.cite(source_for(jury.sources, "format") or (jury.sources[0] if jury.sources else None))
            for ph in jury.format:
                phases.append({
                    "libelle": ph.libelle,
                    "duree": f"{ph.minutes}{NBSP}minutes" if ph.minutes else "",
                    "supports": ", ".join(ph.supports),
                })
            format_note = note
            supports: list[str] = []
        else:
            format_note = None
            epreuve = next((e for e in ref.epreuves if e.type == "certifiante"), None)
            supports = list(getattr(epreuve, "supports", ()) or ()) if epreuve is not None else []
            if epreuve is not None and epreuve.sources:
                format_note = notes.cite(epreuve.sources[0])
        docs.append(
            Document(
                kind="convocation",
                template="convocation",
                data={
                    "format": FORMAT,
                    **head,
                    **_candidat(d, ref),
                    "titre": f"Convocation au jury du {head['date_courte']}",
                    "certificateur": ref.certification.certificateur,
                    "phases": phases,
                    "supports": supports,
                    "format_note": format_note,
                    "format_connu": bool(phases),
                },
                filename=f"convocation-{d.id}.pdf",
                referentiels=((ref.id, ref.version),),
            )
        )
    return docs


# ---------------------------------------------------------------------- the decisions
def _decided(registry: Any, session: Any, d: Any, passage: Any, day: dt.date, notes: Notes) -> dict[str, Any]:
    """What the jury decided for one candidate at this session, and where it leaves them, as of ``day``."""
    ref = registry.referentiel_for(d)
    resultat = registry.decide(d, day)
    at = session.session.date
    rule = notes.cite(resultat.source)
    decisions = []
    acquis_here = {a.domaine: a for a in resultat.acquis if a.session == session.id}
    for dom, value in passage.decisions.items():
        a = acquis_here.get(dom)
        decisions.append({
            "domaine": domaine_label(ref, dom),
            "id": dom,
            "decision": decision_label(dom, value),
            "acquis": value == "acquis",
            "valide_jusqua": date_courte(a.valide_jusqua) if a is not None and a.valide_jusqua else "",
        })
    acquis = [
        {
            "domaine": domaine_label(ref, a.domaine),
            "id": a.domaine,
            "obtenu": date_courte(a.date),
            "valide_jusqua": date_courte(a.valide_jusqua) if a.valide_jusqua else "",
            "valide_jusqua_long": date_longue(a.valide_jusqua) if a.valide_jusqua else "",
        }
        for a in resultat.acquis
    ]
    contraires = [
        {
            "domaine": domaine_label(ref, c.valeurs.get("domaine", "")),
            "message": c.message,
            "motif": passage.notes or "motif non consigné (le jury est souverain et n'a pas à justifier sa décision)",
            "note": notes.cite(c.source),
        }
        for c in resultat.constats
        if c.code == "decision_contraire" and c.valeurs.get("date_passage") == at.isoformat()
    ]
    certifie_ici = resultat.statut == "certifie" and resultat.date_certification == at
    return {
        **_candidat(d, ref),
        "presence": _presence(passage),
        "decisions": decisions,
        "acquis": acquis,
        "partiel": resultat.statut == "partiel",
        "restants": [domaine_label(ref, r) for r in resultat.restants],
        "statut": statut_label(resultat),
        "certifie": resultat.statut == "certifie",
        "certifie_ici": certifie_ici,
        "date_certification": date_longue(resultat.date_certification) if resultat.date_certification else "",
        "contraires": contraires,
        "observations": passage.notes,
        "unite": type_domaine(ref),
        "regle": rule,
        "ref": ref,
    }


def _correction_lines(ref: Any, records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The corrections of a closed session's decisions (the store's records), each with its motive."""
    out = []
    for r in records:
        if r.get("origine") != "correction":
            continue
        changes = ", ".join(
            f"{k} : {decision_label(k, v.get('avant') or 'sans décision')} → {decision_label(k, v.get('apres') or 'sans décision')}"
            for k, v in (r.get("modifie") or {}).items()
        ) or "aucun changement de décision"
        when = str(r.get("enregistre_le") or "")[:10]
        out.append({
            "numero": str(r.get("id", "")),
            "date": date_courte(dt.date.fromisoformat(when)) if when else "",
            "changements": changes,
            "motif": str(r.get("motif") or ""),
            "operateur": str(r.get("operateur") or ""),
        })
    return out


# --------------------------------------------------------------------- procès-verbal
def proces_verbal(
    registry: Any,
    session: Any,
    dossiers: Sequence[Any],
    as_of: dt.date | None = None,
    *,
    audit: tuple[int, str] | None = None,
    enregistrements: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    base: str = "",
) -> Document:
    """The procès-verbal of a session: composition by collège, president, each candidate's decisions, the awards.

    ``audit``: the head of the store's audit chain (entry number, SHA-256 fingerprint), printed so that
    ``cqpkit db verify --expect`` can check later that the log was not rewritten; ``None`` for a session
    read from files (the paper says it has no log). ``enregistrements``: the store's records of each
    dossier at this session (``jury show``'s), whose corrections are printed with their motive.
    """
    day = _day(session, as_of)
    head = _session_head(registry, session)
    notes = Notes()
    pairs = presented(session, dossiers)
    ref0 = registry.referentiel_for(pairs[0][0])
    # the composition's source is the first footnote: the composition comes first on the paper
    composition_note = None
    if ref0.jury is not None and ref0.jury.sources:
        from cqpkit.rules.sources import source_for

        composition_note = notes.cite(source_for(ref0.jury.sources, "composition") or ref0.jury.sources[0])
    rows = [_decided(registry, session, d, p, day, notes) for d, p in pairs]
    refs = [r.pop("ref") for r in rows]
    info = session.session
    # The composition, by collège: those of the référentiel first, in its order, then any other.
    order = [c.college for c in (ref0.jury.composition if ref0.jury else ())]
    order += [m.college for m in session.membres if m.college not in order]
    colleges = []
    for col in order:
        members = [m for m in session.membres if m.college == col]
        if not members:
            continue
        colleges.append({
            "libelle": college_label(ref0, col),
            "membres": [
                {"id": m.id, "organisation": m.organisation, "fonction": m.fonction, "president": m.id == info.president}
                for m in members
            ],
        })
    president = next((m for m in session.membres if m.id == info.president), None)
    for row, ref in zip(rows, refs, strict=True):
        row["corrections"] = _correction_lines(ref, (enregistrements or {}).get(row["dossier"], ()))
    certifies = [r for r in rows if r["certifie_ici"]]
    partiels = [r for r in rows if r["partiel"] and any(x["acquis"] for x in r["decisions"])]
    return Document(
        kind="proces-verbal",
        template="proces-verbal",
        data={
            "format": FORMAT,
            **head,
            "titre": f"Procès-verbal du jury du {head['date_courte']}",
            "as_of": date_courte(day),
            "colleges": colleges,
            "composition_note": composition_note,
            "president": (
                {"id": president.id, "college": college_label(ref0, president.college), "organisation": president.organisation,
                 "fonction": president.fonction}
                if president is not None else None
            ),
            "candidats": rows,
            "nombre_candidats": str(len(rows)),
            "certifies": [{"dossier": r["dossier"], "candidat": r["candidat"], "certification": r["certification"]} for r in certifies],
            "partiels": [{"dossier": r["dossier"], "candidat": r["candidat"], "acquis": r["acquis"]} for r in partiels],
            "contraires": [c | {"dossier": r["dossier"], "candidat": r["candidat"]} for r in rows for c in r["contraires"]],
            "audit": {"numero": str(audit[0]), "empreinte": audit[1], "base": base} if audit is not None else None,
            "signataires": [{"id": m.id, "college": college_label(ref0, m.college), "president": m.id == info.president}
                            for m in session.membres],
        },
        filename=f"proces-verbal-{info.id}.pdf",
        referentiels=tuple(dict.fromkeys((r.id, r.version) for r in refs)),
    )


# ---------------------------------------------------------------------- notification
def notification(registry: Any, session: Any, dossiers: Sequence[Any], as_of: dt.date | None = None) -> list[Document]:
    """One notification per candidate presented: the decision, what remains, until when partial awards hold, how to come back."""
    from cqpkit.rules.sources import source_for

    day = _day(session, as_of)
    head = _session_head(registry, session)
    docs = []
    for d, p in presented(session, dossiers):
        notes = Notes()
        row = _decided(registry, session, d, p, day, notes)
        ref = row.pop("ref")
        jury = ref.jury
        souverain_note = None
        if jury is not None and jury.souverain:
            souverain_note = notes.cite(source_for(jury.sources, "souverain") or (jury.sources[0] if jury.sources else None))
        # each validity end once, in date order (the dates are the engine's, JJ/MM/AAAA)
        ends = sorted({a["valide_jusqua"] for a in row["acquis"] if a["valide_jusqua"]}, key=lambda s: s[6:] + s[3:5] + s[:2])
        docs.append(
            Document(
                kind="notification",
                template="notification",
                data={
                    "format": FORMAT,
                    **head,
                    **row,
                    "titre": f"Notification de la décision du jury du {head['date_courte']}",
                    "certificateur": ref.certification.certificateur,
                    "fins_validite": ends,
                    "souverain": bool(jury is not None and jury.souverain),
                    "souverain_note": souverain_note,
                },
                filename=f"notification-{d.id}.pdf",
                referentiels=((ref.id, ref.version),),
            )
        )
    return docs
