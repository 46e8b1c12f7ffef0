"""Shared helpers of the check modules: the French role names, the finding constructor, the event labels, :func:`sort_constats`.

Part of :mod:`cqpkit.rules.checks` (see its docstring for what a finding holds and how ``as_of`` reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cqpkit.model import Constat, Referentiel, Source
from cqpkit.model.invariants import quick_constructor

__all__ = ["sort_constats"]


_ROLES = {
    "tuteur": "tuteur",
    "n_plus_1": "responsable hiérarchique (N+1)",
    "formateur_suivi": "formateur de suivi",
    "formateur_interne": "formateur interne",
    "professionnel_experimente": "professionnel expérimenté",
    "evaluateur": "évaluateur",
    "responsable_rh": "responsable RH",
    "responsable_session": "responsable de session",
    "consultant": "consultant",
}


def _role(role: str) -> str:
    return _ROLES.get(role, role)


def _first(sources: Sequence[Source]) -> Source | None:
    return sources[0] if sources else None


_NUMBERS = re.compile(r"(\d+)")


@lru_cache(maxsize=4096)  # the same few paths in every dossier (« passages[0].decisions.D1 »): split once
def _chemin_key(chemin: str) -> tuple[object, ...]:
    # re.split with a capturing group alternates text and digits, text first: positions keep one type.
    parts = _NUMBERS.split(chemin)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def sort_constats(constats: Iterable[Constat]) -> list[Constat]:
    """Findings sorted by ``chemin`` (numeric indices), then ``code``, then ``message``."""
    return sorted(constats, key=lambda c: (_chemin_key(c.chemin), c.code, c.message))


#: ``_constat(code, niveau, message, *, chemin, source, regle, valeurs)``: a :class:`Constat`, built without attrs'
#: generic ``__init__`` (the same invariants, tested inline: :func:`cqpkit.model.invariants.quick_constructor`).
_constat = quick_constructor(Constat)


# ----------------------------------------------------------------------- events
_EVENT_LABELS = {
    "inscription": "l'inscription",
    "nomination": "la nomination",
    "depot_dossier": "le dépôt du dossier",
    "debut_formation": "le début de la formation",
    "fin_formation": "la fin de la formation",
    "premier_passage": "le premier passage devant le jury",
    "passage": "le passage devant le jury",
}


def _event_label(ref: Referentiel, name: str) -> str:
    kind, colon, ident = name.partition(":")
    if colon and kind == "module":
        titles = {m.id: m.intitule for m in ref.modules}
        return f"le module « {titles.get(ident, ident)} »"
    if colon and kind == "epreuve":
        titles = {e.id: e.intitule for e in ref.epreuves}
        return f"l'épreuve « {titles.get(ident, ident)} »"
    return _EVENT_LABELS.get(name, name)
