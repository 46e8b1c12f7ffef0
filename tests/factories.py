"""Small builders for rule tests: a minimal référentiel, a minimal dossier and their parts.

Every builder fills what the model requires with neutral values and takes any field as a keyword, so
a test writes only the facts its rule looks at::

    ref = referentiel(tutorat=tutorat(charge_max=3))
    dos = dossier(acteurs=(acteur("T1", tutores_simultanes=4),))

Dates are written ``day("2020-03-10")``. Nothing here knows a real certification.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cqpkit.model import (
    Acteur,
    Activite,
    Candidat,
    Certification,
    College,
    Critere,
    DocumentRequis,
    Domaine,
    Dossier,
    DossierInfo,
    Echelle,
    Epreuve,
    Evaluateurs,
    Evaluation,
    Experience,
    ExperienceRequise,
    FormationRegles,
    FormationSuivie,
    Membre,
    Module,
    Niveau,
    PassageJury,
    Referentiel,
    Regle,
    RegleJury,
    SessionInfo,
    SessionJury,
    Source,
    Tutorat,
    Voie,
)

__all__ = [
    "CERTIFICATION",
    "SOURCE",
    "acteur",
    "activite",
    "day",
    "dossier",
    "echelle",
    "epreuve",
    "evaluation",
    "experience",
    "formation",
    "formation_regles",
    "jury",
    "membre",
    "module",
    "passage",
    "referentiel",
    "regle",
    "session",
    "tutorat",
    "voie",
]

CERTIFICATION = "test.cqp"
SOURCE = Source(document="guide-de-test.md", section="§ 1")


def day(text: str) -> date:
    """``date.fromisoformat``, short."""
    return date.fromisoformat(text)


def _source(name: str) -> Source:
    return Source(document="guide-de-test.md", section=name)


# ----------------------------------------------------------------------- référentiel side
def referentiel(*, domaines: Iterable[str] | tuple[Domaine, ...] = ("D1", "D2"), **fields: object) -> Referentiel:
    """A référentiel of certification ``test.cqp``, domaines D1 and D2 (ids or :class:`Domaine`), plus ``fields``."""
    doms = tuple(d if isinstance(d, Domaine) else Domaine(id=d, intitule=f"Domaine {d}") for d in domaines)
    certification = fields.pop("certification", None) or Certification(
        id=CERTIFICATION,
        intitule="CQP de test",
        branche="test",
        certificateur="Commission de test",
        version="2020",
        sources=(_source("certification"),),
    )
    return Referentiel(certification=certification, domaines=doms, **fields)  # type: ignore[arg-type]


def echelle(*valeurs: str, favorables: Iterable[str] = ()) -> Echelle:
    """An échelle of these value ids; those in ``favorables`` are favourable."""
    fav = set(favorables)
    return Echelle(
        libelle="Échelle", valeurs=tuple(Niveau(id=v, libelle=v.capitalize(), favorable=v in fav) for v in valeurs)
    )


def epreuve(id: str, type: str = "finale_entreprise", **fields: object) -> Epreuve:
    """An épreuve (default: final in-company evaluation) with a source; ``evaluateurs`` and critères may be dicts."""
    if isinstance(fields.get("evaluateurs"), dict):
        fields["evaluateurs"] = Evaluateurs(**fields["evaluateurs"])  # type: ignore[arg-type]
    fields["criteres"] = tuple(
        Critere(**c) if isinstance(c, dict) else c
        for c in fields.get("criteres", ())  # type: ignore[union-attr]
    )
    fields.setdefault("sources", (_source(f"épreuve {id}"),))
    return Epreuve(id=id, intitule=f"Épreuve {id}", type=type, **fields)  # type: ignore[arg-type]


def module(id: str, *domaines: str, **fields: object) -> Module:
    """A module covering ``domaines``."""
    return Module(id=id, intitule=f"Module {id}", domaines=domaines, **fields)  # type: ignore[arg-type]


def voie(id: str, **fields: object) -> Voie:
    """A voie d'accès with a source; ``experience`` may be a dict, ``documents_requis`` ids."""
    if isinstance(fields.get("experience"), dict):
        fields["experience"] = ExperienceRequise(**fields["experience"])  # type: ignore[arg-type]
    fields["documents_requis"] = tuple(
        DocumentRequis(id=d, libelle=f"Document {d}") if isinstance(d, str) else d
        for d in fields.get("documents_requis", ())  # type: ignore[union-attr]
    )
    fields.setdefault("sources", (_source(f"voie {id}"),))
    return Voie(id=id, intitule=f"Voie {id}", **fields)  # type: ignore[arg-type]


def jury(**fields: object) -> RegleJury:
    """A ``[jury]`` table with a source; ``composition`` may be a dict collège → nombre."""
    if isinstance(fields.get("composition"), dict):
        fields["composition"] = tuple(
            College(college=c, nombre=n)
            for c, n in fields["composition"].items()  # type: ignore[union-attr]
        )
    fields.setdefault("sources", (_source("jury"),))
    return RegleJury(**fields)  # type: ignore[arg-type]


def tutorat(**fields: object) -> Tutorat:
    """A ``[tutorat]`` table with a source."""
    fields.setdefault("sources", (_source("tutorat"),))
    return Tutorat(**fields)  # type: ignore[arg-type]


def formation_regles(**fields: object) -> FormationRegles:
    """A ``[formation]`` table with a source."""
    fields.setdefault("sources", (_source("formation"),))
    return FormationRegles(**fields)  # type: ignore[arg-type]


def regle(id: str, type: str, **fields: object) -> Regle:
    """A ``[[regles]]`` rule with a label and a source."""
    fields.setdefault("libelle", f"Règle {id}")
    fields.setdefault("source", _source(f"règle {id}"))
    return Regle(id=id, type=type, **fields)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- dossier side
def dossier(
    *,
    id: str = "DOS-1",
    certification: str = CERTIFICATION,
    version: str = "2020",
    voie: str = "formation",
    inscription: date = date(2020, 1, 6),
    mention: str | None = None,
    nomination: date | None = None,
    depot_dossier: date | None = None,
    documents: tuple[str, ...] = (),
    **parts: object,
) -> Dossier:
    """A dossier registered on 06/01/2020 on the voie ``formation``, with ``parts`` (acteurs, formations…)."""
    info = DossierInfo(
        id=id,
        certification=certification,
        version=version,
        voie=voie,
        inscription=inscription,
        mention=mention,
        nomination=nomination,
        depot_dossier=depot_dossier,
        documents=documents,
    )
    return Dossier(dossier=info, candidat=Candidat(id="C-1"), **parts)  # type: ignore[arg-type]


def acteur(id: str, role: str = "tuteur", *secondaires: str, **fields: object) -> Acteur:
    """An acteur with a main role and secondary roles."""
    return Acteur(id=id, role=role, roles_secondaires=secondaires, **fields)  # type: ignore[arg-type]


def formation(module: str, debut: date, **fields: object) -> FormationSuivie:
    """A module followed from ``debut``."""
    return FormationSuivie(module=module, debut=debut, **fields)  # type: ignore[arg-type]


def evaluation(epreuve: str, when: date, *evaluateurs: str, **fields: object) -> Evaluation:
    """An evaluation of ``epreuve`` on ``when`` by ``evaluateurs``."""
    return Evaluation(epreuve=epreuve, date=when, evaluateurs=evaluateurs, **fields)  # type: ignore[arg-type]


def passage(when: date, session: str = "S1", **fields: object) -> PassageJury:
    """A passage at jury session ``session`` on ``when``."""
    return PassageJury(session=session, date=when, **fields)  # type: ignore[arg-type]


def experience(debut: date, fin: date | None, **fields: object) -> Experience:
    """A period of experience (relevant, salaried unless told)."""
    return Experience(debut=debut, fin=fin, **fields)  # type: ignore[arg-type]


def activite(id: str, when: date, **fields: object) -> Activite:
    """An activity carried out on ``when``."""
    return Activite(id=id, date=when, **fields)  # type: ignore[arg-type]


def membre(id: str, college: str) -> Membre:
    """A jury member of ``college``."""
    return Membre(id=id, college=college)


def session(
    id: str,
    when: date,
    membres: Iterable[Membre] = (),
    *,
    certifications: Iterable[str] = (CERTIFICATION,),
    **fields: object,
) -> SessionJury:
    """A jury session on ``when`` covering ``test.cqp``, with ``membres`` and ``[session]`` fields (president…)."""
    info = SessionInfo(id=id, date=when, certifications=tuple(certifications), **fields)  # type: ignore[arg-type]
    return SessionJury(session=info, membres=tuple(membres))
