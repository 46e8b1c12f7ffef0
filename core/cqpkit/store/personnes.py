"""People across dossiers: a tutor (an evaluator, a line manager) is one person, named by ``acteurs.personne``.

Each dossier holds its own copy of what the rules need to know about the people around the
candidate. An acteur that names the person it is (``personne = "T-0042"``) ties its copy to that
person; the store keeps, for every dossier's current version, one row per acteur naming a person
(``personne_acteurs``, derived from the dossier like ``echeances``, rebuilt when the dossier
changes) and the people it has seen (``personnes``). The engines stay pure functions of the
dossier: the store gives them a dossier in which what it knows better than the file is filled in
(:func:`enrich`, called wherever the store builds the dossiers the engines see).

Choices, each pinned by ``tests/test_store_personnes.py``
----------------------------------------------------------
- **The person's facts** (:data:`PROFILE`): ``organisation``, ``fonction``, ``management_depuis``,
  ``forme_le``, ``formation_heures`` — who the person is, since when they manage, when and how long
  they were trained as a tutor. Every copy gives the same value; a copy that leaves one out (unset,
  or an empty text) says nothing about it. Two different values are a contradiction: the import is
  refused, each problem at the line of the key, naming the other place (the other file and line, or
  « déjà enregistré dans la base (dossier X) »). The copies compared with the base are those of the
  stored dossiers the import does not bring again: re-importing every dossier of a person together
  is how a person's fact is corrected.
- **The dossier's facts**: ``id``, ``role``, ``roles_secondaires`` (a person may tutor one candidate
  and evaluate another), ``mission_debut`` / ``mission_fin`` (each mission has its dates), ``notes``.
- **A mission** is an acteur naming a person and holding the role ``tuteur`` (main or secondary),
  with a ``mission_debut``; ``mission_fin`` inclusive, unset meaning the mission goes on (the
  format's convention: a period without an end is open). A mission without a start cannot be placed
  in time: it is not counted, and its own dossier keeps the load its file declares.
- **The load** (``tutores_simultanes``, « au maximum 2 managers en même temps », Code du travail
  D6324-5 « trois salariés ») of a mission is the largest number of the person's missions in progress
  on one same day of that mission, this one included: the maximum, over the days of the mission, of
  the missions (of distinct dossiers) whose period holds that day.
- **The other missions** (``autres_missions``, for the prime's « 180 points par année civile et par
  tuteur ») are the person's other missions the store holds (those with an end: the funding engine
  needs one), plus the missions the file declares that the store cannot know: one naming a dossier
  the base does not hold, or naming none and matching no stored mission's dates. A declared mission
  naming a stored dossier gives way to what the store holds of that dossier.
- **What a file declares by hand** (``tutores_simultanes``, ``autres_missions``) and the store
  computes otherwise is said in a note of the import (:func:`declared_notes`), not refused: the hand
  copy goes stale through other files (the third tutee's dossier makes the first two files'
  ``tutores_simultanes = 2`` wrong without them changing), so refusing it would refuse a correct file
  for another's sake; the store holds the missions themselves, and its value is the one the engines
  get. A person's facts are different: two copies asserting two values cannot both be right, and the
  store has no way to choose.
- **Unset facts are filled in**: an acteur naming a person gets, for a fact its copy leaves out, the
  value another dossier's copy gives (the copies agree, so there is at most one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.exceptions import CqpkitError, Erreur
from cqpkit.model import Acteur, Dossier, MissionTutorale
from cqpkit.store import schema as t

__all__ = [
    "PROFILE",
    "Copie",
    "base_conflicts",
    "charge",
    "copies",
    "declared_notes",
    "enrich",
    "lot_conflicts",
    "rebuild",
    "show",
    "write",
]

#: The facts of a person, the same in every dossier's copy.
PROFILE = ("organisation", "fonction", "management_depuis", "forme_le", "formation_heures")
_IDS = sa.bindparam("ids", expanding=True)
_CHUNK = 500


def _known(value: Any) -> bool:
    return value is not None and value != ""


def _fr(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"« {value} »" if isinstance(value, str) else str(value)


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


@attrs.frozen
class Copie:
    """One acteur of one dossier naming a person: the dossier's copy of the person, and its mission."""

    personne: str
    dossier: str
    acteur: str
    index: int
    role: str
    roles_secondaires: tuple[str, ...]
    mission_debut: dt.date | None
    mission_fin: dt.date | None
    profil: Mapping[str, Any]
    tutores_declares: int | None = None
    missions_declarees: tuple[MissionTutorale, ...] = ()

    @property
    def tuteur(self) -> bool:
        return self.role == "tuteur" or "tuteur" in self.roles_secondaires

    @property
    def mission(self) -> bool:
        """A mission the load counts: a tutor with a start."""
        return self.tuteur and self.mission_debut is not None


def copies(dossier: Dossier) -> list[Copie]:
    """The acteurs of ``dossier`` that name a person."""
    return [
        Copie(
            a.personne, dossier.id, a.id, i, a.role, tuple(a.roles_secondaires), a.mission_debut, a.mission_fin,
            {k: getattr(a, k) for k in PROFILE if _known(getattr(a, k))}, a.tutores_simultanes, tuple(a.autres_missions),
        )
        for i, a in enumerate(dossier.acteurs)
        if a.personne
    ]


# ------------------------------------------------------------------------ contradictions
def lot_conflicts(named: Iterable[tuple[str, Dossier]]) -> Iterator[tuple[str, Copie, str, Any, str, Copie, Any]]:
    """Copies of one person that contradict an earlier copy of the lot, fact by fact.

    Yields ``(name, copy, fact, value, other name, other copy, other value)``: the earlier copy is the
    first one, in the lot's order, that gives the fact (a copy leaving it out does not count).
    """
    first: dict[tuple[str, str], tuple[str, Copie, Any]] = {}
    for name, d in named:
        for c in copies(d):
            for k, v in c.profil.items():
                seen = first.setdefault((c.personne, k), (name, c, v))
                if seen[1] is not c and seen[2] != v:
                    yield name, c, k, v, seen[0], seen[1], seen[2]


def conflict_message(c: Copie, fact: str, value: Any, other_value: Any, where: str) -> str:
    """The French message of a contradiction: this copy's value, the other one and where it is."""
    return (
        f"personne « {c.personne} » décrite autrement : {fact} = {_fr(value)} ici, {_fr(other_value)} {where} "
        "(une personne a les mêmes faits dans tous ses dossiers)"
    )


def _stored_rows(conn: sa.Connection, personnes: Sequence[str]) -> list[Any]:
    pa = t.personne_acteurs
    q = sa.select(pa).where(pa.c.personne_id.in_(_IDS)).order_by(pa.c.personne_id, pa.c.dossier_id, pa.c.acteur_id)
    out: list[Any] = []
    for chunk in _chunks(sorted(personnes)):
        out.extend(conn.execute(q, {"ids": list(chunk)}))
    return out


def base_conflicts(conn: sa.Connection, lot: Sequence[tuple[str, Dossier]]) -> list[Erreur]:
    """The copies of the lot that contradict, within the lot or with the base, a person's facts; each located.

    The base's copies compared are those of the stored dossiers the lot does not bring again.
    """
    named = [(f, d, copies(d)) for f, d in lot]
    wanted = {c.personne for _, _, cs in named for c in cs}
    if not wanted:
        return []
    found: list[Erreur] = []
    for name, c, fact, value, other_name, other, other_value in lot_conflicts((f, d) for f, d, _ in named):
        found.append(_locate(name, ("acteurs", c.index, fact), conflict_message(c, fact, value, other_value, f"dans {other_name} (dossier {other.dossier})")))
    in_lot = {d.id for _, d, _ in named}
    stored: dict[tuple[str, str], Any] = {}
    for r in _stored_rows(conn, sorted(wanted)):
        if r.dossier_id in in_lot:
            continue
        for k in PROFILE:
            v = getattr(r, k)
            if _known(v):
                stored.setdefault((r.personne_id, k), (r.dossier_id, v))
    for name, _, cs in named:
        for c in cs:
            for k, v in c.profil.items():
                hit = stored.get((c.personne, k))
                if hit is not None and hit[1] != v:
                    where = f"déjà enregistré dans la base (dossier {hit[0]})"
                    found.append(_locate(name, ("acteurs", c.index, k), conflict_message(c, k, v, hit[1], where)))
    return found


def _locate(fichier: str, path: tuple, message: str) -> Erreur:
    """An error at ``path`` in a file already read (re-read for the line; line 0 for an object built in Python)."""
    from cqpkit.formats.errors import format_path

    try:
        from cqpkit.formats.tomlfile import parse_toml, read_text

        return parse_toml(read_text(fichier), fichier).erreur(path, message)
    except CqpkitError:
        return Erreur(fichier, 0, format_path(path), message)


# --------------------------------------------------------------------------------- rows
def _row(c: Copie) -> dict[str, Any]:
    p = c.profil
    return {
        "dossier_id": c.dossier, "acteur_id": c.acteur, "personne_id": c.personne, "role": c.role,
        "roles_secondaires": json.dumps(list(c.roles_secondaires)), "mission_debut": c.mission_debut, "mission_fin": c.mission_fin,
        **{k: p.get(k) for k in PROFILE},
        "tutores_declares": c.tutores_declares,
        "missions_declarees": json.dumps([[m.debut.isoformat(), m.fin.isoformat(), m.dossier] for m in c.missions_declarees]),
    }


def write(conn: sa.Connection, dossiers: Sequence[Dossier], replaced: Sequence[str], now: str) -> int:
    """Record the people of ``dossiers`` (their current versions); ``replaced`` lists those whose old rows go. Return the rows written."""
    pa = t.personne_acteurs
    for chunk in _chunks(list(replaced)):
        conn.execute(pa.delete().where(pa.c.dossier_id.in_(list(chunk))))
    rows = [_row(c) for d in dossiers for c in copies(d)]
    if not rows:
        return 0
    wanted = sorted({r["personne_id"] for r in rows})
    known: set[str] = set()
    for chunk in _chunks(wanted):
        known.update(r.id for r in conn.execute(sa.select(t.personnes.c.id).where(t.personnes.c.id.in_(list(chunk)))))
    new = [{"id": p, "cree_le": now} for p in wanted if p not in known]
    if new:
        conn.execute(t.personnes.insert(), new)
    conn.execute(pa.insert(), rows)
    return len(rows)


def _public(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("_personnel", None)
    return data


def rebuild(conn: sa.Connection, contents: Callable[[sa.Connection, Sequence[str]], Mapping[str, str]]) -> int:
    """Rebuild ``personne_acteurs`` (and ``personnes``) from the stored dossiers' current contents (a migration's step)."""
    from cqpkit.formats.converter import json_converter

    conv = json_converter()
    ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id))]
    n = 0
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for chunk in _chunks(ids):
        texts = contents(conn, chunk)
        # A content written by migration 5 or later holds its personal fields encrypted apart (``_personnel``): the
        # rebuilt copies then lack the acteurs' organisation and function (migration 3 runs before 5 on a real base).
        ds = [conv.structure(_public(json.loads(x)), Dossier) for x in texts.values() if '"personne"' in x]
        n += write(conn, ds, list(chunk), now)
    return n


# --------------------------------------------------------------------------- the engine's view
def charge(debut: dt.date, fin: dt.date | None, others: Iterable[tuple[dt.date, dt.date | None]]) -> int:
    """The load of the mission ``debut``..``fin`` (inclusive; ``None``: open): the most missions in progress on one of its days, itself included.

    The count changes only where a mission starts, so the maximum is reached on this mission's
    first day or on the first day of another mission starting within it.
    """
    others = [(d, f) for d, f in others if f is None or f >= d]
    days = [debut, *(d for d, _ in others if d >= debut and (fin is None or d <= fin))]
    return max(1 + sum(1 for d, f in others if d <= day and (f is None or day <= f)) for day in days)


def _rows_of_dossiers(conn: sa.Connection, ids: Sequence[str]) -> list[Any]:
    pa = t.personne_acteurs
    q = sa.select(pa.c.dossier_id, pa.c.personne_id).where(pa.c.dossier_id.in_(_IDS))
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(conn.execute(q, {"ids": list(chunk)}))
    return out


def _is_tutor_row(r: Any) -> bool:
    return r.role == "tuteur" or "tuteur" in json.loads(r.roles_secondaires)


def _stored_dossiers(conn: sa.Connection, ids: Iterable[str]) -> set[str]:
    ids = sorted(set(ids))
    out: set[str] = set()
    for chunk in _chunks(ids):
        out.update(r.id for r in conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.id.in_(list(chunk)))))
    return out


def enrich(conn: sa.Connection, dossiers: Mapping[str, Dossier]) -> dict[str, Dossier]:
    """The dossiers as the engines see them in the store: each acteur naming a person gets what the store knows.

    For a tutor with a start of mission: ``tutores_simultanes`` computed (:func:`charge`) and
    ``autres_missions`` from the missions the store holds (see the module docstring); for any acteur
    naming a person, the person's facts its copy leaves out. Dossiers naming nobody are returned as
    they are (one small query when the base knows nobody).
    """
    out = dict(dossiers)
    if not dossiers or conn.execute(sa.select(t.personne_acteurs.c.dossier_id).limit(1)).first() is None:
        return out
    named = {r.personne_id for r in _rows_of_dossiers(conn, list(dossiers))}
    if not named:
        return out
    rows = _stored_rows(conn, sorted(named))
    by_person: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_person[r.personne_id].append(r)
    declared_refs = {m.dossier for d in dossiers.values() for a in d.acteurs if a.personne in named for m in a.autres_missions if m.dossier}
    stored_ids = _stored_dossiers(conn, declared_refs)
    for did, d in dossiers.items():
        if not any(a.personne in named for a in d.acteurs):
            continue
        out[did] = attrs.evolve(d, acteurs=tuple(_enriched(a, did, by_person.get(a.personne or "", []), stored_ids) for a in d.acteurs))
    return out


def _enriched(a: Acteur, dossier_id: str, rows: Sequence[Any], stored_ids: set[str]) -> Acteur:
    if not rows:
        return a
    changes: dict[str, Any] = {}
    for k in PROFILE:
        if not _known(getattr(a, k)):
            v = next((getattr(r, k) for r in rows if r.dossier_id != dossier_id and _known(getattr(r, k))), None)
            if v is not None:
                changes[k] = v
    if "tuteur" in a.roles:
        missions, load = computed_missions(a, dossier_id, rows, stored_ids)
        changes["autres_missions"] = missions
        if load is not None:
            changes["tutores_simultanes"] = load
    return attrs.evolve(a, **changes) if changes else a


def computed_missions(a: Acteur, dossier_id: str, rows: Sequence[Any], stored_ids: set[str]) -> tuple[tuple[MissionTutorale, ...], int | None]:
    """The tutor's other missions (store's, then the file's that the store cannot know) and the load (``None``: no start)."""
    others = [r for r in rows if r.dossier_id != dossier_id and _is_tutor_row(r) and r.mission_debut is not None]
    known_dates = {(r.mission_debut, r.mission_fin) for r in others}
    kept = [
        m for m in a.autres_missions
        if (m.dossier and m.dossier not in stored_ids) or (not m.dossier and (m.debut, m.fin) not in known_dates)
    ]
    missions = [MissionTutorale(debut=r.mission_debut, fin=r.mission_fin, dossier=r.dossier_id) for r in others if r.mission_fin is not None]
    missions = sorted([*missions, *kept], key=lambda m: (m.debut, m.fin, m.dossier))
    if a.mission_debut is None:
        return tuple(missions), None
    periods = [(r.mission_debut, r.mission_fin) for r in others] + [(m.debut, m.fin) for m in kept]
    return tuple(missions), charge(a.mission_debut, a.mission_fin, periods)


def _missions_text(missions: Iterable[MissionTutorale]) -> str:
    return " ; ".join(f"{m.dossier or 'sans dossier'} du {_fr(m.debut)} au {_fr(m.fin)}" for m in missions) or "aucune"


def declared_notes(declared: Dossier, computed: Dossier) -> list[str]:
    """Where a tutor's hand-made ``tutores_simultanes`` / ``autres_missions`` differ from what the store computes (French notes)."""
    notes = []
    for a, b in zip(declared.acteurs, computed.acteurs, strict=True):
        if not a.personne or "tuteur" not in a.roles:
            continue
        head = f"dossier « {declared.id} », tuteur {a.id} (personne « {a.personne} »)"
        if a.tutores_simultanes is not None and a.tutores_simultanes != b.tutores_simultanes:
            notes.append(
                f"{head} : tutores_simultanes déclaré {a.tutores_simultanes}, la base en compte {b.tutores_simultanes} "
                "d'après les missions qu'elle connaît ; c'est ce nombre que les règles reçoivent"
            )
        key = lambda m: (m.debut, m.fin, m.dossier)  # noqa: E731
        if a.autres_missions and sorted(map(key, a.autres_missions)) != sorted(map(key, b.autres_missions)):
            notes.append(
                f"{head} : autres_missions déclarées ({_missions_text(a.autres_missions)}) ; la base connaît "
                f"({_missions_text(b.autres_missions)}) ; ce sont celles-ci que les règles reçoivent"
            )
    return notes


# --------------------------------------------------------------------------------- show
def periods(missions: Iterable[tuple[str, dt.date, dt.date | None]]) -> list[dict[str, Any]]:
    """The load over time: consecutive periods with the same missions in progress (``fin`` ``None``: open)."""
    missions = [(did, d, f) for did, d, f in missions if f is None or f >= d]
    cuts = sorted({d for _, d, _ in missions} | {f + dt.timedelta(days=1) for _, _, f in missions if f is not None})
    out: list[dict[str, Any]] = []
    for i, start in enumerate(cuts):
        on = sorted(did for did, d, f in missions if d <= start and (f is None or start <= f))
        if not on:
            continue
        end = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else None
        out.append({"du": start.isoformat(), "au": end.isoformat() if end else None, "tutores": len(on), "dossiers": on})
    return out


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def show(
    conn: sa.Connection, registry: Any, personne_id: str, as_of: dt.date, rules: Mapping[str, set[str]],
    engine_dossiers: Callable[[sa.Connection, Sequence[str]], Mapping[str, Dossier]], label: str,
) -> dict[str, Any]:
    """A person as the store knows them (``cqpkit personne show``; the keys are in ``docs/store.md``).

    ``faits``: the person's facts (the copies agree); ``dossiers``: each dossier naming them, with the
    acteur's roles and mission, the load the store computes and the one the file declares, and the
    engine's findings on this tutor (``tuteur_…``: load, experience, training) as of ``as_of``;
    ``charge``: the load over time (periods with the same missions in progress); ``prime``: the
    lines of the tutor's mission (``quantite_de = "mission_tuteur"``) per calendar year, summed over
    the dossiers, each dossier's share with it. A dossier whose référentiel no loaded plugin supplies
    is listed, with ``regles`` false, and no finding nor line.
    """
    from cqpkit.formats.converter import output_converter
    from cqpkit.store.errors import NotFoundError, near_match

    person = conn.execute(sa.select(t.personnes).where(t.personnes.c.id == personne_id)).first()
    rows = _stored_rows(conn, [personne_id])
    if person is None or not rows:
        known = [r.id for r in conn.execute(sa.select(t.personnes.c.id).order_by(t.personnes.c.id).limit(31))]
        listed = ", ".join(known[:30]) + (" …" if len(known) > 30 else "") if known else "aucune"
        near = near_match(personne_id, conn.execute(sa.select(t.personnes.c.id)).scalars())
        raise NotFoundError(f"personne « {personne_id} » inconnue dans la base {label}{near} (personnes connues : {listed})")
    conv = output_converter()
    ids = sorted({r.dossier_id for r in rows})
    dossiers = engine_dossiers(conn, ids)
    certs = {r.id: (r.certification, r.version_referentiel) for r in conn.execute(
        sa.select(t.dossiers.c.id, t.dossiers.c.certification, t.dossiers.c.version_referentiel).where(t.dossiers.c.id.in_(ids)))}
    faits: dict[str, Any] = {k: None for k in PROFILE}
    entries, prime = [], {}
    for r in rows:
        for k in PROFILE:
            if faits[k] is None and _known(getattr(r, k)):
                faits[k] = _iso(getattr(r, k))
        d = dossiers[r.dossier_id]
        cert, version = certs[r.dossier_id]
        acteur = d.acteur(r.acteur_id)
        has_rules = version in rules.get(cert, ())
        entry = {
            "dossier": r.dossier_id, "certification": cert, "version": version, "acteur": r.acteur_id, "role": r.role,
            "roles_secondaires": json.loads(r.roles_secondaires), "mission_debut": _iso(r.mission_debut), "mission_fin": _iso(r.mission_fin),
            "tuteur": _is_tutor_row(r), "charge": acteur.tutores_simultanes if acteur and _is_tutor_row(r) else None,
            "charge_declaree": r.tutores_declares, "regles": has_rules, "constats": [],
        }
        if has_rules and acteur is not None and entry["tuteur"]:
            entry["constats"] = [
                conv.unstructure(c) for c in registry.check(d, as_of) if c.code.startswith("tuteur_") and c.valeurs.get("tuteur") == acteur.id
            ]
            ref = registry.referentiel_for(d)
            codes = {fid for fid, f in ref.financement.items() if f.quantite_de == "mission_tuteur"}
            alone = len(d.acteurs_with("tuteur")) == 1
            for line in registry.funding(d, as_of):
                if line.code in codes and (alone or f"Tuteur {acteur.id} " in line.notes):
                    p = prime.setdefault((line.annee, line.code, line.en), {
                        "annee": line.annee, "code": line.code, "libelle": line.libelle, "en": line.en, "montant": 0.0, "dossiers": {}})
                    p["montant"] = round(p["montant"] + line.montant, 2)
                    p["dossiers"][r.dossier_id] = round(p["dossiers"].get(r.dossier_id, 0.0) + line.montant, 2)
        entries.append(entry)
    missions = [(r.dossier_id, r.mission_debut, r.mission_fin) for r in rows if _is_tutor_row(r) and r.mission_debut is not None]
    return {
        "personne": personne_id,
        "connue_depuis": person.cree_le,
        "faits": faits,
        "dossiers": sorted(entries, key=lambda e: (e["mission_debut"] or "", e["dossier"])),
        "charge": periods(missions),
        "prime": [prime[k] for k in sorted(prime, key=lambda k: (k[0] or 0, k[1], k[2]))],
        "date": as_of.isoformat(),
    }
