"""The référentiel checks of the conformance suite, as plain functions returning French problems.

Each function takes a référentiel (or a référentiel file) and returns a list of
problems, one sentence each, saying where the problem is and what to change; an empty
list means the check passes. The test classes of :mod:`cqpkit.testing` call them and
fail with every problem at once; a plugin author can also call them from a script.

What "usable" means, written down here (each rule is one function below):

- **Dated values** (``[[financement.<id>.valeurs]]``): each has a ``source`` with a
  ``document`` and a ``section``; in date order, each value holds until the next one
  starts, with neither a gap (a ``jusqua`` more than one day before the next
  ``depuis``) nor an overlap (a ``jusqua`` on or after the next ``depuis``, or two values
  starting the same day). These are read from the TOML text when there is a file, so
  that a value without a source is reported with its line even though the file does not
  validate.
- **Versions** of one certification supplied by the plugin do not contradict each other:
  no two start the same day, no ``en_vigueur_jusqua`` runs past the next version's start
  (a version without an end holds until the next one, as the registry reads it).
- **References** of each épreuve (its ``domaines``, ``echelle``, ``verdict``, ``mention``,
  and its critères' ``domaine`` and ``echelle``) exist, and a critère can be rated (the
  critère or its épreuve names an échelle).
- **Rule parameters** can be used by the engine: a funding line whose quantity can be
  known (``quantite``, a ``quantite_de`` compatible with its ``unite``, or a ``forfait``),
  non-negative values and caps, a verdict échelle with at least one favourable value, a
  ``[jury] conditions_passage`` that some épreuve can satisfy, non-zero durations, roles
  not both admitted and excluded, an ``ordre`` rule between two different modules.
- **Reachability**: every domaine is evaluated by some épreuve (it is in the épreuve's
  ``domaines`` or a critère's ``domaine``).
- **VAE**: a VAE route is a voie whose id is ``vae`` or that states an ``experience``
  condition (as the engine reads it: :func:`cqpkit.rules.checks.is_vae_route`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from cqpkit.model import Bareme, Domaine, Duree, Referentiel, Voie

__all__ = [
    "dated_value_problems",
    "dated_value_problems_in_file",
    "incomplete",
    "parameter_problems",
    "reference_problems",
    "round_trip_problems",
    "unreachable_domaines",
    "vae_routes",
    "version_overlaps",
]

_ONE_DAY = dt.timedelta(days=1)
_SOURCE_HINT = 'ajoutez `source = { document = "…", section = "…" }` : le document et la section d\'où vient cette valeur'


def _d(day: dt.date) -> str:
    return day.isoformat()


# ----------------------------------------------------------------------------- dated values
def _period_problems(rows: Sequence[tuple[Any, dict]], where: Any) -> list[str]:
    """Gaps and overlaps between dated rows ``(key, {"depuis", "jusqua"})``; ``where(key, field)`` locates one."""
    problems: list[str] = []
    dated = [(k, r) for k, r in rows if isinstance(r.get("depuis"), dt.date)]
    dated.sort(key=lambda kr: kr[1]["depuis"])
    for (k, row), (k2, nxt) in pairwise(dated):
        start, end, next_start = row["depuis"], row.get("jusqua"), nxt["depuis"]
        if next_start == start:
            problems.append(
                f"{where(k2, 'depuis')}: deux valeurs commencent le même jour ({_d(start)}) : "
                "laquelle s'applique ? Supprimez-en une ou corrigez la date de début."
            )
        elif isinstance(end, dt.date) and end >= next_start:
            problems.append(
                f"{where(k, 'jusqua')}: chevauchement : cette valeur court jusqu'au {_d(end)} inclus et la suivante "
                f"commence le {_d(next_start)} ; mettez `jusqua = {_d(next_start - _ONE_DAY)}` (la veille) ou retirez `jusqua`."
            )
        elif isinstance(end, dt.date) and end + _ONE_DAY < next_start:
            problems.append(
                f"{where(k, 'jusqua')}: trou : aucune valeur ne s'applique du {_d(end + _ONE_DAY)} au "
                f"{_d(next_start - _ONE_DAY)} (cette valeur finit le {_d(end)}, la suivante commence le {_d(next_start)}) ; "
                "retirez `jusqua` (une valeur court jusqu'à la suivante) ou faites commencer la suivante le lendemain."
            )
    return problems


def dated_value_problems_in_file(path: str | os.PathLike[str]) -> list[str]:
    """Problems of the dated values of a référentiel file, read from its TOML (works on an invalid file too).

    Each problem starts with ``fichier:ligne: chemin``. A file that cannot be read or
    parsed gives no problem here: the validation check reports it.
    """
    from cqpkit.exceptions import CqpkitError
    from cqpkit.formats.tomlfile import parse_toml, read_text

    fichier = os.fspath(path)
    try:
        doc = parse_toml(read_text(fichier), fichier)
    except CqpkitError:
        return []
    problems: list[str] = []
    financement = doc.data.get("financement")
    if not isinstance(financement, dict):
        return problems
    for name, fin in financement.items():
        rows = fin.get("valeurs") if isinstance(fin, dict) else None
        if not isinstance(rows, list):
            continue
        base = ("financement", name, "valeurs")

        def where(i: int, key: str | None = None, _base: tuple = base) -> str:
            path = (*_base, i) + ((key,) if key else ())
            e = doc.erreur(path, "")
            return f"{e.fichier}:{e.ligne}: {e.chemin}"

        table = [(i, r) for i, r in enumerate(rows) if isinstance(r, dict)]
        for i, row in table:
            src = row.get("source")
            if src is None:
                problems.append(f"{where(i)}: valeur datée sans source : {_SOURCE_HINT}.")
                continue
            if not isinstance(src, dict):
                continue  # a wrong type: the validation check reports it
            for key, what in (("document", "le document"), ("section", "la section")):
                value = src.get(key)
                if not isinstance(value, str) or not value.strip():
                    problems.append(
                        f"{where(i, 'source')}: source sans {key} : précisez {what} d'où vient cette valeur "
                        f"(`source = {{ document = \"…\", section = \"…\" }}`)."
                    )
        problems += _period_problems(table, where)
    return problems


def dated_value_problems(ref: Referentiel, where: str = "") -> list[str]:
    """Problems of the dated values of a référentiel object (built in Python, or already loaded)."""
    problems: list[str] = []
    prefix = f"{where}: " if where else ""
    for name, fin in ref.financement.items():
        def locate(i: int, key: str | None = None, _name: str = name) -> str:
            return f"{prefix}financement.{_name}.valeurs[{i}]" + (f".{key}" if key else "")

        for i, value in enumerate(fin.valeurs):
            src = value.source
            if src is None:
                problems.append(f"{locate(i)}: valeur datée sans source : {_SOURCE_HINT}.")
                continue
            for key, what in (("document", "le document"), ("section", "la section")):
                if not getattr(src, key, "").strip():
                    problems.append(f"{locate(i, 'source')}: source sans {key} : précisez {what} d'où vient cette valeur.")
        problems += _period_problems([(i, _bareme_row(v)) for i, v in enumerate(fin.valeurs)], locate)
    return problems


def _bareme_row(value: Bareme) -> dict:
    return {"depuis": value.depuis, "jusqua": value.jusqua}


def version_overlaps(refs: Iterable[Referentiel]) -> list[str]:
    """Versions of one certification whose periods in force contradict each other.

    As with dated values, a version without ``en_vigueur_jusqua`` holds until the next one
    starts (the registry picks the latest in force). Two versions starting the same day, or
    an ``en_vigueur_jusqua`` on or after the next version's start, make "the version in
    force on a date" ambiguous.
    """
    by_id: dict[str, list[Referentiel]] = {}
    for ref in refs:
        by_id.setdefault(ref.id, []).append(ref)
    problems: list[str] = []
    for cid, versions in sorted(by_id.items()):
        spans = sorted(
            ((r.certification.en_vigueur_depuis or dt.date.min, r.certification.en_vigueur_jusqua, r.version) for r in versions),
            key=lambda s: (s[0], s[2]),
        )
        for (start, end, v), (next_start, _, v2) in pairwise(spans):
            if start == next_start:
                when = "sans date de début" if start == dt.date.min else f"le {_d(start)}"
                problems.append(
                    f"{cid} : les versions « {v} » et « {v2} » entrent toutes deux en vigueur {when} : donnez à chacune "
                    "son `en_vigueur_depuis`."
                )
            elif end is not None and end >= next_start:
                problems.append(
                    f"{cid} : la version « {v} » est en vigueur jusqu'au {_d(end)} et la version « {v2} » commence le "
                    f"{_d(next_start)} : mettez `en_vigueur_jusqua = {_d(next_start - _ONE_DAY)}` à la version « {v} »."
                )
    return problems


# ------------------------------------------------------------------------------- round trip
def round_trip_problems(ref: Referentiel, where: str) -> list[str]:
    """Whether the référentiel, written to TOML and read back, is equal to itself."""
    from cqpkit.exceptions import InvalidFileError
    from cqpkit.formats.referentiels import dump_referentiel, loads_referentiel

    try:
        text = dump_referentiel(ref)
    except Exception as exc:  # tomli-w refuses a value (None in a list, a NaN…)
        return [f"{where} : écriture TOML impossible ({type(exc).__name__}: {exc}) : une valeur n'a pas de forme TOML."]
    try:
        again = loads_referentiel(text, f"{where} (réécrit)")
    except InvalidFileError as exc:
        return [f"{where} : le TOML réécrit ne se relit pas :\n{exc}"]
    if again != ref:
        from cqpkit.formats.converter import converter

        diff = _first_difference(converter().unstructure(ref), converter().unstructure(again))
        return [f"{where} : relu après écriture TOML, le référentiel diffère ({diff}) : une valeur ne survit pas à TOML."]
    return []


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path or 'racine'} : {a!r} devient {b!r}"


# ------------------------------------------------------------------------------- references
def _known(value: str, known: Iterable[str], what: str) -> str:
    listed = ", ".join(sorted(known)) or "aucun"
    return f"{what} « {value} » inconnu (définis : {listed})"


def reference_problems(ref: Referentiel, where: str) -> list[str]:
    """Épreuves and critères naming a domaine, an échelle or a mention that does not exist; critères without échelle."""
    problems: list[str] = []
    domaines = {d.id for d in ref.domaines}
    echelles = set(ref.echelles)
    mentions = set(ref.certification.mentions)
    for i, ep in enumerate(ref.epreuves):
        base = f"{where}: epreuves[{i}] ({ep.id})"
        for d in ep.domaines:
            if d not in domaines:
                problems.append(f"{base}.domaines : {_known(d, domaines, 'domaine')} ; ajoutez-le à [[domaines]] ou corrigez l'identifiant.")
        for key in ("echelle", "verdict"):
            name = getattr(ep, key)
            if name is not None and name not in echelles:
                problems.append(f"{base}.{key} : {_known(name, echelles, 'échelle')} ; définissez [echelles.{name}] ou corrigez le nom.")
        if ep.mention is not None and ep.mention not in mentions:
            problems.append(f"{base}.mention : {_known(ep.mention, mentions, 'mention')} ; ajoutez-la à certification.mentions.")
        for j, crit in enumerate(ep.criteres):
            cbase = f"{base}.criteres[{j}] ({crit.id})"
            if crit.domaine is not None and crit.domaine not in domaines:
                problems.append(f"{cbase}.domaine : {_known(crit.domaine, domaines, 'domaine')}.")
            if crit.echelle is not None and crit.echelle not in echelles:
                problems.append(f"{cbase}.echelle : {_known(crit.echelle, echelles, 'échelle')}.")
            if crit.echelle is None and ep.echelle is None:
                problems.append(
                    f"{cbase} : critère sans échelle : donnez `echelle = \"…\"` à l'épreuve (ou au critère) pour que "
                    "ses valeurs puissent être vérifiées."
                )
    return problems


# ------------------------------------------------------------------------------- parameters
_QUANTITY_UNITS = {
    "tutorat.formation_heures": ("heure",),
    "mission_tuteur": ("mois", "mois_commence"),
}


def _zero(d: Duree | None) -> bool:
    return d is not None and not (d.annees or d.mois or d.semaines or d.jours)


def parameter_problems(ref: Referentiel, where: str, *, incomplete: bool = False) -> list[str]:
    """Rule parameters the engine cannot use (see the module docstring); each with what to change.

    ``incomplete``: the référentiel is declared incomplete, so a ``[jury] conditions_passage``
    naming final evaluations that no épreuve can make favourable is accepted (the sources
    lack the épreuves or their verdict).
    """
    problems: list[str] = []
    volumes = {v.id: v for v in ref.volumes}

    # Funding: the quantity must be knowable, values and caps non-negative.
    for name, fin in ref.financement.items():
        base = f"{where}: financement.{name}"
        if fin.quantite is None and fin.quantite_de is None and fin.unite != "forfait":
            problems.append(
                f"{base} : ni `quantite` ni `quantite_de` pour une ligne par {fin.unite} : le moteur ne produit jamais "
                "cette ligne ; donnez la quantité que la source fixe (`quantite = …`), d'où la prendre (`quantite_de = …`) "
                "ou `unite = \"forfait\"`."
            )
        src = fin.quantite_de
        if src in _QUANTITY_UNITS and fin.unite not in _QUANTITY_UNITS[src]:
            allowed = " ou ".join(f"« {u} »" for u in _QUANTITY_UNITS[src])
            problems.append(f"{base}.quantite_de : « {src} » se compte en {allowed}, pas en « {fin.unite} » : changez `unite`.")
        if src == "tutorat.formation_heures" and (ref.tutorat is None or ref.tutorat.formation_heures is None):
            problems.append(
                f"{base}.quantite_de : « tutorat.formation_heures » sans `[tutorat] formation_heures` : un dossier qui ne "
                "donne pas les heures de formation du tuteur n'aurait pas de ligne ; ajoutez `formation_heures` à [tutorat]."
            )
        if src == "parcours.jours_tuteur":
            if fin.unite not in ("jour", "heure") or (fin.unite == "heure" and fin.heures_par_jour is None):
                problems.append(
                    f"{base}.quantite_de : « parcours.jours_tuteur » compte des jours : `unite = \"jour\"`, ou "
                    "`unite = \"heure\"` avec `heures_par_jour`."
                )
            if not any(d.jours_tuteur is not None for d in ref.domaines):
                problems.append(f"{base}.quantite_de : « parcours.jours_tuteur » mais aucun domaine ne donne `jours_tuteur`.")
        if src is not None and src.startswith("volumes:"):
            units = {volumes[v].unite for v in src.partition(":")[2].split("+") if v in volumes}
            if len(units) > 1:
                problems.append(f"{base}.quantite_de : volumes d'unités différentes ({', '.join(sorted(units))}) : ils ne s'additionnent pas.")
            elif units:
                (unit,) = units
                ok = (
                    unit == fin.unite
                    or (fin.unite == "heure" and unit == "jour" and fin.heures_par_jour is not None)
                    or (fin.unite == "mois_commence" and unit == "mois")
                )
                if not ok:
                    hint = " avec `heures_par_jour`" if fin.unite == "heure" and unit == "jour" else ""
                    problems.append(
                        f"{base}.quantite_de : des volumes en « {unit} » pour une ligne par « {fin.unite} »{hint} : "
                        "le moteur ne sait pas convertir ; changez `unite` ou les volumes."
                    )
        for i, value in enumerate(fin.valeurs):
            vbase = f"{base}.valeurs[{i}]"
            if value.valeur < 0:
                problems.append(f"{vbase}.valeur : valeur négative ({value.valeur}) : un montant se calcule à partir d'un taux positif.")
            for cap in ("plafond_quantite", "plafond_montant", "plafond_annuel"):
                x = getattr(value, cap)
                if x is not None and x < 0:
                    problems.append(f"{vbase}.{cap} : plafond négatif ({x}).")

    # Échelles used as verdicts: some value must be favourable, or no evaluation can ever be.
    for i, ep in enumerate(ref.epreuves):
        scale = ref.echelles.get(ep.verdict) if ep.verdict is not None else None
        if scale is not None and not any(n.favorable for n in scale.valeurs):
            problems.append(
                f"{where}: epreuves[{i}] ({ep.id}).verdict : l'échelle « {ep.verdict} » n'a aucune valeur "
                "`favorable = true` : aucune évaluation de cette épreuve ne peut être favorable."
            )
        ev = ep.evaluateurs
        if ev is not None:
            both = sorted(set(ev.roles_admis) & set(ev.roles_exclus))
            if both:
                problems.append(f"{where}: epreuves[{i}] ({ep.id}).evaluateurs : rôle(s) à la fois admis et exclus : {', '.join(both)}.")

    # Jury.
    jury = ref.jury
    if jury is not None:
        if "evaluation_finale_favorable" in jury.conditions_passage:
            finales = [e for e in ref.epreuves if e.type == "finale_entreprise"]
            usable = [e for e in finales if e.verdict is not None and e.verdict in ref.echelles]
            if not usable and not incomplete:
                problems.append(
                    f"{where}: jury.conditions_passage : « evaluation_finale_favorable » mais aucune épreuve de type "
                    "« finale_entreprise » n'a d'échelle `verdict` : la condition ne peut jamais être remplie."
                )
        for key in ("validite_acquis_partiels", "delai_premier_passage"):
            if _zero(getattr(jury, key)):
                problems.append(f"{where}: jury.{key} : durée nulle : donnez la durée que la source fixe, ou retirez la clé.")

    # Durations of routes, tutoring and rules.
    for i, voie in enumerate(ref.voies):
        if voie.experience is not None and _zero(voie.experience.duree):
            problems.append(f"{where}: voies[{i}] ({voie.id}).experience.duree : durée nulle.")
    if ref.tutorat is not None:
        for key in ("experience_min", "formation_delai_min", "formation_delai_max"):
            if _zero(getattr(ref.tutorat, key)):
                problems.append(f"{where}: tutorat.{key} : durée nulle.")
    for i, regle in enumerate(ref.regles):
        base = f"{where}: regles[{i}] ({regle.id})"
        if regle.type == "delai" and _zero(regle.max):
            problems.append(f"{base}.max : délai maximal nul : la règle ne peut jamais être respectée.")
        if regle.type == "ordre" and regle.avant is not None and regle.avant == regle.apres:
            problems.append(f"{base} : `avant` et `apres` désignent le même module « {regle.avant} ».")
    return problems


# ---------------------------------------------------------------------- domaines and routes
def unreachable_domaines(ref: Referentiel) -> list[Domaine]:
    """The domaines no épreuve evaluates (neither in an épreuve's ``domaines`` nor a critère's ``domaine``)."""
    reached = {d for e in ref.epreuves for d in e.domaines} | {c.domaine for e in ref.epreuves for c in e.criteres}
    return [d for d in ref.domaines if d.id not in reached]


def incomplete(ref: Referentiel) -> bool:
    """Whether the référentiel says its sources lack something (``complet = false`` on it or on a domaine)."""
    return not ref.certification.complet or any(not d.complet for d in ref.domaines)


def vae_routes(ref: Referentiel) -> list[Voie]:
    """The VAE routes of the référentiel: voie ``vae``, or a voie stating an ``experience`` condition."""
    return [v for v in ref.voies if v.id == "vae" or v.experience is not None]
