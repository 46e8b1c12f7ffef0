"""French labels for the ids a référentiel uses, in one place for every front end.

A reader of ``cqpkit show`` (a certification officer) reads « responsable hiérarchique
(N+1) », not ``n_plus_1``. Two kinds of labels:

- the labels the référentiel itself gives are preferred: an échelle's ``libelle``, a
  voie's ``intitule``, a collège's ``libelle``, a mention's label from
  ``[certification] libelles_mentions``, the modules' ``appellation_modules``;
- the tables below cover only the model's fixed vocabularies (the ``Literal`` types of
  :mod:`cqpkit.model.referentiel`: roles, types of domaine, épreuve and module, natures of
  experience and of critère, levels, jury conditions, events, funding units). A test checks
  that every value of each vocabulary has its label.

An unknown id is returned as it is: a label is for reading, never a check. Pure functions,
no import beyond the standard library, so that any front end can use them cheaply.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CONDITIONS_PASSAGE",
    "EVENEMENTS",
    "KEYS",
    "NATURES_CRITERE",
    "NATURES_EXPERIENCE",
    "NATURES_FINANCEMENT",
    "NIVEAUX",
    "ROLES",
    "TYPES_DOMAINE",
    "TYPES_EPREUVE",
    "TYPES_MODULE",
    "UNITES",
    "college",
    "echelle",
    "evenement",
    "mention",
    "module_appellation",
    "officer_text",
    "role",
    "roles",
    "unites_domaines",
    "voie",
]

#: Roles of the people around a candidate (``Role``).
ROLES = {
    "tuteur": "tuteur",
    "n_plus_1": "responsable hiérarchique (N+1)",
    "formateur_suivi": "formateur de suivi",
    "formateur_interne": "formateur interne",
    "professionnel_experimente": "autre professionnel expérimenté",
    "evaluateur": "évaluateur",
    "responsable_rh": "responsable RH",
    "responsable_session": "responsable de session",
    "consultant": "consultant",
}

#: Types of domaine (``TypeDomaine``): singular, plural, short plural (for ``cqpkit list``).
TYPES_DOMAINE = {
    "domaine": ("domaine de compétences", "domaines de compétences", "domaines"),
    "bloc": ("bloc de compétences", "blocs de compétences", "blocs"),
    "transverse": ("module transverse", "modules transverses", "modules transverses"),
}

#: Types of épreuve (``TypeEpreuve``).
TYPES_EPREUVE = {
    "positionnement": "positionnement",
    "formative": "évaluation formative",
    "intermediaire": "évaluation intermédiaire",
    "finale_entreprise": "évaluation finale en entreprise",
    "synthese": "fiche de synthèse",
    "certifiante": "évaluation certifiante",
    "vae": "VAE",
}

#: Types of module (``TypeModule``); ``formation``, the default, is not shown.
TYPES_MODULE = {
    "formation": "module de formation",
    "transverse": "module transverse",
    "accompagnement": "accompagnement collectif",
    "ouverture": "ouverture du parcours",
    "activites": "activités",
}

#: Natures of experience (``NatureExperience``).
NATURES_EXPERIENCE = {"salariee": "salariée", "non_salariee": "non salariée", "benevole": "bénévole"}

#: Natures of critère (``Critere.nature``).
NATURES_CRITERE = {
    "savoir_faire": "savoir-faire",
    "savoir": "savoirs",
    "activite": "activité réalisée",
    "question": "question au candidat, non notée",
}

#: Levels of a finding (``NiveauConstat``), as a rule's weight.
NIVEAUX = {"erreur": "bloquant", "avertissement": "recommandation", "information": "pour information"}

#: Conditions to go before the jury (``RegleJury.conditions_passage``).
CONDITIONS_PASSAGE = {
    "evaluation_finale_favorable": "l'évaluation finale en entreprise est favorable",
    "activites_realisees": "le candidat a exercé les activités de chaque domaine",
    "modules_obligatoires": "les modules obligatoires ont été suivis",
}

#: Events of a dossier that rules name (``EVENEMENTS``); ``module:<id>`` and ``epreuve:<id>`` see :func:`evenement`.
EVENEMENTS = {
    "inscription": "l'inscription",
    "debut_formation": "le début de la formation",
    "fin_formation": "la fin de la formation",
    "depot_dossier": "le dépôt du dossier de certification",
    "premier_passage": "le premier passage devant le jury",
    "passage": "le passage devant le jury",
    "nomination": "la nomination",
}

#: Natures of a funding line (``Financement.nature``).
NATURES_FINANCEMENT = {
    "cout": "coût de la formation",
    "financement": "prise en charge",
    "gratification": "gratification",
}

#: Units of quantity (``Financement.unite``, ``Volume.unite``): singular, plural.
UNITES = {
    "heure": ("heure", "heures"),
    "jour": ("jour", "jours"),
    "mois": ("mois", "mois"),
    "mois_commence": ("mois commencé", "mois commencés"),
    "point": ("point", "points"),
    "forfait": ("forfait", "forfaits"),
    "semaine": ("semaine", "semaines"),
    "minute": ("minute", "minutes"),
    "action": ("action", "actions"),
}

#: Collèges of a jury when the référentiel gives no ``libelle``.
_COLLEGES = {"employeur": "représentants des employeurs", "salarie": "représentants des salariés"}


def role(value: str) -> str:
    """« responsable hiérarchique (N+1) » for ``n_plus_1``."""
    return ROLES.get(value, value)


def roles(values: Any) -> str:
    """Several roles: « tuteur, formateur interne ou autre professionnel expérimenté »."""
    labels = [role(v) for v in values]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " ou " + labels[-1]


def mention(ref: Any, value: str | None) -> str:
    """A mention's label from ``[certification] libelles_mentions``, else its id."""
    if not value:
        return ""
    return getattr(ref.certification, "libelles_mentions", {}).get(value, value)


def echelle(ref: Any, value: str | None) -> str:
    """An échelle's ``libelle`` (« Oui / non » for ``oui_non``), else its id."""
    if not value:
        return ""
    e = ref.echelles.get(value)
    return e.libelle if e is not None else value


def voie(ref: Any, value: str) -> str:
    """A voie's ``intitule``, else its id."""
    for v in ref.voies:
        if v.id == value:
            return v.intitule
    return value


def college(c: Any) -> str:
    """A collège's ``libelle``, else the core label of its id."""
    return c.libelle or _COLLEGES.get(c.college, c.college)


def evenement(ref: Any, value: str | None) -> str:
    """An event in words: « le passage devant le jury », « le module « Se préparer… » »."""
    if not value:
        return ""
    kind, sep, ident = value.partition(":")
    if sep and kind == "module":
        for m in ref.modules:
            if m.id == ident:
                return f"le module « {m.intitule} »"
        return f"le module {ident}"
    if sep and kind == "epreuve":
        for e in ref.epreuves:
            if e.id == ident:
                return f"l'épreuve « {e.intitule} »"
        return f"l'épreuve {ident}"
    return EVENEMENTS.get(value, value)


def module_appellation(ref: Any) -> str:
    """What the référentiel calls its modules, plural, capitalised: « Unités de professionnalisation », else « Modules »."""
    name = getattr(ref.certification, "appellation_modules", "") or "modules"
    return name[:1].upper() + name[1:]


def unites_domaines(counts: dict[str, int]) -> str:
    """The units of a référentiel in words: « 5 domaines », « 4 blocs + 1 module transverse », « aucun domaine ».

    ``counts`` maps each type of domaine to how many the référentiel has.
    """
    parts = []
    for kind in ("domaine", "bloc", "transverse"):
        n = counts.get(kind, 0)
        if n:
            one, _, many = TYPES_DOMAINE[kind]
            short_one = one.split(" de ")[0] if kind != "transverse" else one
            parts.append(f"{n} {short_one if n == 1 else many}")
    return " + ".join(parts) if parts else "aucun domaine"


# ------------------------------------------------------------------------ notes for a reader
# Keys of the référentiel format that notes written for a plugin author name, with what a
# certification officer calls them. Only multi-word keys (with « _ ») and table names: a bare
# French word (« jours ») is left alone.
KEYS = {
    "experience_min": "expérience minimale du tuteur",
    "pas_n_plus_1": "tuteur autre que le responsable hiérarchique",
    "charge_recommandee": "charge recommandée",
    "charge_max": "charge maximale",
    "formation_prealable": "formation préalable du tuteur",
    "formation_heures": "durée de la formation du tuteur",
    "formation_delai_min": "délai minimal de la formation du tuteur",
    "formation_delai_max": "délai maximal de la formation du tuteur",
    "jours_tuteur": "jours de tutorat",
    "conditions_passage": "conditions de passage devant le jury",
    "delivrance_partielle": "délivrance partielle",
    "delai_premier_passage": "délai de premier passage",
    "validite_acquis_partiels": "validité des acquis partiels",
    "presidence_parmi_membres": "présidence par un membre",
    "presidence_alternee": "présidence alternée",
    "modules_obligatoires": "modules obligatoires suivis",
    "evaluation_finale_favorable": "évaluation finale favorable",
    "activites_realisees": "activités réalisées",
    "agrement_jusqua": "fin de l'agrément",
    "organisme_agree": "organisme agréé",
    "organismes_agrees": "organismes agréés",
    "heures_par_jour": "heures par jour",
    "autres_missions": "autres missions du tuteur déclarées dans le dossier",
    "en_vigueur_depuis": "date d'entrée en vigueur",
    "en_vigueur_jusqua": "date de fin",
    "heures_accompagnement_individuel": "heures d'accompagnement individuel",
    "documents_requis": "documents requis",
    "roles_admis": "rôles admis",
    "roles_requis": "rôles requis",
    "roles_exclus": "rôles exclus",
    "[financement.*]": "« Financement »",
    "[tutorat]": "« Tutorat »",
    "[jury]": "« Jury »",
    "[formation]": "« Formation »",
    "[[domaines]]": "« Domaines »",
    "[domaines]": "« Domaines »",
}
_PAIRS = {"formation_delai_min / max": "délais de la formation du tuteur"}
# Keys that are also French words: replaced only in the form « jours = 11,5 ».
_VALUE_ONLY = {"jours": "temps de tutorat", "min": "minimum", "max": "maximum", "unite": "unité"}


def officer_text(text: str) -> str:
    """A note with the format's key names replaced by what they mean (« charge_max = 3 » → « charge maximale (3) »).

    For the notes of tables written for a plugin author; a note already written for a reader
    comes out unchanged.
    """
    import re

    for raw, label in _PAIRS.items():
        text = text.replace(raw, label)

    def value(m: re.Match[str]) -> str:
        label, val = {**KEYS, **_VALUE_ONLY}[m.group(1)], m.group(2)
        period = re.fullmatch(r"P(\d+)([YMWD])", val)
        if period:
            n = int(period.group(1))
            unit = {"Y": ("an", "ans"), "M": ("mois", "mois"), "W": ("semaine", "semaines"), "D": ("jour", "jours")}[period.group(2)]
            val = f"{n} {unit[0] if n <= 1 else unit[1]}"
        return f"{label} ({val})"

    names = "|".join(re.escape(k) for k in sorted(KEYS, key=len, reverse=True) if not k.startswith("["))
    assigned = "|".join([names, *_VALUE_ONLY])
    text = re.sub(rf"`?\b({assigned})\b`?\s*=\s*([\w,]+)", value, text)
    text = re.sub(rf"`?\b({names})\b`?", lambda m: KEYS[m.group(1)], text)
    for table in (k for k in KEYS if k.startswith("[")):
        text = text.replace(f"`{table}`", KEYS[table]).replace(table, KEYS[table])
    # A sentence that now starts with a label starts with a capital.
    return re.sub(r"(^|\n|[.!?] )([a-zé])", lambda m: m.group(1) + m.group(2).upper(), text)
