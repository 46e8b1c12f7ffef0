"""The lookups a dossier is checked with that depend only on its référentiel, built once per référentiel.

Checking a dossier against its référentiel asks, for every evaluation, passage or activité, whether an id
is one of the référentiel's domaines, modules, épreuves, critères of an épreuve, or values of an échelle.
Those lists depend on the référentiel alone: :func:`referentiel_index` builds them once (the ordered lists
the messages show, and sets for membership) and keeps them as long as the référentiel object lives (a
weak reference: a référentiel read again, or dropped, gets or frees its own). A loaded référentiel is never
changed in place (frozen model objects), so the index cannot go stale.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Referentiel

T = TypeVar("T")

__all__ = ["EpreuveIndex", "ReferentielIndex", "per_referentiel", "referentiel_index"]


class EpreuveIndex:
    """One épreuve's lookups: its critères by id (with the échelle each is marked on), its verdict échelle."""

    __slots__ = ("critere_ids", "criteres", "domaines", "epreuve", "type", "verdict")

    def __init__(self, epreuve: Any) -> None:
        self.epreuve = epreuve
        self.type = epreuve.type
        self.domaines = tuple(epreuve.domaines)
        #: critère id → the name of the échelle its value is on (its own, else the épreuve's; None: none).
        self.criteres: dict[str, str | None] = {}
        for c in epreuve.criteres:  # (the last of a repeated id wins, in its first place, as in a dict built from them)
            self.criteres[c.id] = c.echelle or epreuve.echelle
        self.critere_ids = ", ".join(self.criteres) or "aucun"
        self.verdict = epreuve.verdict


class ReferentielIndex:
    """The lookups of one référentiel (see the module docstring); lists in the file's order, for messages."""

    __slots__ = (
        "__weakref__",
        "domaine_set",
        "domaines",
        "echelles",
        "epreuves",
        "mention_set",
        "mentions",
        "module_set",
        "modules",
        "positionnement_echelle",
        "prerequis",
        "prerequis_set",
        "voies",
    )

    def __init__(self, ref: Referentiel) -> None:
        self.domaines = [d.id for d in ref.domaines]
        self.domaine_set = frozenset(self.domaines)
        self.modules = [m.id for m in ref.modules]
        self.module_set = frozenset(self.modules)
        self.mentions = list(ref.certification.mentions)
        self.mention_set = frozenset(self.mentions)
        self.prerequis = [p.id for p in ref.prerequis]
        self.prerequis_set = frozenset(self.prerequis)
        #: voie id → the ids of its documents_requis.
        self.voies: dict[str, list[str]] = {}
        for v in ref.voies:
            self.voies[v.id] = [d.id for d in v.documents_requis]
        #: échelle name → (its value ids in order, the same as a set).
        self.echelles: dict[str, tuple[list[str], frozenset[str]]] = {}
        for name, echelle in ref.echelles.items():
            values = [n.id for n in echelle.valeurs]
            self.echelles[name] = (values, frozenset(values))
        self.epreuves: dict[str, EpreuveIndex] = {eid: EpreuveIndex(e) for eid, e in ref.epreuves_par_id.items()}
        self.positionnement_echelle = next(
            (e.echelle for e in ref.epreuves if e.type == "positionnement" and e.echelle in ref.echelles), None
        )

    def echelle_problem(self, value: str, name: str) -> str | None:
        """The message saying ``value`` is not on the échelle ``name``, or ``None`` (on it, or no such échelle)."""
        scale = self.echelles.get(name)
        if scale is None or value in scale[1]:
            return None
        return f"valeur « {value} » hors de l'échelle « {name} » (valeurs possibles : {', '.join(scale[0])})"


#: id(référentiel) → (a weak reference to it, what was built from it by builder); an entry goes with its référentiel.
_INDEXES: dict[int, tuple[weakref.ref[Any], dict[Callable[[Any], Any], Any]]] = {}


def referentiel_index(ref: Referentiel) -> ReferentielIndex:
    """The index of ``ref``, built at the first call for this object and kept while it lives."""
    return per_referentiel(ref, ReferentielIndex)


def per_referentiel(ref: Any, build: Callable[[Any], T]) -> T:
    """``build(ref)``, computed once per référentiel object and kept while it lives (weakly).

    For lookups that depend on the référentiel only (the rules' too: :mod:`cqpkit.rules.checks`): ``build``
    must be a module-level function (it is the key) of ``ref`` alone, whose result is not changed afterwards.
    """
    key = id(ref)
    entry = _INDEXES.get(key)
    if entry is None or entry[0]() is not ref:
        entry = _new_entry(ref)
    built = entry[1]
    if build not in built:
        built[build] = build(ref)
    return built[build]


def _new_entry(ref: Any) -> tuple[weakref.ref[Any], dict[Callable[[Any], Any], Any]]:
    key = id(ref)

    def forget(dead: weakref.ref[Any], key: int = key) -> None:
        if _INDEXES.get(key, (None,))[0] is dead:  # (not the entry of a newer object at the same address)
            del _INDEXES[key]

    entry: tuple[weakref.ref[Any], dict[Callable[[Any], Any], Any]] = (weakref.ref(ref, forget), {})
    _INDEXES[key] = entry
    return entry
