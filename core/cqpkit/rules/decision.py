"""The acquisition ledger: what a dossier's jury passages award, as of a date (:func:`decide`).

The jury is sovereign (Mutualité guide, Partie 1, 2.5: « le jury est souverain, n'a pas à justifier
ses décisions, qui ne peuvent faire l'objet d'aucun recours »): the engine records its decisions and
never overrides them; where a decision is not supported by the dossier it only flags it.

Semantic choices, each pinned by ``tests/test_rules_decision.py``
-----------------------------------------------------------------
- **Which passages.** Every passage of the dossier dated on or before ``as_of`` (a later one has not
  happened yet), in date order; passages of the same day keep their order in the dossier. A passage
  marked ``absent`` or ``excuse`` decides nothing, whatever decisions it records, and does not count
  as a passage for the status (an absent-only dossier is ``en_cours``).
- **Acquisition.** A domaine decided ``"acquis"`` at a passage is acquired on the passage's date,
  valid through ``dates.valid_until(date, jury.validite_acquis_partiels)`` (acquired 2014-01-20 for
  P5Y: valid through 2019-01-19, both days included). Without ``[jury]`` or without
  ``validite_acquis_partiels`` an acquisition never expires (``valide_jusqua = None``): nothing is
  invented that the source does not give. Re-acquiring a domaine (expired or not) renews it from the
  new passage's date.
- **Non acquis.** A ``"non_acquis"`` decision never withdraws a still-valid earlier acquisition (an
  award is not taken back); it is recorded as "not acquired at this passage" and changes nothing in
  the ledger. Hence adding an ``"acquis"`` decision can never worsen a result.
- **Expiry.** An acquisition whose last valid day is before a passage's date has expired at that
  passage; it is listed in ``expires`` (the latest expired acquisition of the domaine) until the
  domaine is re-acquired.
- **Certification.** The certification is awarded on the date of the first passage after whose
  decisions every domaine of the référentiel is acquired and still valid on that date (a domaine
  acquired earlier but expired by then does not count; completing on the last valid day counts).
  From then on acquisitions no longer expire: the result lists them with ``valide_jusqua = None``.
  Any passage processed after the certifying one (a later date, or the same day later in the
  dossier) is an error ``passage_apres_certification`` and its decisions are not applied.
- **Status** as of ``as_of``: ``certifie`` (certification awarded); ``partiel`` (at least one valid
  acquisition, not all); ``expire`` (acquisitions existed and all have expired); ``non_acquis``
  (at least one attended passage, nothing ever acquired); ``en_cours`` (no attended passage yet).
  ``acquis`` (valid acquisitions), ``expires`` and ``restants`` (domaines not validly acquired,
  expired ones included) follow the référentiel's domaine order.
- **Décision contraire.** On a training route (see :func:`is_training_route`), when the référentiel's
  ``[jury] conditions_passage`` lists ``evaluation_finale_favorable``, an ``"acquis"`` without a
  favourable final evaluation of that domaine gives the warning ``decision_contraire``; the
  acquisition stands. A favourable final evaluation is an evaluation, dated on or before the passage,
  of an épreuve of type ``finale_entreprise`` whose ``domaines`` include the domaine, whose verdict is
  a ``favorable`` value of the échelle named by the épreuve's ``verdict``. An épreuve without a
  verdict échelle (e.g. the D1 "découverte" grid) cannot make an evaluation favourable.
- **Whole certification.** A référentiel without domaines (``complet = false``, e.g. the four other
  Mutualité CQPs) is decided on the whole certification: the jury « délivrera en totalité ou en
  partie le CQP (par domaines de compétences) » (Mutualité guide, Partie 1, 2.5 and 3.5); with no
  domaines, only « en totalité » (or not at all) can be recorded, as ``decisions.certification``
  (:data:`~cqpkit.model.CERTIFICATION_ENTIERE`). The first attended passage deciding
  ``"acquis"`` certifies the dossier on its date (``certifie``, ``date_certification``; nothing
  in ``acquis``, ``expires``, ``restants``: there are no domaines); any passage processed after it
  is ``passage_apres_certification`` as above. ``"non_acquis"`` (and no ``"acquis"``) gives
  ``non_acquis``. A domaine decision there is an error ``decision_domaine_inconnu`` saying that
  only a whole decision can be taken into account, and is not applied. ``decision_contraire`` is
  not checked: such a référentiel has no verdict échelle, so no final evaluation can be favourable.
- **Errors.** A référentiel without domaines whose attended passages (as of the date) hold no
  decision on the whole certification cannot be decided: ``domaine_non_defini`` and status
  ``en_cours``. It is an error once the candidate has been in front of a jury (there is a decision
  the engine cannot establish), and an information before (nothing to decide yet: a VAE dossier
  can still be checked for admissibility without a blocking finding). A decision on a domaine
  the référentiel does not define is an error ``decision_domaine_inconnu`` and is not applied; a
  decision on the whole certification where the référentiel defines domaines is an error
  ``decision_certification_entiere`` and is not applied (the jury decides per domaine).
- **Sources.** ``Resultat.source`` is the first source of ``[jury]`` (the certification's first
  source when the référentiel has no jury table). Each :class:`~cqpkit.model.Constat` carries the same
  source, except ``domaine_non_defini`` (the certification's first source).
"""

from __future__ import annotations

from datetime import date

from cqpkit.formats.refindex import per_referentiel
from cqpkit.model import (
    CERTIFICATION_ENTIERE,
    Constat,
    DomaineAcquis,
    Dossier,
    PassageJury,
    Referentiel,
    Resultat,
    Source,
)
from cqpkit.model.invariants import quick_constructor
from cqpkit.rules import dates
from cqpkit.rules.fr import date_fr as _fr
from cqpkit.rules.sources import source_for

# The outputs, built without attrs' generic __init__ (the same invariants, tested inline).
_new_Constat = quick_constructor(Constat)
_new_DomaineAcquis = quick_constructor(DomaineAcquis)
_new_Resultat = quick_constructor(Resultat)

__all__ = [
    "STATUTS",
    "decide",
    "favourable_final_evaluation",
    "is_training_route",
]

_UNSET = object()

#: The statuses from the least to the most advanced (the order the property tests check).
STATUTS: tuple[str, ...] = ("en_cours", "non_acquis", "expire", "partiel", "certifie")


def _first(sources: tuple[Source, ...]) -> Source | None:
    return sources[0] if sources else None


def _result_source(ref: Referentiel) -> Source | None:
    if ref.jury is not None and ref.jury.sources:
        return source_for(ref.jury.sources, "validite_acquis_partiels", "delivrance_partielle")
    return _first(ref.certification.sources)


def is_training_route(ref: Referentiel, voie_id: str) -> bool:
    """Whether ``voie_id`` is a training route (where final in-company evaluations are expected).

    Every route is a training route except a VAE one: the voie whose id is ``"vae"``, or a voie of
    the référentiel with an ``experience`` admissibility condition (only VAE routes have one).
    """
    if voie_id == "vae":
        return False
    for voie in ref.voies:
        if voie.id == voie_id:
            return voie.experience is None
    return True


def favourable_final_evaluation(ref: Referentiel, dossier: Dossier, domaine: str, on: date) -> bool:
    """Whether the dossier has a favourable final in-company evaluation of ``domaine`` dated on or before ``on``.

    Favourable: the épreuve is of type ``finale_entreprise``, covers ``domaine``, names a verdict
    échelle, and the evaluation's verdict is one of that échelle's ``favorable`` values.
    """
    first = _first_favourable(ref, dossier).get(domaine)
    return first is not None and first <= on


def _first_favourable(ref: Referentiel, dossier: Dossier) -> dict[str, date]:
    """The date of the first favourable final in-company evaluation of each domaine that has one.

    A domaine has a favourable evaluation dated on or before a day exactly when its first one is:
    :func:`decide` reads every acquisition of a dossier against this one pass over its evaluations.
    """
    first: dict[str, date] = {}
    finales = per_referentiel(ref, _favourable_verdicts)
    for evaluation in dossier.evaluations:
        if evaluation.verdict is None:
            continue
        entry = finales.get(evaluation.epreuve)
        if entry is None or evaluation.verdict not in entry[1]:
            continue
        for domaine in entry[0]:
            known = first.get(domaine)
            if known is None or evaluation.date < known:
                first[domaine] = evaluation.date
    return first


def _favourable_verdicts(ref: Referentiel) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """Each final in-company épreuve naming a verdict échelle the référentiel defines: its domaines and the
    échelle's favourable values (built once per référentiel: :func:`~cqpkit.formats.refindex.per_referentiel`)."""
    out = {}
    for epreuve in ref.epreuves_par_id.values():  # (the first of an id, as the rest of the engine reads them)
        if epreuve.type != "finale_entreprise" or not epreuve.verdict:
            continue
        echelle = ref.echelles.get(epreuve.verdict)
        if echelle is not None:
            out[epreuve.id] = (tuple(epreuve.domaines), frozenset(n.id for n in echelle.valeurs if n.favorable))
    return out


class _Lookups:
    """What :func:`decide` reads of the référentiel alone, built once per référentiel (:func:`per_referentiel`)."""

    __slots__ = ("final_evaluation", "known", "order", "source", "validite")

    def __init__(self, ref: Referentiel) -> None:
        self.order = tuple(d.id for d in ref.domaines)
        self.known = frozenset(self.order)
        self.validite = ref.jury.validite_acquis_partiels if ref.jury is not None else None
        self.source = _result_source(ref)
        #: whether [jury] asks for a favourable final evaluation (on a training route: :func:`is_training_route`)
        self.final_evaluation = ref.jury is not None and "evaluation_finale_favorable" in ref.jury.conditions_passage


def _ordered_passages(dossier: Dossier, as_of: date) -> list[tuple[int, PassageJury]]:
    dated = [(i, p) for i, p in enumerate(dossier.passages) if p.date <= as_of]
    # sorted() is stable: passages of the same day keep the dossier's order.
    return sorted(dated, key=lambda item: item[1].date)


def _undefined(ref: Referentiel, attended: bool) -> Constat:
    cert = ref.certification
    why = (
        "le référentiel est déclaré incomplet (complet = false) et ne définit aucun domaine"
        if not cert.complet
        else "le référentiel ne définit aucun domaine"
    )
    return _new_Constat(
        code="domaine_non_defini",
        niveau="erreur" if attended else "information",
        message=(
            f"Aucune décision par domaine ne peut être établie pour le {cert.intitule} (version {cert.version}) : "
            f"{why}. Seule une décision du jury sur la certification entière peut être enregistrée "
            f"(decisions.{CERTIFICATION_ENTIERE} = « acquis » ou « non_acquis ») ; "
            + ("aucun passage n'en porte." if attended else "aucun passage devant le jury pour l'instant.")
        ),
        chemin="passages",
        source=_first(cert.sources),
        valeurs={"certification": cert.id, "version": cert.version, "complet": str(cert.complet).lower()},
    )


def _after_certification(
    passage: PassageJury, index: int, certified_on: date, certifying_index: int, source: Source | None
) -> Constat:
    return _new_Constat(
        code="passage_apres_certification",
        niveau="erreur",
        message=(
            f"Passage devant le jury du {_fr(passage.date)} (session {passage.session}) après la "
            f"délivrance de la certification le {_fr(certified_on)} (passage n° {certifying_index + 1}) : "
            "ses décisions ne sont pas prises en compte."
        ),
        chemin=f"passages[{index}]",
        source=source,
        valeurs={
            "date_passage": passage.date.isoformat(),
            "session": passage.session,
            "date_certification": certified_on.isoformat(),
        },
    )


def _decide_whole(ref: Referentiel, dossier: Dossier, as_of: date) -> Resultat:
    """A référentiel without domaines: the jury's decisions on the whole certification (module docstring)."""
    source = _result_source(ref)
    constats: list[Constat] = []
    attended = decided = False
    certified_on: date | None = None
    certifying_index = 0
    for index, passage in _ordered_passages(dossier, as_of):
        if passage.absent or passage.excuse:
            continue
        if certified_on is not None:
            constats.append(_after_certification(passage, index, certified_on, certifying_index, source))
            continue
        attended = True
        for dom, decision in passage.decisions.items():
            if dom == CERTIFICATION_ENTIERE:
                continue
            constats.append(
                _new_Constat(
                    code="decision_domaine_inconnu",
                    niveau="erreur",
                    message=(
                        f"Décision « {decision} » du jury du {_fr(passage.date)} sur le domaine « {dom} » : le "
                        "référentiel ne définit pas ses domaines, seule une décision sur la certification entière "
                        f"(decisions.{CERTIFICATION_ENTIERE}) peut être prise en compte ; une délivrance partielle "
                        "y est impossible : décision non prise en compte."
                    ),
                    chemin=f"passages[{index}].decisions.{dom}",
                    source=source,
                    valeurs={"domaine": dom, "decision": decision, "domaines": ""},
                )
            )
        whole = passage.decision_certification
        if whole is None:
            continue
        decided = True
        if whole == "acquis":
            certified_on, certifying_index = passage.date, index
    if not decided:
        constats.append(_undefined(ref, attended))
    return _new_Resultat(
        dossier=dossier.id,
        certification=ref.id,
        version=ref.version,
        date=as_of,
        statut="certifie" if certified_on is not None else ("non_acquis" if decided else "en_cours"),
        date_certification=certified_on,
        constats=tuple(constats),
        source=source,
    )


def decide(ref: Referentiel, dossier: Dossier, as_of: date) -> Resultat:
    """The dossier's result as of ``as_of``: the ledger of its jury passages (see the module docstring)."""
    if not ref.domaines:
        return _decide_whole(ref, dossier, as_of)

    lookups = per_referentiel(ref, _Lookups)
    order, known, validite, source = lookups.order, lookups.known, lookups.validite, lookups.source
    check_final = lookups.final_evaluation and is_training_route(ref, dossier.dossier.voie)
    favourable = _first_favourable(ref, dossier) if check_final else {}

    # An acquisition while the ledger runs: (date, session, last valid day or None); DomaineAcquis at the end.
    current: dict[str, tuple[date, str, date | None]] = {}
    expired: dict[str, tuple[date, str, date | None]] = {}
    constats: list[Constat] = []
    attended = False
    certified_on: date | None = None
    certifying_index = 0

    def expire_before(day: date) -> None:
        for dom, acq in list(current.items()):
            if acq[2] is not None and acq[2] < day:
                expired[dom] = acq
                del current[dom]

    for index, passage in _ordered_passages(dossier, as_of):
        if passage.absent or passage.excuse:
            continue
        if certified_on is not None:
            constats.append(_after_certification(passage, index, certified_on, certifying_index, source))
            continue
        attended = True
        expire_before(passage.date)
        until: object = _UNSET
        for dom, decision in passage.decisions.items():
            if dom == CERTIFICATION_ENTIERE:
                constats.append(
                    _new_Constat(
                        code="decision_certification_entiere",
                        niveau="erreur",
                        message=(
                            f"Décision « {decision} » du jury du {_fr(passage.date)} sur la certification entière : "
                            f"le référentiel définit ses domaines ({', '.join(order)}) et le jury décide domaine par "
                            "domaine : décision non prise en compte."
                        ),
                        chemin=f"passages[{index}].decisions.{dom}",
                        source=source,
                        valeurs={"decision": decision, "domaines": ", ".join(order)},
                    )
                )
                continue
            if dom not in known:
                constats.append(
                    _new_Constat(
                        code="decision_domaine_inconnu",
                        niveau="erreur",
                        message=(
                            f"Décision « {decision} » du jury du {_fr(passage.date)} sur le domaine « {dom} », "
                            f"que le référentiel ne définit pas (domaines définis : {', '.join(order)}) : "
                            "décision non prise en compte."
                        ),
                        chemin=f"passages[{index}].decisions.{dom}",
                        source=source,
                        valeurs={"domaine": dom, "decision": decision, "domaines": ", ".join(order)},
                    )
                )
                continue
            if decision != "acquis":
                continue
            if check_final and not (dom in favourable and favourable[dom] <= passage.date):
                constats.append(
                    _new_Constat(
                        code="decision_contraire",
                        niveau="avertissement",
                        message=(
                            f"Le jury du {_fr(passage.date)} a déclaré le domaine {dom} acquis sans évaluation "
                            "finale en entreprise favorable de ce domaine à cette date "
                            f"(voie {dossier.dossier.voie}) ; "
                            "le jury est souverain : la décision est enregistrée."
                        ),
                        chemin=f"passages[{index}].decisions.{dom}",
                        source=source,
                        valeurs={
                            "domaine": dom,
                            "date_passage": passage.date.isoformat(),
                            "voie": dossier.dossier.voie,
                            "condition": "evaluation_finale_favorable",
                        },
                    )
                )
            if until is _UNSET:  # once per passage
                until = dates.valid_until(passage.date, validite) if validite is not None else None
            current[dom] = (passage.date, passage.session, until)
            expired.pop(dom, None)
        if len(current) == len(order):  # current holds known domaines only, each once
            certified_on = passage.date
            certifying_index = index

    if certified_on is not None:
        acquis = tuple(
            _new_DomaineAcquis(domaine=d, date=current[d][0], session=current[d][1], valide_jusqua=None)
            for d in order
        )
        return _new_Resultat(
            dossier=dossier.id,
            certification=ref.id,
            version=ref.version,
            date=as_of,
            statut="certifie",
            acquis=acquis,
            date_certification=certified_on,
            constats=tuple(constats),
            source=source,
        )

    # Acquisitions valid at the last passage may have expired by as_of (valid through their last day, inclusive).
    expire_before(as_of)
    acquis = tuple(_new_DomaineAcquis(domaine=d, date=a[0], session=a[1], valide_jusqua=a[2]) for d in order if (a := current.get(d)))
    expires = tuple(_new_DomaineAcquis(domaine=d, date=a[0], session=a[1], valide_jusqua=a[2]) for d in order if (a := expired.get(d)))
    restants = tuple(d for d in order if d not in current)
    if acquis:
        statut = "partiel"
    elif expires:
        statut = "expire"
    elif attended:
        statut = "non_acquis"
    else:
        statut = "en_cours"
    return _new_Resultat(
        dossier=dossier.id,
        certification=ref.id,
        version=ref.version,
        date=as_of,
        statut=statut,
        acquis=acquis,
        expires=expires,
        restants=restants,
        constats=tuple(constats),
        source=source,
    )
