"""Cross-checks of a référentiel document: identifiers, references, dated values.

These run on the parsed TOML tables (plain dicts), not on the model, so that they
report their findings in the same pass as the type errors found by the converter: a
file with a wrong type *and* a dangling reference gets both messages at once. They are
tolerant of wrong shapes (those are the converter's to report) and only look at what
has the expected shape.

Choices written down here:

- Critère ids are unique within their épreuve (two épreuves may each have a ``C1``);
  every other id (domaines, épreuves, modules, prérequis, voies, volumes, règles, values
  of an échelle) is unique within its list. A domaine cannot be named ``certification``: in a
  dossier, ``decisions.certification`` is the jury's decision on the whole certification.
- ``jusqua`` of a dated value is the last day it holds (inclusive), so a value ending
  on the day the next one starts overlaps it.
- A rule event is one of :data:`~cqpkit.model.EVENEMENTS`, or ``module:<id>`` /
  ``epreuve:<id>`` naming a module or an épreuve of the same référentiel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cqpkit.formats.positions import Path
from cqpkit.model import CERTIFICATION_ENTIERE, EVENEMENTS
from cqpkit.model.invariants import ID_RULE as _ID_RULE

__all__ = ["check_referentiel_data"]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")
_BRANCHE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

Finding = tuple[Path, str]


def _table(data: Any, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _rows(data: Any, key: str) -> Iterator[tuple[int, dict]]:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list):
        for i, row in enumerate(value):
            if isinstance(row, dict):
                yield i, row


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                yield i, v


def _ids(rows: list[tuple[Path, dict]], what: str, findings: list[Finding]) -> set[str]:
    """Collect the ``id`` of each row, reporting duplicates; return the set of ids."""
    seen: dict[str, Path] = {}
    for path, row in rows:
        rid = row.get("id")
        if not isinstance(rid, str):
            continue
        if not _ID.match(rid):
            findings.append((path + ("id",), f"identifiant « {rid} » invalide : {_ID_RULE}"))
        if rid in seen:
            findings.append((path + ("id",), f"identifiant « {rid} » en double ({what}, déjà défini en {_fmt(seen[rid])})"))
        else:
            seen[rid] = path
    return set(seen)


def _fmt(path: Path) -> str:
    from cqpkit.formats.errors import format_path

    return format_path(path)


_FEMININE = frozenset({"échelle", "épreuve", "mention", "voie"})


def _known(name: str, known: set[str], what: str) -> str:
    e = "e" if what in _FEMININE else ""
    listed = ", ".join(sorted(known)) if known else "aucun" + e
    return f"{what} « {name} » inconnu{e} ({what}s défini{e}s : {listed})"


def check_referentiel_data(data: dict) -> list[Finding]:
    """Return the cross-check findings of a parsed référentiel document."""
    findings: list[Finding] = []
    cert = _table(data, "certification")

    # Identity: the id is "<branche>.<slug>".
    cid, branche = cert.get("id"), cert.get("branche")
    if isinstance(branche, str) and not _BRANCHE.match(branche):
        findings.append((("certification", "branche"), f"branche « {branche} » invalide : minuscules ASCII, chiffres, « - » ou « _ » seulement"))
    if isinstance(cid, str) and isinstance(branche, str):
        prefix, dot, slug = cid.partition(".")
        if not dot or prefix != branche or not _SLUG.match(slug):
            findings.append(
                (
                    ("certification", "id"),
                    f"identifiant « {cid} » invalide : il doit s'écrire « {branche}.<slug> » "
                    "(branche, un point, puis minuscules, chiffres et tirets)",
                )
            )
    start, end = cert.get("en_vigueur_depuis"), cert.get("en_vigueur_jusqua")
    if _is_date(start) and _is_date(end) and end < start:
        findings.append((("certification", "en_vigueur_jusqua"), f"fin de validité ({end}) antérieure au début ({start})"))
    mentions = {m for _, m in _strings(cert.get("mentions"))}
    labels = cert.get("libelles_mentions")
    if isinstance(labels, dict):
        for m in labels:
            if m not in mentions:
                findings.append((("certification", "libelles_mentions", m), _known(m, mentions, "mention")))

    # Identifiers, each unique within its list.
    domaines = _ids([(("domaines", i), r) for i, r in _rows(data, "domaines")], "domaines", findings)
    for i, r in _rows(data, "domaines"):
        if r.get("id") == CERTIFICATION_ENTIERE:
            findings.append(
                (
                    ("domaines", i, "id"),
                    f"identifiant « {CERTIFICATION_ENTIERE} » réservé : dans un dossier, « decisions.{CERTIFICATION_ENTIERE} » "
                    "est la décision du jury sur la certification entière",
                )
            )
    _ids([(("prerequis", i), r) for i, r in _rows(data, "prerequis")], "prérequis", findings)
    epreuves = _ids([(("epreuves", i), r) for i, r in _rows(data, "epreuves")], "épreuves", findings)
    modules = _ids([(("modules", i), r) for i, r in _rows(data, "modules")], "modules", findings)
    _ids([(("voies", i), r) for i, r in _rows(data, "voies")], "voies", findings)
    for i, voie in _rows(data, "voies"):
        _ids([(("voies", i, "documents_requis", j), r) for j, r in _rows(voie, "documents_requis")], "documents requis", findings)
    _ids([(("volumes", i), r) for i, r in _rows(data, "volumes")], "volumes", findings)
    _ids([(("regles", i), r) for i, r in _rows(data, "regles")], "règles", findings)
    echelles = set(_table(data, "echelles"))
    for table in ("echelles", "financement"):
        for name in _table(data, table):
            if not _ID.match(name):
                findings.append(((table, name), f"identifiant « {name} » invalide : {_ID_RULE}"))
    for name, echelle in _table(data, "echelles").items():
        if isinstance(echelle, dict) and echelle.get("valeurs") == []:
            findings.append((("echelles", name, "valeurs"), "au moins une valeur est attendue"))
        if isinstance(echelle, dict):
            _ids([(("echelles", name, "valeurs", i), r) for i, r in _rows(echelle, "valeurs")], f"valeurs de l'échelle {name}", findings)

    def mention(path: Path, row: dict) -> None:
        m = row.get("mention")
        if isinstance(m, str) and m not in mentions:
            findings.append((path + ("mention",), _known(m, mentions, "mention")))

    # References from épreuves and their critères.
    for i, ep in _rows(data, "epreuves"):
        base: Path = ("epreuves", i)
        for j, d in _strings(ep.get("domaines")):
            if d not in domaines:
                findings.append((base + ("domaines", j), _known(d, domaines, "domaine")))
        for key in ("echelle", "verdict"):
            e = ep.get(key)
            if isinstance(e, str) and e not in echelles:
                findings.append((base + (key,), _known(e, echelles, "échelle")))
        mention(base, ep)
        _ids([(base + ("criteres", k), c) for k, c in _rows(ep, "criteres")], f"critères de l'épreuve {ep.get('id', i)}", findings)
        for k, crit in _rows(ep, "criteres"):
            cpath = base + ("criteres", k)
            d = crit.get("domaine")
            if isinstance(d, str) and d not in domaines:
                findings.append((cpath + ("domaine",), _known(d, domaines, "domaine")))
            e = crit.get("echelle")
            if isinstance(e, str) and e not in echelles:
                findings.append((cpath + ("echelle",), _known(e, echelles, "échelle")))
            mention(cpath, crit)
        ev = ep.get("evaluateurs")
        if isinstance(ev, dict):
            required = {r for _, r in _strings(ev.get("roles_requis"))}
            for j, r in _strings(ev.get("roles_exclus")):
                if r in required:
                    findings.append((base + ("evaluateurs", "roles_exclus", j), f"rôle « {r} » à la fois requis et exclu"))
            n = ev.get("nombre")
            if isinstance(n, int) and not isinstance(n, bool) and n == 0:  # below 0: the converter's message
                findings.append((base + ("evaluateurs", "nombre"), f"nombre d'évaluateurs ({n}) inférieur à 1"))

    # References from modules.
    for i, mod in _rows(data, "modules"):
        for j, d in _strings(mod.get("domaines")):
            if d not in domaines:
                findings.append((("modules", i, "domaines", j), _known(d, domaines, "domaine")))
        mention(("modules", i), mod)

    # Routes named by rules, the first-passage deadline and funding lines.
    voie_ids = {r.get("id") for _, r in _rows(data, "voies") if isinstance(r.get("id"), str)}
    for i, rule in _rows(data, "regles"):
        for j, v in _strings(rule.get("voies")):
            if v not in voie_ids:
                findings.append((("regles", i, "voies", j), _known(v, voie_ids, "voie")))
    for j, v in _strings(_table(data, "jury").get("delai_premier_passage_voies")):
        if v not in voie_ids:
            findings.append((("jury", "delai_premier_passage_voies", j), _known(v, voie_ids, "voie")))
    for name, fin in _table(data, "financement").items():
        if isinstance(fin, dict):
            for j, v in _strings(fin.get("voies")):
                if v not in voie_ids:
                    findings.append((("financement", name, "voies", j), _known(v, voie_ids, "voie")))

    # Generic rules.
    for i, rule in _rows(data, "regles"):
        base = ("regles", i)
        kind = rule.get("type")
        kind = kind if isinstance(kind, str) else None  # a mistyped type is the converter's to report
        for key in ("avant", "apres"):
            m = rule.get(key)
            if isinstance(m, str) and m not in modules:
                findings.append((base + (key,), _known(m, modules, "module")))
        for key in ("de", "a"):
            ev = rule.get(key)
            if isinstance(ev, str):
                problem = _event_problem(ev, modules, epreuves)
                if problem:
                    findings.append((base + (key,), problem))
        needs = {"delai": ("de", "a"), "avant": ("de", "a"), "ordre": ("avant", "apres")}.get(kind)
        if needs is not None:
            for key in needs:
                if key not in rule:
                    findings.append((base + (key,), f"clé obligatoire pour une règle de type « {kind} »"))
            allowed = set(needs) | ({"min", "max"} if kind == "delai" else set())
            for key in ("de", "a", "min", "max", "avant", "apres"):
                if key in rule and key not in allowed:
                    findings.append((base + (key,), f"clé sans effet pour une règle de type « {kind} »"))
        if kind == "delai" and "min" not in rule and "max" not in rule:
            findings.append((base, "une règle de type « delai » donne « min », « max » ou les deux"))
        if kind == "delai" and _approx_days(rule.get("min")) > _approx_days(rule.get("max"), default=10**9):
            findings.append((base + ("max",), f"délai maximal ({rule.get('max')}) inférieur au délai minimal ({rule.get('min')})"))

    # Dated values: in order, without overlap; where the quantity comes from.
    volumes = {r.get("id") for _, r in _rows(data, "volumes") if isinstance(r.get("id"), str)}
    for name, fin in _table(data, "financement").items():
        if isinstance(fin, dict) and fin.get("valeurs") == []:
            findings.append((("financement", name, "valeurs"), "au moins une valeur datée est attendue"))
        if isinstance(fin, dict):
            findings.extend(_check_dated(("financement", name, "valeurs"), list(_rows(fin, "valeurs"))))
            src = fin.get("quantite_de")
            if isinstance(src, str):
                problem = _quantity_problem(src, volumes)
                if problem:
                    findings.append((("financement", name, "quantite_de"), problem))
            event = fin.get("evenement")
            if event == "mission" and src not in _MISSIONS:
                findings.append((("financement", name, "evenement"), "« mission » suppose une quantité en mois de mission (quantite_de = « mission_tuteur » ou « periode_tutorat »)"))
            elif isinstance(event, str) and event != "mission" and src in _MISSIONS:
                findings.append((("financement", name, "evenement"), f"une quantité « {src} » se paie mois par mois : l'événement est « mission », pas « {event} »"))
            if event == "certification" and fin.get("condition") != "certifie":
                findings.append((("financement", name, "evenement"), "« certification » suppose condition = « certifie » (la ligne est due une fois le CQP délivré)"))

    # Ranges.
    form = _table(data, "formation")
    lo, hi = form.get("heures_min"), form.get("heures_max")
    if _is_num(lo) and _is_num(hi) and lo > hi:
        findings.append((("formation", "heures_max"), f"maximum ({hi} h) inférieur au minimum ({lo} h)"))
    tut = _table(data, "tutorat")
    lo, hi = tut.get("charge_recommandee"), tut.get("charge_max")
    if _is_num(lo) and _is_num(hi) and lo > hi:
        findings.append((("tutorat", "charge_max"), f"charge maximale ({hi}) inférieure à la charge recommandée ({lo})"))
    lo, hi = tut.get("formation_delai_min"), tut.get("formation_delai_max")
    if _approx_days(lo) > _approx_days(hi, default=10**9):
        findings.append((("tutorat", "formation_delai_max"), f"délai maximal ({hi}) inférieur au délai minimal ({lo})"))
    return findings


QUANTITES = ("volumes:<id>+<id>…", "tutorat.formation_heures", "mission_tuteur", "periode_tutorat", "parcours.jours_tuteur")
_MISSIONS = ("mission_tuteur", "periode_tutorat")


def _quantity_problem(src: str, volumes: set) -> str | None:
    if src in QUANTITES[1:]:
        return None
    kind, colon, ids = src.partition(":")
    if kind == "volumes" and colon and ids:
        for vid in ids.split("+"):
            if vid not in volumes:
                return _known(vid, {v for v in volumes if isinstance(v, str)}, "volume")
        return None
    return f"origine de quantité « {src} » inconnue (possibles : {', '.join(QUANTITES)})"


def _approx_days(value: Any, default: int = -1) -> int:
    """A duration string in days, approximately (Y = 365, M = 30, W = 7), for min/max comparisons only."""
    if not isinstance(value, str):
        return default
    from cqpkit.model import Duree

    try:
        d = Duree.parse(value)
    except ValueError:
        return default
    return d.annees * 365 + d.mois * 30 + d.semaines * 7 + d.jours


def _event_problem(event: str, modules: set[str], epreuves: set[str]) -> str | None:
    kind, colon, ref = event.partition(":")
    if colon and not ref:
        return f"identifiant manquant après « {kind}: »"
    if colon:
        if kind == "module":
            return None if ref in modules else _known(ref, modules, "module")
        if kind == "epreuve":
            return None if ref in epreuves else _known(ref, epreuves, "épreuve")
        return f"événement « {event} » inconnu : préfixes possibles « module: » et « epreuve: »"
    if event not in EVENEMENTS:
        return f"événement « {event} » inconnu (événements possibles : {', '.join(EVENEMENTS)}, module:<id>, epreuve:<id>)"
    return None


def _is_date(value: Any) -> bool:
    import datetime as dt

    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_dated(base: Path, rows: list[tuple[int, dict]]) -> list[Finding]:
    findings: list[Finding] = []
    previous: tuple[int, dict] | None = None
    for i, row in rows:
        start, end = row.get("depuis"), row.get("jusqua")
        if _is_date(start) and _is_date(end) and end < start:
            findings.append((base + (i, "jusqua"), f"fin ({end}) antérieure au début ({start})"))
        if previous is not None and _is_date(start):
            j, prev = previous
            pstart, pend = prev.get("depuis"), prev.get("jusqua")
            if _is_date(pstart) and start < pstart:
                findings.append((base + (i, "depuis"), f"valeurs datées dans le désordre : {start} est antérieur à la valeur précédente ({pstart}, valeurs[{j}])"))
            elif _is_date(pstart) and start == pstart:
                findings.append((base + (i, "depuis"), f"deux valeurs datées commencent le même jour ({start}, voir valeurs[{j}])"))
            elif _is_date(pend) and pend >= start:
                findings.append((base + (j, "jusqua"), f"période qui chevauche la suivante : elle court jusqu'au {pend} inclus, la suivante commence le {start}"))
        if _is_date(start):
            previous = (i, row)
    return findings
