"""The checks of a jury session: :func:`check_session`.

:func:`check_session` is the union of one public function per rule, each pure:
:func:`check_composition`, :func:`check_president`, :func:`check_presidence_alternee`,
:func:`check_certifications` and :func:`check_passages`. The parameters come from the référentiel's
``[jury]`` table; without it only the dossiers' certification and passages are checked.

Codes and levels (``docs/engine.md``):

- ``jury_composition`` (error): per collège of ``[jury] composition``, the number of members of that
  collège is exactly ``nombre`` (3 employer members where 2 are required is as wrong as 1); a member
  of a collège the composition does not name; a member listed twice (counted once); and the total
  number of members against the sum of the ``nombre``. With the Mutualité jury (2 + 2), a session of
  3 members gives one finding for the short collège and one for the total.
- ``jury_president`` (error): with ``presidence_parmi_membres = true``, the president
  (``session.president``) is not one of the members, or a closed session (``cloturee``) names no
  president (before it closes, the president may not be chosen yet: « désigné en début de
  séance »); with ``false``, the president is one of the members. Unset: nothing is checked.
- ``jury_presidence_alternee`` (error): with ``presidence_alternee = true``, the president's collège
  is the same as the previous session's president's collège. "Alternating" means "not the same
  collège as last time", which for two collèges is employer, employee, employer… The previous
  session is the one ``session.precedente`` names, looked up in ``historique``; without
  ``precedente``, the first session of ``historique`` (given newest first) that is not this session
  and is not dated after it. Nothing is checked when there is no previous session, when
  ``precedente`` names a session absent from ``historique``, or when either president or collège
  is unknown.
- ``jury_certification`` (error): a dossier whose certification the session does not cover
  (``session.certifications``).
- ``jury_passage``, a code of this module: a dossier with no passage naming this session gives an
  information (the passage may not be recorded yet); a passage naming this session at another date
  than the session's gives a warning (the two records disagree).

Findings about the session have a ``chemin`` into the session file (``membres``,
``session.president``); findings about a dossier a ``chemin`` into that dossier
(``passages[0].date``), with the dossier's id in the message and in ``valeurs["dossier"]``. The
result is sorted like :func:`cqpkit.rules.checks.check_dossier`'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from cqpkit.model import Constat, Dossier, Referentiel, SessionJury, Source
from cqpkit.rules.checks import sort_constats
from cqpkit.rules.checks.common import _constat as _finding
from cqpkit.rules.fr import date_fr as _jj
from cqpkit.rules.sources import source_for

__all__ = [
    "check_certifications",
    "check_composition",
    "check_passages",
    "check_presidence_alternee",
    "check_president",
    "check_session",
    "previous_session",
]


def _source(ref: Referentiel, *keys: str) -> Source | None:
    """The source of ``[jury]`` stating ``keys`` (see :func:`cqpkit.rules.sources.source_for`)."""
    if ref.jury is None:
        return None
    return source_for(ref.jury.sources, *keys)


def _membres(n: int) -> str:
    return f"{n} membre{'s' if n > 1 else ''}"


def _constat(
    code: str, niveau: str, message: str, chemin: str, source: Source | None, regle: str, valeurs: dict[str, str]
) -> Constat:
    """The dossier checks' finding builder (:func:`cqpkit.rules.checks.common._constat`), called positionally here."""
    return _finding(code, niveau, message, chemin=chemin, source=source, regle=regle, valeurs=valeurs)


# ----------------------------------------------------------------------- composition
def check_composition(ref: Referentiel, session: SessionJury) -> list[Constat]:
    """``jury_composition``: members per collège exactly as ``[jury] composition`` requires, and in total."""
    jury = ref.jury
    if jury is None or not jury.composition:
        return []
    source = _source(ref, "composition")
    head = f"Session {session.id} du {_jj(session.session.date)}"
    found: list[Constat] = []
    seen: dict[str, int] = {}
    for i, membre in enumerate(session.membres):
        if membre.id in seen:
            found.append(
                _constat(
                    "jury_composition",
                    "erreur",
                    f"{head} : le membre {membre.id} figure plusieurs fois ; il n'est compté qu'une fois.",
                    f"membres[{i}].id",
                    source,
                    "jury.composition",
                    {"membre": membre.id},
                )
            )
        else:
            seen[membre.id] = i
    uniques = [session.membres[i] for i in seen.values()]
    counts = Counter(m.college for m in uniques)
    required = {c.college: c.nombre for c in jury.composition}
    for college in jury.composition:
        n = counts.get(college.college, 0)
        if n != college.nombre:
            found.append(
                _constat(
                    "jury_composition",
                    "erreur",
                    f"{head} : collège « {college.college} » : {_membres(n)} au lieu de {college.nombre}.",
                    "membres",
                    source,
                    "jury.composition",
                    {"college": college.college, "nombre": str(n), "nombre_requis": str(college.nombre)},
                )
            )
    for i in seen.values():
        membre = session.membres[i]
        if membre.college not in required:
            found.append(
                _constat(
                    "jury_composition",
                    "erreur",
                    f"{head} : le membre {membre.id} appartient au collège « {membre.college} », qui n'est pas "
                    f"dans la composition du jury ({', '.join(required)}).",
                    f"membres[{i}].college",
                    source,
                    "jury.composition",
                    {"membre": membre.id, "college": membre.college, "colleges": ", ".join(required)},
                )
            )
    total = sum(required.values())
    if len(uniques) != total:
        found.append(
            _constat(
                "jury_composition",
                "erreur",
                f"{head} : {_membres(len(uniques))} au total au lieu de {total}.",
                "membres",
                source,
                "jury.composition",
                {"nombre": str(len(uniques)), "nombre_requis": str(total)},
            )
        )
    return found


# ----------------------------------------------------------------------- presidency
def check_president(ref: Referentiel, session: SessionJury) -> list[Constat]:
    """``jury_president``: the president among the members (or not), as ``presidence_parmi_membres`` says."""
    jury = ref.jury
    if jury is None or jury.presidence_parmi_membres is None:
        return []
    president = session.session.president
    head = f"Session {session.id} du {_jj(session.session.date)}"
    valeurs = {"president": president or "aucun", "membres": ", ".join(m.id for m in session.membres) or "aucun"}
    if president is None:
        if jury.presidence_parmi_membres and session.session.cloturee:
            message = f"{head} : session clôturée sans président ; il doit être choisi parmi les membres."
        else:
            return []
    elif jury.presidence_parmi_membres and session.membre(president) is None:
        message = f"{head} : le président {president} n'est pas l'un des membres du jury ({valeurs['membres']})."
    elif not jury.presidence_parmi_membres and session.membre(president) is not None:
        message = f"{head} : le président {president} est l'un des membres, alors qu'il doit être extérieur au jury."
    else:
        return []
    return [
        _constat(
            "jury_president",
            "erreur",
            message,
            "session.president",
            _source(ref, "presidence_parmi_membres"),
            "jury.presidence_parmi_membres",
            valeurs,
        )
    ]


def previous_session(session: SessionJury, historique: Sequence[SessionJury]) -> SessionJury | None:
    """The session before ``session``: the one ``precedente`` names, else the newest earlier one of ``historique``.

    ``historique`` is given newest first. Without ``precedente``, the first session of it that is
    not ``session`` itself and is not dated after it; with ``precedente``, that session if
    ``historique`` holds it, else ``None``.
    """
    wanted = session.session.precedente
    if wanted is not None:
        return next((h for h in historique if h.id == wanted), None)
    for earlier in historique:
        if earlier.id != session.id and earlier.session.date <= session.session.date:
            return earlier
    return None


def check_presidence_alternee(
    ref: Referentiel, session: SessionJury, historique: Sequence[SessionJury]
) -> list[Constat]:
    """``jury_presidence_alternee``: the presidency goes to another collège than at the previous session."""
    jury = ref.jury
    if jury is None or not jury.presidence_alternee:
        return []
    previous = previous_session(session, historique)
    if previous is None or session.session.president is None or previous.session.president is None:
        return []
    current = session.membre(session.session.president)
    before = previous.membre(previous.session.president)
    if current is None or before is None or current.college != before.college:
        return []
    return [
        _constat(
            "jury_presidence_alternee",
            "erreur",
            f"Session {session.id} du {_jj(session.session.date)} : la présidence revient au collège "
            f"« {current.college} » (président {current.id}), comme à la session précédente {previous.id} du "
            f"{_jj(previous.session.date)} (président {before.id}) ; elle doit alterner entre les collèges.",
            "session.president",
            _source(ref, "presidence_alternee"),
            "jury.presidence_alternee",
            {
                "president": current.id,
                "college": current.college,
                "session_precedente": previous.id,
                "date_session_precedente": _jj(previous.session.date),
                "president_precedent": before.id,
                "college_precedent": before.college,
            },
        )
    ]


# ----------------------------------------------------------------------- dossiers
def check_certifications(ref: Referentiel, session: SessionJury, dossiers: Sequence[Dossier]) -> list[Constat]:
    """``jury_certification``: each dossier's certification is one the session covers."""
    found: list[Constat] = []
    couvertes = session.session.certifications
    for dossier in dossiers:
        certification = dossier.dossier.certification
        if certification in couvertes:
            continue
        found.append(
            _constat(
                "jury_certification",
                "erreur",
                f"Dossier {dossier.id} : la certification {certification} n'est pas couverte par la session "
                f"{session.id} du {_jj(session.session.date)} ({', '.join(couvertes) or 'aucune certification'}).",
                "dossier.certification",
                _source(ref),
                "session.certifications",
                {
                    "dossier": dossier.id,
                    "certification": certification,
                    "session": session.id,
                    "certifications": ", ".join(couvertes),
                },
            )
        )
    return found


def check_passages(ref: Referentiel, session: SessionJury, dossiers: Sequence[Dossier]) -> list[Constat]:
    """``jury_passage``: each dossier has a passage naming this session, at the session's date.

    No passage naming the session: information. A passage naming it at another date: warning, one
    per such passage.
    """
    found: list[Constat] = []
    jour = session.session.date
    for dossier in dossiers:
        passages = [(i, p) for i, p in enumerate(dossier.passages) if p.session == session.id]
        base = {"dossier": dossier.id, "session": session.id, "date_session": _jj(jour)}
        if not passages:
            found.append(
                _constat(
                    "jury_passage",
                    "information",
                    f"Dossier {dossier.id} : aucun passage enregistré à la session {session.id} du {_jj(jour)}.",
                    "passages",
                    _source(ref),
                    "session.date",
                    base,
                )
            )
        for i, passage in passages:
            if passage.date != jour:
                found.append(
                    _constat(
                        "jury_passage",
                        "avertissement",
                        f"Dossier {dossier.id} : le passage à la session {session.id} est daté du "
                        f"{_jj(passage.date)}, alors que la session a lieu le {_jj(jour)}.",
                        f"passages[{i}].date",
                        _source(ref),
                        "session.date",
                        {**base, "date_passage": _jj(passage.date)},
                    )
                )
    return found


def check_session(
    ref: Referentiel,
    session: SessionJury,
    dossiers: Sequence[Dossier],
    historique: Sequence[SessionJury],
) -> list[Constat]:
    """Every finding on a jury session (see the module docstring), sorted by ``chemin``, ``code``, ``message``.

    ``dossiers`` are the dossiers presented at the session; ``historique`` the earlier sessions,
    newest first (the previous one is ``historique[0]`` unless ``session.precedente`` names another).
    """
    return sort_constats(
        [
            *check_composition(ref, session),
            *check_president(ref, session),
            *check_presidence_alternee(ref, session, historique),
            *check_certifications(ref, session, dossiers),
            *check_passages(ref, session, dossiers),
        ]
    )
