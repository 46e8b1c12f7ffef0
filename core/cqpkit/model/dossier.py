"""The dossier side of the model: a candidate's case file, jury sessions, and what the engines return.

Inputs (read from TOML files a user writes): :class:`Dossier` (one file per candidate)
and :class:`SessionJury` (one file per jury session). Outputs (computed, never read from
a user's file): :class:`Constat`, :class:`Resultat`, :class:`Parcours`,
:class:`LigneFinancement`. Every output carries the :class:`~cqpkit.model.Source` of the
rule that produced it.

Personal data lives only in :class:`Candidat`; acteurs and jury members are identified
by an id, a role and an organisation.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from attrs import field, frozen

from cqpkit.model.invariants import invariants
from cqpkit.model.referentiel import NatureExperience, Role, Source

__all__ = [
    "CERTIFICATION_ENTIERE",
    "Acteur",
    "Activite",
    "Candidat",
    "Constat",
    "Decision",
    "DomaineAcquis",
    "Dossier",
    "DossierInfo",
    "Evaluation",
    "Experience",
    "FormationSuivie",
    "LigneFinancement",
    "Membre",
    "MissionTutorale",
    "Parcours",
    "ParcoursDomaine",
    "PassageJury",
    "Positionnement",
    "PositionnementDomaine",
    "Resultat",
    "SessionInfo",
    "SessionJury",
]

DecisionDomaine = Literal["acquis", "non_acquis"]

#: The key of :attr:`PassageJury.decisions` that holds the jury's decision on the whole certification,
#: for a référentiel that defines no domaines (the four incomplete Mutualité CQPs): « le jury délivrera
#: en totalité ou en partie le CQP (par domaines de compétences) » (Mutualité guide, Partie 1, 2.5 and 3.5);
#: without domaines, only « en totalité » or not at all can be recorded. A référentiel cannot name a
#: domaine so (its validation refuses the id); the dossier's validation refuses the key where the
#: référentiel defines domaines, and a domaine decision where it defines none.
CERTIFICATION_ENTIERE = "certification"


# ------------------------------------------------------------------------------ inputs
@frozen(kw_only=True, field_transformer=invariants)
class DossierInfo:
    """The ``[dossier]`` table: which certification, version, route, the key dates, the documents handed in."""

    id: str
    certification: str
    version: str
    voie: str
    inscription: date
    mention: str | None = None
    nomination: date | None = None
    depot_dossier: date | None = None
    documents: tuple[str, ...] = ()
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Candidat:
    """The candidate: the only place where personal data is kept (export and erasure act here)."""

    id: str
    nom: str = ""
    prenom: str = ""
    naissance: date | None = None
    email: str = ""
    telephone: str = ""
    emploi: str = ""
    employeur: str = ""
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class MissionTutorale:
    """Another tutoring mission of the same tutor (another candidate), as an :class:`Acteur` declares it.

    The funding engine counts these missions for caps that hold per tutor and per calendar
    year across all of a tutor's missions (the CQP MO's « 180 points par année civile et par
    tuteur »). ``fin`` is inclusive; ``dossier`` names the other candidate's dossier when known.
    """

    debut: date
    fin: date
    dossier: str = ""
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Acteur:
    """Someone around the candidate, with the facts the rules need.

    ``roles_secondaires`` lets one person hold two roles (a tutor who is also the line
    manager: what the rules forbid must be expressible). ``management_depuis`` dates the
    start of management experience; ``forme_le`` the start of the tutor training;
    ``mission_debut`` / ``mission_fin`` the tutor's mission; ``tutores_simultanes`` how
    many people the tutor accompanies at the same time, this candidate included;
    ``autres_missions`` the tutor's other missions (for other candidates), for the caps
    per tutor and calendar year. ``personne`` names the person the acteur is, with an id
    that stays the same across dossiers (``id`` only names the acteur inside this file): the
    store knows people by it (their profile, their missions, a tutor's load and caps across
    dossiers: :mod:`cqpkit.store.personnes`); the engines do not read it.
    """

    id: str
    role: Role
    personne: str | None = None
    roles_secondaires: tuple[Role, ...] = ()
    organisation: str = ""
    fonction: str = ""
    management_depuis: date | None = None
    forme_le: date | None = None
    formation_heures: float | None = None
    mission_debut: date | None = None
    mission_fin: date | None = None
    tutores_simultanes: int | None = None
    autres_missions: tuple[MissionTutorale, ...] = ()
    notes: str = ""

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, *self.roles_secondaires)


@frozen(kw_only=True, field_transformer=invariants)
class Experience:
    """A period of experience (for VAE admissibility and orientation)."""

    debut: date
    fin: date | None = None
    nature: NatureExperience = "salariee"
    emploi: str = ""
    organisation: str = ""
    pertinente: bool = True
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class PositionnementDomaine:
    """The positioning of one domaine: savoir-faire and savoirs on the positioning scale, the orientation."""

    savoir_faire: str | None = None
    savoirs: str | None = None
    niveau: str | None = None
    orientation: Literal["formation", "evaluation_directe"] | None = None


@frozen(kw_only=True, field_transformer=invariants)
class Positionnement:
    """The entretien d'accueil et d'orientation (or the OPP pré-positionnement)."""

    date: date
    par: str | None = None
    prerequis: dict[str, Literal["oui", "non"]] = field(factory=dict)
    domaines: dict[str, PositionnementDomaine] = field(factory=dict)
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class FormationSuivie:
    """A module followed: dates, hours, training body."""

    module: str
    debut: date
    fin: date | None = None
    heures: float | None = None
    organisme: str = ""
    organisme_agree: bool | None = None
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Activite:
    """An activity carried out in the workplace (an SPE, the activities of a domaine)."""

    id: str
    date: date
    domaine: str | None = None
    module: str | None = None
    realisee: bool = True
    libelle: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Evaluation:
    """A recorded evaluation: épreuve, date, evaluators, per-critère values, verdict."""

    epreuve: str
    date: date
    evaluateurs: tuple[str, ...] = ()
    criteres: dict[str, str] = field(factory=dict)
    verdict: str | None = None
    mention: str | None = None
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class PassageJury:
    """A passage in front of a jury session, with the jury's decision per domaine.

    ``decisions`` maps domaine ids to a decision; for a référentiel without domaines, its one key
    is :data:`CERTIFICATION_ENTIERE` (``decisions = { certification = "acquis" }``): the
    decision on the whole certification.
    """

    session: str
    date: date
    decisions: dict[str, DecisionDomaine] = field(factory=dict)
    absent: bool = False
    excuse: bool = False
    notes: str = ""

    @property
    def decision_certification(self) -> str | None:
        """The decision on the whole certification (``decisions.certification``), or ``None``."""
        return self.decisions.get(CERTIFICATION_ENTIERE)


@frozen(kw_only=True, field_transformer=invariants)
class Dossier:
    """A candidate's case file (one TOML file; also the unit of import into the store)."""

    dossier: DossierInfo
    candidat: Candidat
    acteurs: tuple[Acteur, ...] = ()
    experiences: tuple[Experience, ...] = ()
    positionnement: Positionnement | None = None
    formations: tuple[FormationSuivie, ...] = ()
    activites: tuple[Activite, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    passages: tuple[PassageJury, ...] = ()

    @property
    def id(self) -> str:
        return self.dossier.id

    @property
    def documents(self) -> tuple[str, ...]:
        """The ids of the documents handed in (``[dossier] documents``)."""
        return self.dossier.documents

    def acteur(self, acteur_id: str) -> Acteur | None:
        for a in self.acteurs:
            if a.id == acteur_id:
                return a
        return None

    def acteurs_with(self, role: str) -> tuple[Acteur, ...]:
        """The acteurs holding ``role`` (as main or secondary role)."""
        return tuple(a for a in self.acteurs if role in a.roles)


@frozen(kw_only=True, field_transformer=invariants)
class SessionInfo:
    """The ``[session]`` table of a jury session file."""

    id: str
    date: date
    certifications: tuple[str, ...]
    president: str | None = None
    precedente: str | None = None
    lieu: str = ""
    cloturee: bool = False
    notes: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class Membre:
    """A member of a jury session: id, collège (employeur / salarié…) and organisation."""

    id: str
    college: str
    organisation: str = ""
    fonction: str = ""


@frozen(kw_only=True, field_transformer=invariants)
class SessionJury:
    """A jury session file: the session and its members."""

    session: SessionInfo
    membres: tuple[Membre, ...] = ()

    @property
    def id(self) -> str:
        return self.session.id

    def membre(self, membre_id: str) -> Membre | None:
        for m in self.membres:
            if m.id == membre_id:
                return m
        return None


# ----------------------------------------------------------------------------- outputs
@frozen(kw_only=True, field_transformer=invariants)
class Constat:
    """A finding: a stable code, a level, a French message, where, and the rule's source.

    ``valeurs`` holds the values the rule used (for ``cqpkit explain``), as text.
    """

    code: str
    niveau: Literal["erreur", "avertissement", "information"]
    message: str
    chemin: str = ""
    source: Source | None = None
    regle: str = ""
    valeurs: dict[str, str] = field(factory=dict)


@frozen(kw_only=True, field_transformer=invariants)
class Decision:
    """The jury's decision on one domaine at one passage, as recorded."""

    domaine: str
    decision: DecisionDomaine
    session: str
    date: date


@frozen(kw_only=True, field_transformer=invariants)
class DomaineAcquis:
    """A domaine acquired at a jury, and until when the acquisition is valid (inclusive)."""

    domaine: str
    date: date
    session: str
    valide_jusqua: date | None = None


@frozen(kw_only=True, field_transformer=invariants)
class Resultat:
    """A dossier's result as of a date."""

    dossier: str
    certification: str
    version: str
    date: date
    statut: Literal["certifie", "partiel", "en_cours", "non_acquis", "expire"]
    acquis: tuple[DomaineAcquis, ...] = ()
    expires: tuple[DomaineAcquis, ...] = ()
    restants: tuple[str, ...] = ()
    date_certification: date | None = None
    constats: tuple[Constat, ...] = ()
    source: Source | None = None


@frozen(kw_only=True, field_transformer=invariants)
class ParcoursDomaine:
    """The orientation of one domaine: training (with modules and hours) or direct evaluation."""

    domaine: str
    orientation: Literal["formation", "evaluation_directe", "acquis"]
    modules: tuple[str, ...] = ()
    heures: float | None = None
    jours: float | None = None
    jours_tuteur: float | None = None
    spe: int | None = None


@frozen(kw_only=True, field_transformer=invariants)
class Parcours:
    """The individualised parcours after the positionnement, or a re-orientation."""

    dossier: str
    reorientation: bool = False
    voie_suggeree: str | None = None
    domaines: tuple[ParcoursDomaine, ...] = ()
    heures: float | None = None
    constats: tuple[Constat, ...] = ()


@frozen(kw_only=True, field_transformer=invariants)
class LigneFinancement:
    """One funding or reward line: base, quantity, unit, rate, cap, amount and the source of the barème.

    ``date_evenement`` is the date of the event the line pays (the first month of the line for a
    tutor's mission), whose barème applies; ``depuis`` the start of that barème.
    """

    code: str
    libelle: str
    base: str
    quantite: float
    unite: str
    taux: float
    montant: float
    en: Literal["euro", "point"] = "euro"
    nature: Literal["cout", "financement", "gratification"] = "financement"
    plafond: float | None = None
    annee: int | None = None
    date_evenement: date | None = None
    depuis: date | None = None
    source: Source | None = None
    notes: str = ""
