"""Hypothesis strategies for cqpkit objects: référentiels, dossiers and jury sessions.

Used by the conformance suite (:mod:`cqpkit.testing`) and by cqpkit's own tests; a plugin
author can use them in property tests of their own::

    from hypothesis import given
    from cqpkit.testing.strategies import dossiers

    @given(dossiers(mon_referentiel))
    def test_ma_regle(dossier): ...

- :func:`referentiels` builds valid référentiels (ids unique, references resolved).
- :func:`dossiers` builds dossiers that pass the structural cross-checks (unique ids,
  evaluators and the positionnement's author among the acteurs, periods in order, every
  event of the parcours on or after registration, passages in date order, each in a session of its own).
  ``dossiers(referentiel)`` builds them from what a référentiel defines (its certification,
  version, voies, mentions, épreuves, critères and échelle values, domaines, modules,
  prérequis, documents), so that they also pass every check against it.
- :func:`sessions` builds valid jury sessions.

Requires hypothesis (``pip install hypothesis``).
"""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import strategies as st

from cqpkit import model as m

__all__ = ["dates", "dossiers", "durees", "ident", "number", "referentiels", "sessions", "short", "sources", "text"]

# Any text a user could write in a label, including accents, quotes, newlines.
text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f") | st.sampled_from("\n\t\"'\\"), max_size=30)
short = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
ident = st.from_regex(r"[A-Za-z](?:[A-Za-z0-9_-]{0,7}[A-Za-z0-9])?", fullmatch=True)
number = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))
durees = st.builds(
    m.Duree,
    annees=st.integers(0, 20),
    mois=st.integers(0, 24),
    semaines=st.integers(0, 10),
    jours=st.integers(0, 60),
)
sources = st.builds(m.Source, document=short, section=short, date=st.none() | dates, notes=text)


def _unique_ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


@st.composite
def referentiels(draw: st.DrawFn) -> m.Referentiel:
    """Valid référentiels of any shape: unique ids, every reference resolved, dated values in order."""
    branche = draw(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True))
    slug = draw(st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True))
    mentions = tuple(draw(st.lists(ident, max_size=2, unique=True)))
    start = draw(st.none() | dates)
    cert = m.Certification(
        id=f"{branche}.{slug}",
        intitule=draw(text),
        branche=branche,
        certificateur=draw(text),
        version=draw(st.from_regex(r"[0-9]{4}", fullmatch=True)),
        en_vigueur_depuis=start,
        en_vigueur_jusqua=None if start is None else draw(st.none() | st.dates(min_value=start, max_value=dt.date(2099, 1, 1))),
        complet=draw(st.booleans()),
        mentions=mentions,
        finalite=tuple(draw(st.lists(text, max_size=2))),
        capacites=tuple(draw(st.lists(text, max_size=2))),
        sources=tuple(draw(st.lists(sources, max_size=2))),
        notes=draw(text),
    )
    dom_ids = _unique_ids("D", draw(st.integers(0, 4)))
    domaines = tuple(
        m.Domaine(
            id=d,
            intitule=draw(text),
            type=draw(st.sampled_from(m.TYPES_DOMAINE)),
            savoir_faire=tuple(draw(st.lists(text, max_size=3))),
            savoirs=tuple(draw(st.lists(text, max_size=3))),
            spe=draw(st.none() | st.integers(0, 5)),
            jours_tuteur=draw(st.none() | number),
            complet=draw(st.booleans()),
        )
        for d in dom_ids
    )
    echelles = {
        name: m.Echelle(
            libelle=draw(text),
            valeurs=tuple(
                m.Niveau(id=v, libelle=draw(text), favorable=draw(st.booleans()))
                for v in _unique_ids("v", draw(st.integers(1, 3)))
            ),
        )
        for name in draw(st.lists(ident, max_size=3, unique=True))
    }
    ech_names = sorted(echelles)
    maybe_ech = st.none() | st.sampled_from(ech_names) if ech_names else st.none()
    maybe_mention = st.none() | st.sampled_from(mentions) if mentions else st.none()
    epreuves = tuple(
        m.Epreuve(
            id=e,
            intitule=draw(text),
            type=draw(st.sampled_from(m.TYPES_EPREUVE)),
            domaines=tuple(draw(st.lists(st.sampled_from(dom_ids), max_size=2, unique=True))) if dom_ids else (),
            mention=draw(maybe_mention),
            echelle=draw(maybe_ech),
            verdict=draw(maybe_ech),
            evaluateurs=draw(
                st.none()
                | st.builds(
                    m.Evaluateurs,
                    nombre=st.none() | st.integers(1, 4),
                    distincts=st.booleans(),
                    roles_requis=st.just(("n_plus_1",)),
                    roles_exclus=st.lists(st.sampled_from(["tuteur", "formateur_suivi"]), unique=True).map(tuple),
                )
            ),
            criteres=tuple(
                m.Critere(id=c, libelle=draw(text), domaine=draw(st.none() | st.sampled_from(dom_ids)) if dom_ids else None)
                for c in _unique_ids("C", draw(st.integers(0, 3)))
            ),
            sources=tuple(draw(st.lists(sources, max_size=1))),
        )
        for e in _unique_ids("E", draw(st.integers(0, 3)))
    )
    mod_ids = _unique_ids("M", draw(st.integers(0, 3)))
    modules = tuple(
        m.Module(
            id=mid,
            intitule=draw(text),
            type=draw(st.sampled_from(m.TYPES_MODULE)),
            domaines=tuple(draw(st.lists(st.sampled_from(dom_ids), max_size=2, unique=True))) if dom_ids else (),
            jours_presentiel=draw(st.none() | number),
            heures=draw(st.none() | number),
            spe=draw(st.none() | st.integers(0, 10)),
            obligatoire=draw(st.booleans()),
            repetable=draw(st.booleans()),
        )
        for mid in mod_ids
    )
    voies = tuple(
        m.Voie(
            id=v,
            intitule=draw(text),
            experience=draw(st.none() | st.builds(m.ExperienceRequise, duree=durees, fenetre=st.none() | durees, natures=st.lists(st.sampled_from(["salariee", "non_salariee", "benevole"]), max_size=2, unique=True).map(tuple))),
            documents_requis=tuple(
                m.DocumentRequis(id=did, libelle=draw(text)) for did in _unique_ids("doc", draw(st.integers(0, 2)))
            ),
        )
        for v in _unique_ids("V", draw(st.integers(0, 2)))
    )
    jury = draw(
        st.none()
        | st.builds(
            m.RegleJury,
            composition=st.lists(st.builds(m.College, college=short, nombre=st.integers(1, 4)), max_size=2).map(tuple),
            presidence_alternee=st.booleans(),
            format=st.lists(st.builds(m.PhaseJury, libelle=text, minutes=st.none() | st.integers(1, 60)), max_size=2).map(tuple),
            validite_acquis_partiels=st.none() | durees,
            delai_premier_passage=st.none() | durees,
        )
    )
    financement = {}
    for name in draw(st.lists(ident, max_size=2, unique=True)):
        starts = sorted(draw(st.lists(dates, min_size=1, max_size=3, unique=True)))
        financement[name] = m.Financement(
            intitule=draw(text),
            unite=draw(st.sampled_from(["heure", "jour", "mois", "mois_commence", "point", "forfait"])),
            en=draw(st.sampled_from(["euro", "point"])),
            quantite=draw(st.none() | number),
            valeurs=tuple(
                m.Bareme(depuis=s, valeur=draw(number), source=draw(sources), plafond_annuel=draw(st.none() | number))
                for s in starts
            ),
        )
    regles = ()
    if len(mod_ids) >= 2:
        regles = (
            m.Regle(id="R1", type="ordre", libelle=draw(text), source=draw(sources), avant=mod_ids[0], apres=mod_ids[1]),
            m.Regle(
                id="R2",
                type="delai",
                libelle=draw(text),
                source=draw(sources),
                niveau=draw(st.sampled_from(m.NIVEAUX)),
                de=f"module:{mod_ids[1]}",
                a="passage",
                min=draw(durees),
            ),
        )
    return m.Referentiel(
        certification=cert,
        domaines=domaines,
        echelles=echelles,
        epreuves=epreuves,
        modules=modules,
        voies=voies,
        jury=jury,
        financement=financement,
        regles=regles,
    )

#: Registration happens in this window; everything of the parcours comes after it.
_INSCRIPTION = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))


def _after(start: dt.date, days: int = 730) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=start, max_value=start + dt.timedelta(days=days))


def _optional_end(draw: st.DrawFn, start: dt.date) -> dt.date | None:
    return draw(st.none() | _after(start, 400))


def _pick(draw: st.DrawFn, values: list[str] | tuple[str, ...], fallback: st.SearchStrategy[str]) -> str:
    return draw(st.sampled_from(list(values))) if values else draw(fallback)


def _scale_values(ref: m.Referentiel | None, name: str | None) -> list[str]:
    if ref is None or name is None or name not in ref.echelles:
        return []
    return [n.id for n in ref.echelles[name].valeurs]


@st.composite
def dossiers(draw: st.DrawFn, referentiel: m.Referentiel | None = None) -> m.Dossier:
    """Valid dossiers; with ``referentiel``, made only of what it defines (they pass every check against it)."""
    ref = referentiel
    inscription = draw(_INSCRIPTION)

    # [dossier]
    if ref is not None:
        certification, version = ref.id, ref.version
        voies = [v.id for v in ref.voies]
        mentions = list(ref.certification.mentions)
    else:
        certification = draw(st.from_regex(r"[a-z]{1,6}\.[a-z0-9]{1,6}(-[a-z0-9]{1,6})?", fullmatch=True))
        version = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
        voies, mentions = [], []
    voie = _pick(draw, voies, ident)
    mention = draw(st.sampled_from(mentions)) if mentions else draw(st.none() | ident) if ref is None else None
    info = m.DossierInfo(
        id=draw(ident),
        certification=certification,
        version=version,
        voie=voie,
        inscription=inscription,
        mention=mention,
        nomination=draw(st.none() | st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 1, 1))),
        depot_dossier=draw(st.none() | _after(inscription)),
        notes=draw(text),
    )
    candidat = m.Candidat(
        id=draw(ident),
        nom=draw(short),
        prenom=draw(short),
        naissance=draw(st.none() | st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2005, 12, 31))),
        email=draw(short),
        emploi=draw(text),
        notes=draw(text),
    )

    # Acteurs, with unique ids.
    acteur_ids = draw(st.lists(ident, max_size=4, unique=True))
    acteurs = []
    for aid in acteur_ids:
        mission_debut = draw(st.none() | _after(inscription - dt.timedelta(days=365)))
        acteurs.append(
            m.Acteur(
                id=aid,
                role=draw(st.sampled_from(m.ROLES)),
                roles_secondaires=tuple(draw(st.lists(st.sampled_from(m.ROLES), max_size=2, unique=True))),
                organisation=draw(short),
                management_depuis=draw(st.none() | st.dates(min_value=dt.date(1980, 1, 1), max_value=inscription)),
                forme_le=draw(st.none() | _after(inscription - dt.timedelta(days=60), 120)),
                formation_heures=draw(st.none() | number),
                mission_debut=mission_debut,
                mission_fin=None if mission_debut is None else _optional_end(draw, mission_debut),
                tutores_simultanes=draw(st.none() | st.integers(0, 5)),
            )
        )

    # Experiences: before (or around) registration, each one in order.
    experiences = []
    for _ in range(draw(st.integers(0, 2))):
        debut = draw(st.dates(min_value=dt.date(1980, 1, 1), max_value=inscription))
        experiences.append(
            m.Experience(
                debut=debut,
                fin=_optional_end(draw, debut),
                nature=draw(st.sampled_from(["salariee", "non_salariee", "benevole"])),
                emploi=draw(short),
                pertinente=draw(st.booleans()),
            )
        )

    # Documents of the voie.
    if ref is not None:
        voie_obj = next((v for v in ref.voies if v.id == voie), None)
        required = [d.id for d in voie_obj.documents_requis] if voie_obj else []
        documents = tuple(draw(st.lists(st.sampled_from(required), unique=True))) if required else ()
    else:
        documents = tuple(draw(st.lists(ident, max_size=3, unique=True)))

    # Positionnement (may precede registration).
    domaine_ids = [d.id for d in ref.domaines] if ref is not None else []
    module_ids = [mo.id for mo in ref.modules] if ref is not None else []
    prerequis_ids = [p.id for p in ref.prerequis] if ref is not None else []
    scale: list[str] = []
    if ref is not None:
        pos = next((e for e in ref.epreuves if e.type == "positionnement" and e.echelle in ref.echelles), None)
        scale = _scale_values(ref, pos.echelle) if pos else []
    positionnement = None
    if draw(st.booleans()):
        dom_keys = (
            draw(st.lists(st.sampled_from(domaine_ids), unique=True))
            if domaine_ids
            else ([] if ref is not None else draw(st.lists(ident, max_size=3, unique=True)))
        )
        pre_keys = (
            draw(st.lists(st.sampled_from(prerequis_ids), unique=True))
            if prerequis_ids
            else ([] if ref is not None else draw(st.lists(ident, max_size=2, unique=True)))
        )
        value = st.none() | (st.sampled_from(scale) if scale else ident)
        positionnement = m.Positionnement(
            date=draw(
                st.dates(min_value=inscription - dt.timedelta(days=200), max_value=inscription + dt.timedelta(days=30))
            ),
            par=draw(st.none() | st.sampled_from(acteur_ids)) if acteur_ids else None,
            prerequis={k: draw(st.sampled_from(["oui", "non"])) for k in pre_keys},
            domaines={
                k: m.PositionnementDomaine(
                    savoir_faire=draw(value),
                    savoirs=draw(value),
                    niveau=draw(value),
                    orientation=draw(st.none() | st.sampled_from(["formation", "evaluation_directe"])),
                )
                for k in dom_keys
            },
            notes=draw(text),
        )

    # Formations and activités: after registration.
    module = st.sampled_from(module_ids) if module_ids else (st.nothing() if ref is not None else ident)
    formations = []
    if ref is None or module_ids:
        for _ in range(draw(st.integers(0, 3))):
            debut = draw(_after(inscription))
            formations.append(
                m.FormationSuivie(
                    module=draw(module),
                    debut=debut,
                    fin=_optional_end(draw, debut),
                    heures=draw(st.none() | number),
                    organisme=draw(short),
                    organisme_agree=draw(st.none() | st.booleans()),
                )
            )
    maybe_domaine = (
        (st.none() | st.sampled_from(domaine_ids))
        if domaine_ids
        else (st.none() if ref is not None else st.none() | ident)
    )
    maybe_module = (st.none() | module) if (ref is None or module_ids) else st.none()
    activites = tuple(
        m.Activite(
            id=aid,
            date=draw(_after(inscription)),
            domaine=draw(maybe_domaine),
            module=draw(maybe_module),
            realisee=draw(st.booleans()),
            libelle=draw(text),
        )
        for aid in draw(st.lists(ident, max_size=3, unique=True))
    )

    # Evaluations: within two years of registration; evaluators among the acteurs.
    evaluations = []
    epreuves = list(ref.epreuves) if ref is not None else []
    if ref is None or epreuves:
        for _ in range(draw(st.integers(0, 4))):
            if ref is not None:
                ep = draw(st.sampled_from(epreuves))
                crits = draw(st.lists(st.sampled_from(ep.criteres), unique_by=lambda c: c.id)) if ep.criteres else []
                criteres = {}
                for c in crits:
                    values = _scale_values(ref, c.echelle or ep.echelle)
                    criteres[c.id] = _pick(draw, values, ident)
                verdicts = _scale_values(ref, ep.verdict)
                verdict = draw(st.none() | (st.sampled_from(verdicts) if verdicts else ident))
                eid = ep.id
                emention = draw(st.none() | st.sampled_from(mentions)) if mentions else None
            else:
                eid = draw(ident)
                criteres = draw(st.dictionaries(ident, ident, max_size=3))
                verdict = draw(st.none() | ident)
                emention = draw(st.none() | ident)
            evaluations.append(
                m.Evaluation(
                    epreuve=eid,
                    date=draw(_after(inscription)),
                    evaluateurs=tuple(draw(st.lists(st.sampled_from(acteur_ids), max_size=3))) if acteur_ids else (),
                    criteres=criteres,
                    verdict=verdict,
                    mention=emention,
                    notes=draw(text),
                )
            )

    # Passages: after every evaluation (so each relies on evaluations before it), in date order.
    passage_dates = sorted(draw(st.lists(_after(inscription + dt.timedelta(days=731), 1500), max_size=3, unique=True)))
    decision_keys = st.sampled_from(domaine_ids) if domaine_ids else (st.nothing() if ref is not None else ident)
    # One passage per session (the store refuses a dossier citing a session twice): distinct session ids.
    session_ids = draw(st.lists(ident, min_size=len(passage_dates), max_size=len(passage_dates), unique=True))
    passages = tuple(
        m.PassageJury(
            session=session_ids[n],
            date=day,
            decisions={
                k: draw(st.sampled_from(["acquis", "non_acquis"]))
                for k in (
                    draw(st.lists(decision_keys, max_size=3, unique=True)) if (ref is None or domaine_ids) else []
                )
            },
            absent=draw(st.booleans()),
            excuse=draw(st.booleans()),
            notes=draw(text),
        )
        for n, day in enumerate(passage_dates)
    )

    info = attrs.evolve(info, documents=documents)
    return m.Dossier(
        dossier=info,
        candidat=candidat,
        acteurs=tuple(acteurs),
        experiences=tuple(experiences),
        positionnement=positionnement,
        formations=tuple(formations),
        activites=activites,
        evaluations=tuple(evaluations),
        passages=passages,
    )


@st.composite
def sessions(draw: st.DrawFn) -> m.SessionJury:
    """Valid jury sessions: unique member ids, a president among them (or none), at least one certification."""
    membre_ids = draw(st.lists(ident, max_size=5, unique=True))
    membres = tuple(
        m.Membre(
            id=mid,
            college=draw(st.sampled_from(["employeur", "salarie"]) | ident),
            organisation=draw(short),
            fonction=draw(text),
        )
        for mid in membre_ids
    )
    info = m.SessionInfo(
        id=draw(ident),
        date=draw(_INSCRIPTION),
        certifications=tuple(
            draw(
                st.lists(
                    st.from_regex(r"[a-z]{1,6}\.[a-z0-9]{1,6}(-[a-z0-9]{1,6})?", fullmatch=True), min_size=1, max_size=3
                )
            )
        ),
        president=draw(st.none() | st.sampled_from(membre_ids)) if membre_ids else None,
        precedente=draw(st.none() | ident),
        lieu=draw(text),
        cloturee=draw(st.booleans()),
        notes=draw(text),
    )
    return m.SessionJury(session=info, membres=membres)
