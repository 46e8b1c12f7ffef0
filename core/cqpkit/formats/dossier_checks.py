"""Cross-checks of dossier and jury-session documents: identifiers, references, dates.

Like :mod:`cqpkit.formats.checks`, these run on the parsed TOML tables (plain dicts), so
that a file with a wrong type *and* a dangling reference gets both messages at once; they
are tolerant of wrong shapes (those are the converter's to report) and only look at what
has the expected shape. The référentiel they check a dossier against is a loaded (hence
valid) :class:`~cqpkit.model.Referentiel`.

Choices written down here:

- **Dates before registration.** An evaluation, a formation (its ``debut``), an activité
  or a jury passage dated before ``dossier.inscription`` is an error. The positionnement
  and the experiences are not checked: the entretien d'accueil et d'orientation comes
  before registration (the parcours it defines is sent with the registration) and the
  experience a VAE counts is past experience. Nor are the acteurs' dates (management
  experience, tutor training, mission), ``nomination`` or ``depot_dossier``: they may
  precede registration.
- **A passage and the evaluation it relies on.** For each domaine decided at a passage,
  when the dossier has final in-company evaluations (épreuves of type
  ``finale_entreprise``) of that domaine but none dated on or before the passage, the
  passage is dated before the evaluation it relies on. A final evaluation after a passage
  is otherwise a new attempt, for a later passage, and is fine. An evaluation on the day
  of the passage counts as before it. This check needs the référentiel (épreuve types).
- **Persons.** ``acteurs.personne`` is an id of the same form as the others, and one person
  is named by one acteur of a dossier at most (a person holding two roles has
  ``roles_secondaires``). Whether two dossiers describe one person the same way is the
  store's question (:mod:`cqpkit.store.personnes`), not a file's.
- **Passages** are in date order; two passages on the same day are reported.
- **Whole or per domaine.** Where the référentiel defines no domaines (the four incomplete
  Mutualité CQPs), the only decision a passage can record is on the whole certification
  (``decisions = { certification = "acquis" }`` or ``"non_acquis"``): a domaine decision is
  refused, since a partial award needs domaines. Where it defines domaines, the jury decides
  per domaine and ``certification`` is refused. A passage with both gets the refusal of the
  wrong one, which says that one passage holds one or the other.
- **Against the référentiel.** The voie is checked only when the référentiel defines
  voies (the key is required: otherwise no value would be right). A critère value is
  checked on the critère's own échelle, else on the épreuve's; a verdict on the épreuve's
  ``verdict`` échelle; neither is checked when there is no échelle to check against.
  Positionnement values (``savoir_faire``, ``savoirs``, ``niveau``) are checked on the
  échelle of the référentiel's positionnement épreuve, when it has one. The ids of
  ``documents`` are those of the ``documents_requis`` of the dossier's voie.
- **Sessions.** ``president`` is an id of the right shape; it may name someone who is not
  a member: a president from outside the jury is a fact to record, and the engine's
  ``jury_president`` rule reports it (an error) rather than the file being refused. With the known certifications, each certification id
  must be one of them, and each member's collège one of the collèges that the jury of a
  registered version of a covered certification defines (not checked when none does).
- Lists of what exists are in the order of the file that defines them.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cqpkit.formats.checks import _ids, _rows, _strings, _table
from cqpkit.formats.positions import Path
from cqpkit.formats.refindex import ReferentielIndex, referentiel_index
from cqpkit.model import CERTIFICATION_ENTIERE
from cqpkit.model.invariants import ID_RULE as _ID_RULE

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Referentiel

__all__ = ["check_dossier_data", "check_session_data"]

Finding = tuple[Path, str]

_DATE, _DATETIME = _dt.date, _dt.datetime

_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")

# singular → (plural, feminine)
_WORDS: dict[str, tuple[str, bool]] = {
    "acteur": ("acteurs", False),
    "collège": ("collèges", False),
    "domaine": ("domaines", False),
    "épreuve": ("épreuves", True),
    "membre": ("membres", False),
    "mention": ("mentions", True),
    "module": ("modules", False),
    "prérequis": ("prérequis", False),
    "voie": ("voies", True),
}


def _known(name: str, known: Iterable[str], what: str) -> str:
    plural, feminine = _WORDS[what]
    e = "e" if feminine else ""
    listed = ", ".join(known) or f"aucun{e}"
    return f"{what} « {name} » inconnu{e} ({plural} défini{e}s : {listed})"


def _check_id(findings: list[Finding], path: Path, value: Any) -> None:
    if isinstance(value, str) and not _ID.match(value):
        findings.append((path, f"identifiant « {value} » invalide : {_ID_RULE}"))


def _date(row: dict, key: str) -> Any:
    value = row.get(key)
    if type(value) is _DATE:  # the common case, at C speed
        return value
    return value if isinstance(value, _DATE) and not isinstance(value, _DATETIME) else None


def _list(data: dict, key: str) -> list[tuple[int, dict]]:
    """The rows of ``data[key]`` that are tables, with their index (as :func:`~cqpkit.formats.checks._rows`, as a list)."""
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, row) for i, row in enumerate(value) if isinstance(row, dict)]


# ----------------------------------------------------------------------------- dossiers
def check_dossier_data(data: dict, referentiel: Referentiel | None = None) -> list[Finding]:
    """Return the cross-check findings of a parsed dossier document (and against ``referentiel`` when given).

    One walk of each list of the document: what a row is checked for without the référentiel and with it is
    checked in the same visit. The order of the findings is not meaningful (the loader sorts them by line).
    """
    findings: list[Finding] = []
    if not isinstance(data, dict):
        data = {}
    info = _table(data, "dossier")
    _check_id(findings, ("dossier", "id"), info.get("id"))
    _check_id(findings, ("candidat", "id"), _table(data, "candidat").get("id"))
    inscription = _date(info, "inscription")
    index = _against(findings, info, isinstance(data.get("dossier"), dict), referentiel)

    # Identifiers, each unique within its list; references to acteurs.
    acteur_rows = _list(data, "acteurs")
    _ids([(("acteurs", i), r) for i, r in acteur_rows], "acteurs", findings)
    acteurs = list(dict.fromkeys(r["id"] for _, r in acteur_rows if isinstance(r.get("id"), str)))
    acteur_set = set(acteurs)
    # One person is one acteur of the dossier (another role is a secondary role): two acteurs naming the
    # same person would be two copies of one profile in one file.
    personnes: dict[str, int] = {}
    for i, r in acteur_rows:
        pid = r.get("personne")
        _check_id(findings, ("acteurs", i, "personne"), pid)
        if isinstance(pid, str):
            if pid in personnes:
                findings.append(
                    (
                        ("acteurs", i, "personne"),
                        f"personne « {pid} » déjà nommée par acteurs[{personnes[pid]}] : une personne est un seul acteur "
                        "du dossier (ses autres rôles dans roles_secondaires)",
                    )
                )
            else:
                personnes[pid] = i
        # Periods: an end is not before its start.
        start, end = _date(r, "mission_debut"), _date(r, "mission_fin")
        if start and end and end < start:
            findings.append((("acteurs", i, "mission_fin"), f"fin de mission ({end}) antérieure au début de mission ({start})"))
        for j, other in _rows(r, "autres_missions"):
            start, end = _date(other, "debut"), _date(other, "fin")
            if start and end and end < start:
                findings.append((("acteurs", i, "autres_missions", j, "fin"), f"fin ({end}) antérieure au début ({start})"))

    activites = _list(data, "activites")
    _ids([(("activites", i), r) for i, r in activites], "activités", findings)
    for i, row in activites:
        _after_inscription(findings, inscription, ("activites", i, "date"), row, "date ({}) antérieure")
        if index is not None:
            d, m = row.get("domaine"), row.get("module")
            if isinstance(d, str) and d not in index.domaine_set:
                findings.append((("activites", i, "domaine"), _known(d, index.domaines, "domaine")))
            if isinstance(m, str) and m not in index.module_set:
                findings.append((("activites", i, "module"), _known(m, index.modules, "module")))

    positionnement = _table(data, "positionnement")
    par = positionnement.get("par")
    if isinstance(par, str) and par not in acteur_set:
        findings.append((("positionnement", "par"), _known(par, acteurs, "acteur")))
    if index is not None:
        _check_positionnement(findings, positionnement, index)

    for key in ("formations", "experiences"):
        for i, row in _list(data, key):
            start, end = _date(row, "debut"), _date(row, "fin")
            if start and end and end < start:
                findings.append(((key, i, "fin"), f"fin ({end}) antérieure au début ({start})"))
            if key == "formations":
                # Events of the parcours happen after registration (see the module docstring).
                _after_inscription(findings, inscription, (key, i, "debut"), row, "début ({}) antérieur")
                m = row.get("module") if index is not None else None
                if isinstance(m, str) and m not in index.module_set:  # type: ignore[union-attr]
                    findings.append((("formations", i, "module"), _known(m, index.modules, "module")))  # type: ignore[union-attr]

    # Evaluations: evaluators, date; against the référentiel: épreuve, critères and their values, verdict, mention.
    finales: dict[str, list[tuple[Any, int, str]]] = {}
    for i, ev in _list(data, "evaluations"):
        for j, a in _strings(ev.get("evaluateurs")):
            if a not in acteur_set:
                findings.append((("evaluations", i, "evaluateurs", j), _known(a, acteurs, "acteur")))
        _after_inscription(findings, inscription, ("evaluations", i, "date"), ev, "date ({}) antérieure")
        if index is not None:
            _check_evaluation(findings, i, ev, index, finales)

    # Passages in date order; against the référentiel: domaines decided, and the final evaluations they rely on.
    previous: tuple[int, Any] | None = None
    for i, row in _list(data, "passages"):
        day = _date(row, "date")
        if index is not None:
            _check_passage(findings, i, row, day, index, finales)
        if day is None:
            continue
        if inscription and day < inscription:
            findings.append((("passages", i, "date"), f"date ({day}) antérieure à l'inscription ({inscription})"))
        if previous is not None:
            j, before = previous
            if day < before:
                findings.append(
                    (
                        ("passages", i, "date"),
                        f"passages dans le désordre : {day} est antérieur au passage précédent "
                        f"({before}, passages[{j}])",
                    )
                )
            elif day == before:
                findings.append((("passages", i, "date"), f"deux passages le même jour ({day}, voir passages[{j}])"))
        previous = (i, day)
    return findings


def _after_inscription(findings: list[Finding], inscription: Any, path: Path, row: dict, what: str) -> None:
    if inscription:
        day = _date(row, path[-1])  # type: ignore[arg-type]
        if day and day < inscription:
            findings.append((path, f"{what.format(day)} à l'inscription ({inscription})"))


def _against(findings: list[Finding], info: dict, has_info: bool, ref: Referentiel | None) -> ReferentielIndex | None:
    """The index of ``ref`` when the dossier is to be checked against it: its certification and version are ``ref``'s,
    and the ``[dossier]`` keys that need it (voie, mention, documents) are checked; ``None`` otherwise."""
    if ref is None:
        return None
    cert, version = info.get("certification"), info.get("version")
    if isinstance(cert, str) and cert != ref.id:
        findings.append((("dossier", "certification"), f"certification « {cert} » différente de celle du référentiel ({ref.id})"))
        return None
    if isinstance(version, str) and version != ref.version:
        findings.append(
            (
                ("dossier", "version"),
                f"version « {version} » différente de celle du référentiel ({ref.id} version {ref.version})",
            )
        )
        return None
    index = referentiel_index(ref)
    voies, mentions = index.voies, index.mentions
    voie = info.get("voie")
    if isinstance(voie, str) and voies and voie not in voies:
        findings.append((("dossier", "voie"), _known(voie, voies, "voie")))
    mention = info.get("mention")
    if "mention" not in info and mentions and has_info:
        findings.append(
            (("dossier", "mention"), f"clé obligatoire manquante : la certification a des mentions ({', '.join(mentions)})")
        )
    elif isinstance(mention, str) and mention not in index.mention_set:
        findings.append((("dossier", "mention"), _known(mention, mentions, "mention")))
    if isinstance(voie, str) and voie in voies:
        required = voies[voie]
        for j, doc in _strings(info.get("documents")):
            if doc not in required:
                listed = ", ".join(required) or "aucun"
                findings.append(
                    (
                        ("dossier", "documents", j),
                        f"document « {doc} » inconnu pour la voie « {voie} » (documents requis : {listed})",
                    )
                )
    return index


def _check_positionnement(findings: list[Finding], positionnement: dict, index: ReferentielIndex) -> None:
    """Positionnement: prérequis, domaines, values on the positionnement échelle."""
    for pid in _table(positionnement, "prerequis"):
        if pid not in index.prerequis_set:
            findings.append((("positionnement", "prerequis", pid), _known(pid, index.prerequis, "prérequis")))
    scale = index.positionnement_echelle
    for did, row in _table(positionnement, "domaines").items():
        path: Path = ("positionnement", "domaines", did)
        if did not in index.domaine_set:
            findings.append((path, _known(did, index.domaines, "domaine")))
        if scale is None or not isinstance(row, dict):
            continue
        for key in ("savoir_faire", "savoirs", "niveau"):
            value = row.get(key)
            if isinstance(value, str):
                problem = index.echelle_problem(value, scale)
                if problem:
                    findings.append(((*path, key), problem))


def _check_evaluation(
    findings: list[Finding], i: int, ev: dict, index: ReferentielIndex, finales: dict[str, list[tuple[Any, int, str]]]
) -> None:
    """One evaluation against the référentiel: épreuve, critères and their values, verdict, mention."""
    eid = ev.get("epreuve")
    em = ev.get("mention")
    if isinstance(em, str) and em not in index.mention_set:
        findings.append((("evaluations", i, "mention"), _known(em, index.mentions, "mention")))
    if not isinstance(eid, str):
        return
    epreuve = index.epreuves.get(eid)
    if epreuve is None:
        findings.append((("evaluations", i, "epreuve"), _known(eid, index.epreuves, "épreuve")))
        return
    criteres = epreuve.criteres
    echelles = index.echelles
    for cid, value in _table(ev, "criteres").items():
        if cid not in criteres:
            findings.append(
                (
                    ("evaluations", i, "criteres", cid),
                    f"critère « {cid} » inconnu dans l'épreuve « {eid} » (critères définis : {epreuve.critere_ids})",
                )
            )
            continue
        scale_name = criteres[cid]
        if scale_name and isinstance(value, str):
            scale = echelles.get(scale_name)  # (index.echelle_problem, without a call for a value on its scale)
            if scale is not None and value not in scale[1]:
                findings.append((("evaluations", i, "criteres", cid), index.echelle_problem(value, scale_name)))  # type: ignore[arg-type]
    verdict = ev.get("verdict")
    if isinstance(verdict, str) and epreuve.verdict:
        problem = index.echelle_problem(verdict, epreuve.verdict)
        if problem:
            findings.append((("evaluations", i, "verdict"), problem))
    if epreuve.type == "finale_entreprise":
        day = _date(ev, "date")
        if day:
            for d in epreuve.domaines:
                finales.setdefault(d, []).append((day, i, eid))


def _check_passage(
    findings: list[Finding], i: int, row: dict, day: Any, index: ReferentielIndex, finales: dict[str, list[tuple[Any, int, str]]]
) -> None:
    """One passage against the référentiel: domaines decided (or the whole certification), and the final evaluations."""
    domaines = index.domaines
    decided = _table(row, "decisions")
    if not decided:
        return
    if not domaines or CERTIFICATION_ENTIERE in decided:
        findings.extend(_whole_or_per_domaine(i, decided, domaines))
    for did in decided:
        if did == CERTIFICATION_ENTIERE or not domaines:
            continue  # said by _whole_or_per_domaine
        if did not in index.domaine_set:
            findings.append((("passages", i, "decisions", did), _known(did, domaines, "domaine")))
        evals = finales.get(did)
        if day and evals and not any(d <= day for d, _, _ in evals):
            first_day, j, eid = min(evals)
            findings.append(
                (
                    ("passages", i, "decisions", did),
                    f"domaine « {did} » décidé le {day} sans évaluation finale à cette date : "
                    f"l'évaluation « {eid} » (evaluations[{j}]) est datée du {first_day}, après le passage",
                )
            )


def _whole_or_per_domaine(i: int, decided: dict, domaines: list[str]) -> list[Finding]:
    """A decision on the whole certification where the référentiel has no domaines, per domaine otherwise."""
    whole = CERTIFICATION_ENTIERE
    if not domaines:
        also = (
            " ; ce passage porte aussi une décision sur la certification entière : l'une ou l'autre, pas les deux"
            if whole in decided
            else ""
        )
        return [
            (
                ("passages", i, "decisions", did),
                f"décision sur le domaine « {did} » refusée : ce référentiel ne définit pas ses domaines : seule une "
                f"décision sur la certification entière ({whole} = \"acquis\" ou \"non_acquis\") peut être "
                f"enregistrée ; une délivrance partielle, par domaine, y est impossible{also}",
            )
            for did in decided
            if did != whole
        ]
    if whole not in decided:
        return []
    also = " ; ce passage porte aussi des décisions par domaine : l'une ou l'autre, pas les deux" if len(decided) > 1 else ""
    return [
        (
            ("passages", i, "decisions", whole),
            f"décision sur la certification entière refusée : ce référentiel définit ses domaines "
            f"({', '.join(domaines)}) ; le jury décide domaine par domaine ({domaines[0]} = \"acquis\", …) et la "
            f"certification est délivrée quand tous sont acquis{also}",
        )
    ]


# ----------------------------------------------------------------------------- sessions
def check_session_data(data: dict, certifications: Mapping[str, Collection[str]] | None = None) -> list[Finding]:
    """Return the cross-check findings of a parsed jury-session document.

    ``certifications``, when given, maps each known certification id to the collèges its
    jury defines (empty when its référentiels define none).
    """
    findings: list[Finding] = []
    info = _table(data, "session")
    _check_id(findings, ("session", "id"), info.get("id"))
    membre_rows = list(_rows(data, "membres"))
    _ids([(("membres", i), r) for i, r in membre_rows], "membres", findings)
    president = info.get("president")
    if isinstance(president, str):
        _check_id(findings, ("session", "president"), president)
    if info.get("certifications") == []:
        findings.append((("session", "certifications"), "au moins une certification est attendue"))
    if certifications is not None:
        colleges: set[str] = set()
        for j, cid in _strings(info.get("certifications")):
            if cid in certifications:
                colleges.update(certifications[cid])
            else:
                listed = ", ".join(sorted(certifications)) or "aucune"
                findings.append(
                    (
                        ("session", "certifications", j),
                        f"certification « {cid} » inconnue (certifications disponibles : {listed})",
                    )
                )
        if colleges:
            for i, row in membre_rows:
                college = row.get("college")
                if isinstance(college, str) and college not in colleges:
                    findings.append((("membres", i, "college"), _known(college, sorted(colleges), "collège")))
    return findings
