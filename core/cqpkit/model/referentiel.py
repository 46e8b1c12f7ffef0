"""The référentiel side of the model: one dated version of one certification.

Why this module is over 500 lines: it is the référentiel format's one declaration, one small
frozen class per table of the file, each with the docstring that the format reference
(``referentials/README.md``) and the JSON Schema follow; splitting it would scatter the format
without making any class shorter.

Pure data: frozen, keyword-only attrs classes with tuples for collections and no I/O.
Everything a source document states about a certification (domaines, prérequis,
échelles, épreuves, modules, voies d'accès, jury, tutoring, funding barèmes, generic
rules) has a place here; ``cqpkit.formats`` maps these classes to and from TOML and
``referentials/README.md`` documents every key.

Conventions
-----------
- Field names are the TOML keys (French domain nouns, ASCII snake_case).
- A field that a source does not give stays at its default (``None`` or empty); the
  référentiel then says so with ``complet = false`` and ``notes``.
- Durations are :class:`Duree` values written as ISO 8601 periods (``"P3Y"``, ``"P2M"``).
- Amounts, rates and caps that a source gives with a date are :class:`Bareme` lists:
  each value holds from ``depuis`` until the next one (or ``jusqua`` when a source
  states an end).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from attrs import field, frozen

from cqpkit.model.invariants import invariants

__all__ = [
    "CODES_REPERTOIRE",
    "EVENEMENTS",
    "NIVEAUX",
    "ROLES",
    "TYPES_DOMAINE",
    "TYPES_EPREUVE",
    "TYPES_MODULE",
    "TYPES_REGLE",
    "Bareme",
    "CertificateurRepertoire",
    "Certification",
    "College",
    "ConditionOrientation",
    "Critere",
    "DocumentRequis",
    "Domaine",
    "Duree",
    "Echelle",
    "Epreuve",
    "Evaluateurs",
    "ExperienceRequise",
    "Financement",
    "FormationRegles",
    "Module",
    "Niveau",
    "PhaseJury",
    "Prerequis",
    "Referentiel",
    "Regle",
    "RegleJury",
    "Repertoire",
    "Source",
    "Tutorat",
    "Voie",
    "Volume",
]

# --------------------------------------------------------------------------- enums
# Closed vocabularies. They are Literal types so that the converter rejects any other
# value and the JSON Schema lists the allowed ones.

TypeDomaine = Literal["domaine", "bloc", "transverse"]
TYPES_DOMAINE: tuple[str, ...] = TypeDomaine.__args__  # type: ignore[attr-defined]

TypeEpreuve = Literal[
    "positionnement",
    "formative",
    "intermediaire",
    "finale_entreprise",
    "synthese",
    "certifiante",
    "vae",
]
TYPES_EPREUVE: tuple[str, ...] = TypeEpreuve.__args__  # type: ignore[attr-defined]

TypeModule = Literal[
    "formation",
    "transverse",
    "accompagnement",
    "ouverture",
    "activites",
]
TYPES_MODULE: tuple[str, ...] = TypeModule.__args__  # type: ignore[attr-defined]

NiveauConstat = Literal["erreur", "avertissement", "information"]
NIVEAUX: tuple[str, ...] = NiveauConstat.__args__  # type: ignore[attr-defined]

# Events of a dossier that generic rules can name. ``module:<id>`` (the date a module
# was followed) and ``epreuve:<id>`` (the date of an evaluation) are also accepted.
Evenement = str
EVENEMENTS: tuple[str, ...] = (
    "inscription",
    "debut_formation",
    "fin_formation",
    "depot_dossier",
    "premier_passage",
    "passage",
    "nomination",
)

# Roles of the people around a candidate: the référentiel names them (evaluators required,
# admitted, excluded) and the dossier's acteurs hold them, so both sides share this list.
Role = Literal[
    "tuteur",
    "n_plus_1",
    "formateur_suivi",
    "formateur_interne",
    "professionnel_experimente",
    "evaluateur",
    "responsable_rh",
    "responsable_session",
    "consultant",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

NatureExperience = Literal["salariee", "non_salariee", "benevole"]

TypeRegle = Literal[
    "delai",
    "ordre",
    "avant",
]
TYPES_REGLE: tuple[str, ...] = TypeRegle.__args__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------- values
_DUREE_RE = re.compile(r"^P(?:(?P<annees>\d+)Y)?(?:(?P<mois>\d+)M)?(?:(?P<semaines>\d+)W)?(?:(?P<jours>\d+)D)?$")


@frozen(kw_only=True, field_transformer=invariants)
class Duree:
    """A calendar duration (years, months, weeks, days), written ``"P3Y"``, ``"P2M"``, ``"P1Y6M"``.

    Weeks are kept as written (``"P3W"``) so that a duration a source gives in weeks
    round-trips unchanged; the date arithmetic counts them as 7 days.
    """

    annees: int = 0
    mois: int = 0
    semaines: int = 0
    jours: int = 0

    @classmethod
    def parse(cls, text: str) -> Duree:
        """Parse an ISO 8601 period of years, months, weeks and days (no time part)."""
        m = _DUREE_RE.match(text)
        if not m or text == "P":
            raise ValueError(
                f"durée invalide « {text} » : forme attendue « P3Y », « P2M », « P3W » ou « P15D »"
            )
        return cls(**{k: int(v) for k, v in m.groupdict().items() if v is not None})

    def __str__(self) -> str:
        parts = [
            f"{n}{u}"
            for n, u in ((self.annees, "Y"), (self.mois, "M"), (self.semaines, "W"), (self.jours, "D"))
            if n
        ]
        return "P" + ("".join(parts) or "0D")

    def libelle(self) -> str:
        """The duration in French words (« 3 ans », « 2 mois »)."""
        parts = []
        if self.annees:
            parts.append(f"{self.annees} an{'s' if self.annees > 1 else ''}")
        if self.mois:
            parts.append(f"{self.mois} mois")
        if self.semaines:
            parts.append(f"{self.semaines} semaine{'s' if self.semaines > 1 else ''}")
        if self.jours:
            parts.append(f"{self.jours} jour{'s' if self.jours > 1 else ''}")
        return " ".join(parts) or "0 jour"


@frozen(kw_only=True, field_transformer=invariants)
class Source:
    """Where a value or a rule is stated: a document of ``seeds/`` (or any document) and its section.

    ``cles`` names the keys of the enclosing table that this source states (in a table's
    ``sources`` list): a finding about ``charge_max`` cites the source whose ``cles`` holds
    ``charge_max`` (see :mod:`cqpkit.rules.sources`).
    """

    document: str
    section: str = ""
    date: date | None = None
    cles: tuple[str, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Bareme:
    """One dated value: it holds from ``depuis`` until the next value's ``depuis`` (or ``jusqua``).

    ``valeur`` is in the unit of the :class:`Financement` it belongs to. The optional
    caps bound the quantity (hours, months, points), the amount, or the quantity per
    calendar year.
    """

    depuis: date
    valeur: float
    source: Source
    jusqua: date | None = None
    plafond_quantite: float | None = None
    plafond_montant: float | None = None
    plafond_annuel: float | None = None
    notes: str = ""


#: The forms of France Compétences' codes (checked by :mod:`cqpkit.formats.repertoire`, and in the JSON Schema).
CODES_REPERTOIRE: Mapping[str, str] = MappingProxyType(
    {
        "fiche": r"^(RNCP|RS)([0-9]{1,5})$",
        "code_bloc": r"^RNCP([0-9]{1,5})BC([0-9]{2})$",
        "nsf": r"^[0-9]{3}[a-z]?$",
        "rome": r"^[A-N][0-9]{4}$",
        "formacode": r"^[0-9]{5}$",
        "siret": r"^[0-9]{14}$",
    }
)


def _code(name: str) -> dict[str, str]:
    """The field metadata of a code: its pattern, for the JSON Schema."""
    return {"pattern": CODES_REPERTOIRE[name]}


# --------------------------------------------------------------------- référentiel
@frozen(kw_only=True, field_transformer=invariants)
class CertificateurRepertoire:
    """A certifier as France Compétences' register names it (``certificateurs = [{…}]``)."""

    nom: str
    siret: str = field(default="", metadata={"pattern": r"^([0-9]{14})?$"})


@frozen(kw_only=True, field_transformer=invariants)
class Repertoire:
    """The certification's fiche in France Compétences' registers (``[certification.repertoire]``).

    ``fiche`` is the code of the fiche: ``RNCP`` and its number in the Répertoire national des
    certifications professionnelles, ``RS`` and its number in the Répertoire spécifique. The codes of
    its blocs de compétences (``RNCP12345BC01``) are on the ``[[domaines]]`` (``code_bloc``). NSF,
    ROME and Formacode are the classification codes the fiche gives; the dates are those of its
    registration (decision, effect, end). Only what a source states: each value cites it in ``sources``.
    """

    fiche: str = field(metadata=_code("fiche"))
    intitule: str = ""
    niveau: int | None = None
    nsf: tuple[str, ...] = field(default=(), metadata=_code("nsf"))
    rome: tuple[str, ...] = field(default=(), metadata=_code("rome"))
    formacode: tuple[str, ...] = field(default=(), metadata=_code("formacode"))
    certificateurs: tuple[CertificateurRepertoire, ...] = ()
    date_decision: date | None = None
    date_effet: date | None = None
    date_fin_enregistrement: date | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""

    @property
    def registre(self) -> Literal["RNCP", "RS"]:
        """``"RNCP"`` or ``"RS"``: the register the fiche belongs to (from its code)."""
        return "RS" if self.fiche.startswith("RS") else "RNCP"


@frozen(kw_only=True, field_transformer=invariants)
class Certification:
    """Identity and status of one dated version of a certification (the ``[certification]`` table).

    ``libelles_mentions`` gives each mention its label as the documents write it (``sante`` →
    « santé »); ``appellation_modules`` says what the documents call the ``[[modules]]`` when it
    is not « modules » (« unités de professionnalisation »). Both only change how the
    référentiel is shown.
    """

    id: str
    intitule: str
    branche: str
    certificateur: str
    version: str
    en_vigueur_depuis: date | None = None
    en_vigueur_jusqua: date | None = None
    complet: bool = True
    mentions: tuple[str, ...] = ()
    libelles_mentions: dict[str, str] = field(factory=dict)
    appellation_modules: str = ""
    finalite: tuple[str, ...] = ()
    capacites: tuple[str, ...] = ()
    equivalence: str = ""
    repertoire: Repertoire | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""

    @property
    def slug(self) -> str:
        """The part of the id after ``branche.``."""
        return self.id.partition(".")[2]


@frozen(kw_only=True, field_transformer=invariants)
class Domaine:
    """A domaine de compétences, or a bloc de compétences, or a transverse module of competences.

    ``code_bloc`` is the bloc's code in the RNCP (``RNCP12345BC01``), when the fiche of
    ``[certification.repertoire]`` registers it.
    """

    id: str
    intitule: str
    type: TypeDomaine = "domaine"
    description: str = ""
    savoir_faire: tuple[str, ...] = ()
    savoirs: tuple[str, ...] = ()
    capacites: tuple[str, ...] = ()
    competences: tuple[str, ...] = ()
    spe: int | None = None
    jours_spe: float | None = None
    jours_tuteur: float | None = None
    heures_accompagnement_individuel: float | None = None
    code_bloc: str | None = field(default=None, metadata=_code("code_bloc"))
    complet: bool = True
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Prerequis:
    """A prerequisite checked at the entretien d'accueil (yes / no); a "no" leads to ``consequence``."""

    id: str
    libelle: str
    details: tuple[str, ...] = ()
    consequence: Literal["reorientation", "information"] = "reorientation"
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Niveau:
    """One value of an échelle. ``favorable`` marks the values that count as positive."""

    id: str
    libelle: str
    favorable: bool = False


@frozen(kw_only=True, field_transformer=invariants)
class Echelle:
    """A rating scale; ``valeurs`` go from the least to the most favourable."""

    libelle: str
    valeurs: tuple[Niveau, ...]
    sources: tuple[Source, ...] = ()


@frozen(kw_only=True, field_transformer=invariants)
class Critere:
    """A criterion of an épreuve, rated on the épreuve's échelle (or its own ``echelle``)."""

    id: str
    libelle: str
    domaine: str | None = None
    nature: Literal["savoir_faire", "savoir", "activite", "question"] | None = None
    echelle: str | None = None
    mention: str | None = None


@frozen(kw_only=True, field_transformer=invariants)
class Evaluateurs:
    """Who evaluates: how many, whether they must be distinct, which roles are required or excluded.

    Nothing is required unless written: ``distincts`` is false by default.
    """

    nombre: int | None = None
    distincts: bool = False
    roles_requis: tuple[Role, ...] = ()
    roles_admis: tuple[Role, ...] = ()
    roles_exclus: tuple[Role, ...] = ()
    source: Source | None = None


@frozen(kw_only=True, field_transformer=invariants)
class Epreuve:
    """An evaluation modality: positionnement, formative, intermédiaire, finale en entreprise, certifiante, VAE."""

    id: str
    intitule: str
    type: TypeEpreuve
    domaines: tuple[str, ...] = ()
    mention: str | None = None
    echelle: str | None = None
    verdict: str | None = None
    consigne: str = ""
    modalites: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()
    evaluateurs: Evaluateurs | None = None
    criteres: tuple[Critere, ...] = ()
    obligatoire: bool = True
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Module:
    """A training module / unité de professionnalisation, with its durations, SPE and tutor days.

    Durations are those a source states; a figure computed from others says so in ``notes``.
    """

    id: str
    intitule: str
    type: TypeModule = "formation"
    domaines: tuple[str, ...] = ()
    mention: str | None = None
    jours_presentiel: float | None = None
    jours_elearning: float | None = None
    jours_foad: float | None = None
    heures: float | None = None
    spe: int | None = None
    jours_spe: float | None = None
    jours_tuteur: float | None = None
    heures_accompagnement_individuel: float | None = None
    obligatoire: bool = False
    repetable: bool = False
    contenus: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class ExperienceRequise:
    """An experience condition: ``duree`` of relevant experience within the last ``fenetre``."""

    duree: Duree
    fenetre: Duree | None = None
    natures: tuple[NatureExperience, ...] = ()
    pertinente: str = ""
    source: Source | None = None


@frozen(kw_only=True, field_transformer=invariants)
class ConditionOrientation:
    """When the entretien d'accueil suggests this route (e.g. VAE): experience and/or every domaine a priori acquired."""

    experience: ExperienceRequise | None = None
    tous_domaines_acquis: bool = False
    source: Source | None = None
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class DocumentRequis:
    """A document a route requires (e.g. the VAE file's CV); a dossier lists the ids it provides."""

    id: str
    libelle: str


@frozen(kw_only=True, field_transformer=invariants)
class Voie:
    """A route to the certification (formation, VAE, parcours intégral, parcours individualisé, par bloc)."""

    id: str
    intitule: str
    description: str = ""
    public: str = ""
    inscription_par: str = ""
    experience: ExperienceRequise | None = None
    documents_requis: tuple[DocumentRequis, ...] = ()
    orientation: ConditionOrientation | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class College:
    """One collège of the jury and how many of its representatives sit."""

    college: str
    nombre: int
    libelle: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class PhaseJury:
    """One part of the jury's format (presentation, interview, deliberation) with its length.

    Named after the source (« une phase de délibération »); it was ``Sequence`` before, a name that
    shadowed ``typing.Sequence`` (still importable from here, deprecated, until the next release).
    """

    libelle: str
    minutes: int | None = None
    supports: tuple[str, ...] = ()


@frozen(kw_only=True, field_transformer=invariants)
class RegleJury:
    """The jury: composition, presidency, format, what it decides and how long partial awards last.

    ``delai_premier_passage_voies`` limits ``delai_premier_passage`` to those routes (empty: every
    route), as ``voies`` does for a ``[[regles]]`` rule or a funding line.

    The yes/no facts (``presidence_parmi_membres``, ``delivrance_partielle``,
    ``souverain``) default to ``None``, "the sources do not say", so that a référentiel
    never asserts what its documents do not state.
    """

    composition: tuple[College, ...] = ()
    presidence_parmi_membres: bool | None = None
    presidence_alternee: bool = False
    format: tuple[PhaseJury, ...] = ()
    delivrance_partielle: bool | None = None
    validite_acquis_partiels: Duree | None = None
    delai_premier_passage: Duree | None = None
    delai_premier_passage_voies: tuple[str, ...] = ()
    conditions_passage: tuple[Literal["evaluation_finale_favorable", "activites_realisees", "modules_obligatoires"], ...] = ()
    souverain: bool | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Tutorat:
    """Tutor requirements and load (``[tutorat]``).

    ``experience_min_niveau`` is the level of a tutor below ``experience_min``: ``erreur`` when the
    source makes it a requirement (« deux ans minimum »), ``avertissement`` when it is a preference
    (« de préférence »).
    """

    experience_min: Duree | None = None
    experience_min_niveau: NiveauConstat = "erreur"
    pas_n_plus_1: bool = False
    charge_recommandee: int | None = None
    charge_max: int | None = None
    formation_prealable: bool = False
    formation_heures: float | None = None
    formation_delai_min: Duree | None = None
    formation_delai_max: Duree | None = None
    jours: float | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class FormationRegles:
    """Rules on the training itself (``[formation]``): hours range, agreed training bodies."""

    heures_min: float | None = None
    heures_max: float | None = None
    organisme_agree: bool = False
    agrement_jusqua: date | None = None
    organismes_agrees: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Financement:
    """A funding or reward line (``[financement.<id>]``) and its dated barème.

    ``unite`` is what one unit of quantity is (``heure``, ``jour``, ``mois``,
    ``point``, ``forfait``); ``valeur`` of each barème is what one unit is worth, in
    euros, or in points when ``en = "point"`` (a reward counted in points whose value
    the source does not give). ``quantite`` is the quantity when a source fixes it
    (120 points, 32.5 days); otherwise ``quantite_de`` says where the engine takes it:

    - ``"volumes:<id>+<id>…"``: the sum of those ``[[volumes]]`` of the référentiel;
    - ``"tutorat.formation_heures"``: the tutor's training hours (the tuteur acteur's
      ``formation_heures`` when the dossier gives them, else ``[tutorat] formation_heures``);
    - ``"mission_tuteur"``: the months of each tuteur's mission (one group of lines per
      tutor), split per calendar year when a barème has a ``plafond_annuel``;
    - ``"periode_tutorat"``: the months during which the candidate had a tutor (the tutors'
      missions merged), one group for the dossier whatever the number of tutors;
    - ``"parcours.jours_tuteur"``: the tutor days of the domaines (blocs) the dossier's
      parcours actually follows.

    ``condition = "certifie"``: the line is due only once the dossier is certified (the
    gratification of the holders of a CQP). ``voies``: the routes the line applies to (empty:
    every route; the 9 650 € of the CQP MO are the price of the *parcours intégral*).
    ``nature`` keeps apart, in totals, what the training costs (``cout``), what a funder pays
    (``financement``) and what a person receives (``gratification``: prime, gratification).

    ``evenement`` names the event whose date chooses the barème of the line (a dated value
    applies at the date of the event it pays): ``debut_formation``, ``inscription``,
    ``certification``, ``formation_tuteur`` (one line per tutor, at his training's date) or
    ``mission`` (each month of a mission); left out, it follows from the line
    (:func:`cqpkit.rules.funding.evenement_of`).

    ``heures_par_jour`` converts a quantity in days into hours when the barème is per
    hour (``unite = "heure"``): 32.5 days × 7 h × 12 €/h. Say in ``notes`` when that
    figure is derived rather than stated.
    """

    intitule: str
    unite: Literal["heure", "jour", "mois", "mois_commence", "point", "forfait"]
    valeurs: tuple[Bareme, ...]
    en: Literal["euro", "point"] = "euro"
    quantite: float | None = None
    quantite_de: str | None = None
    condition: Literal["certifie"] | None = None
    evenement: Literal["debut_formation", "inscription", "certification", "formation_tuteur", "mission"] | None = None
    voies: tuple[str, ...] = ()
    nature: Literal["cout", "financement", "gratification"] = "financement"
    beneficiaire: str = ""
    heures_par_jour: float | None = None
    sources: tuple[Source, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Volume:
    """A duration or volume a source states for the whole parcours (``[[volumes]]``): 12 months, 27 days…"""

    id: str
    libelle: str
    valeur: float
    unite: Literal["jour", "heure", "mois", "semaine", "minute", "action"]
    etalement_mois: float | None = None
    source: Source | None = None
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Regle:
    """A generic rule parametrised in TOML (``[[regles]]``); ``type`` says which parameters apply.

    - ``delai``: the time from event ``de`` to event ``a`` is at most ``max`` and/or at least ``min``.
    - ``ordre``: module ``avant`` is followed before module ``apres``.
    - ``avant``: event ``de`` (e.g. ``module:spe``) happens before event ``a`` (e.g. ``depot_dossier``).

    ``voies`` limits the rule to those routes (empty: every route).
    """

    id: str
    type: TypeRegle
    libelle: str
    source: Source
    niveau: NiveauConstat = "erreur"
    de: Evenement | None = None
    a: Evenement | None = None
    min: Duree | None = None
    max: Duree | None = None
    avant: str | None = None
    apres: str | None = None
    voies: tuple[str, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Referentiel:
    """One dated version of a certification: a whole référentiel file."""

    certification: Certification
    domaines: tuple[Domaine, ...] = ()
    prerequis: tuple[Prerequis, ...] = ()
    echelles: dict[str, Echelle] = field(factory=dict)
    epreuves: tuple[Epreuve, ...] = ()
    modules: tuple[Module, ...] = ()
    voies: tuple[Voie, ...] = ()
    jury: RegleJury | None = None
    tutorat: Tutorat | None = None
    formation: FormationRegles | None = None
    financement: dict[str, Financement] = field(factory=dict)
    volumes: tuple[Volume, ...] = ()
    regles: tuple[Regle, ...] = ()
    #: Plugin-owned keys: each ``[extensions.<plugin>]`` table, structured by the class the plugin declares.
    extensions: dict[str, Any] = field(factory=dict)

    @property
    def id(self) -> str:
        return self.certification.id

    @property
    def version(self) -> str:
        return self.certification.version

    def domaine(self, domaine_id: str) -> Domaine:
        """The domaine with this id (``KeyError`` if none)."""
        for d in self.domaines:
            if d.id == domaine_id:
                return d
        raise KeyError(domaine_id)

    def epreuve(self, epreuve_id: str) -> Epreuve:
        """The épreuve with this id (``KeyError`` if none)."""
        return self.epreuves_par_id[epreuve_id]

    @cached_property
    def epreuves_par_id(self) -> Mapping[str, Epreuve]:
        """The épreuves by id, in the file's order (read-only; built once per référentiel).

        The engine and the dossier checks look an épreuve up for every evaluation of every dossier.
        Ids are unique in a file that was read; in a référentiel built in Python, the first one wins.
        """
        index: dict[str, Epreuve] = {}
        for e in self.epreuves:
            index.setdefault(e.id, e)
        return MappingProxyType(index)

    def extension(self, plugin: str) -> Any:
        """The structured ``[extensions.<plugin>]`` table (the plugin's own class), or ``None`` when absent."""
        return self.extensions.get(plugin)

    def module(self, module_id: str) -> Module:
        """The module with this id (``KeyError`` if none)."""
        for m in self.modules:
            if m.id == module_id:
                return m
        raise KeyError(module_id)




# Old names, kept importable for one release (deprecated): ``Sequence`` shadowed ``typing.Sequence``.
_DEPRECATED = {"Sequence": "PhaseJury"}


def __getattr__(name: str) -> object:
    new = _DEPRECATED.get(name)
    if new is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import warnings

    warnings.warn(f"cqpkit.model.{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
    return globals()[new]
