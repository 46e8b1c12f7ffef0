"""Hypothesis strategies that generate valid référentiels (ids unique, references resolved)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from cqpkit import model as m

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
            format=st.lists(st.builds(m.Sequence, libelle=text, minutes=st.none() | st.integers(1, 60)), max_size=2).map(tuple),
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
