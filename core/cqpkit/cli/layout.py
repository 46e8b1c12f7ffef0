"""The text layout of the store's reports: 100 columns, candidates by name, domaines by label, grouped.

Standard library only at import time (the commands that use it are store commands, but ``cqpkit list``
imports :mod:`cqpkit.cli.records`, which imports this module).

- :func:`fill`: one logical line cut into lines of at most :data:`WIDTH` columns, the following lines
  indented (a hanging indent); ``large`` leaves it whole (``--large``).
- :func:`short`: a label (a domaine's intitulé) shortened at a word boundary, ending with « … ».
- :class:`Labels`: the intitulés of the domaines of each (certification, version), read once from the
  registry; « D1 Relation client » rather than « D1 ».
- :func:`candidate`: « Nom Prénom (C-0301) », « [effacé] (C-0301) », or « C-0301 » with ``--anonyme``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["WIDTH", "Labels", "candidate", "decisions_grouped", "fill", "group_domaines", "large_options", "short"]

#: The width of every text report unless ``--large`` is given.
WIDTH = 100
#: How long a domaine's intitulé may be in a report line (``--large``: in full).
LABEL = 40


def large_options(p: argparse.ArgumentParser, *, anonyme: bool = True) -> None:
    """``--large`` (the wide form: nothing cut or wrapped) and ``--anonyme`` (candidates by id only)."""
    p.add_argument("--large", action="store_true", help="forme large : lignes non coupées, intitulés en entier (sinon 100 colonnes)")
    if anonyme:
        p.add_argument("--anonyme", action="store_true", help="candidats désignés par leur seul identifiant, sans nom")


def fill(text: str, indent: int = 0, hang: int = 2, *, large: bool = False, width: int = WIDTH) -> list[str]:
    """``text`` after ``indent`` spaces, cut at spaces into lines of at most ``width`` columns; the following lines
    are indented ``hang`` more. A word longer than the room is cut after a ``.``, ``-``, ``/`` or ``,``, or else
    where it must. ``large``: one line, as it is. Control characters and newlines are escaped first (the lines
    go to :func:`~cqpkit.cli.output.print_lines`, which cuts at newlines)."""
    from cqpkit.cli.common import wrap_cell
    from cqpkit.cli.output import escape

    text = escape(text)  # a value's newline or control character is shown, never a line of its own (print_lines)
    if large:
        return [" " * indent + text]
    first = wrap_cell(text, max(width - indent, 8))
    if len(first) <= 1:
        return [" " * indent + text]
    head = first[0]
    rest = wrap_cell(text[len(head):].lstrip(" "), max(width - indent - hang, 8))
    return [" " * indent + head, *(" " * (indent + hang) + line for line in rest)]


def short(text: str, size: int = LABEL) -> str:
    """``text`` cut at a word boundary so as to hold in ``size`` characters, « … » included; whole when it fits."""
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text[: size - 1]
    if " " in cut and text[size - 1] != " ":
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.'’-") + "…"


class Labels:
    """The intitulés of the domaines, per (certification, version), from the registry; an id the référentiel
    does not know (or a référentiel no plugin supplies) is shown alone."""

    def __init__(self, registry: Any, *, large: bool = False) -> None:
        self._registry = registry
        self._large = large
        self._cache: dict[tuple[str, str | None], dict[str, str]] = {}

    def of(self, certification: str, version: str | None) -> dict[str, str]:
        key = (certification, version)
        if key not in self._cache:
            from cqpkit.exceptions import CqpkitError

            try:
                ref = self._registry.referentiel(certification, version)
                self._cache[key] = {d.id: d.intitule for d in ref.domaines}
            except CqpkitError:  # a label is a courtesy: without the référentiel (no plugin supplies it), the id alone
                self._cache[key] = {}
        return self._cache[key]

    def label(self, certification: str, version: str | None, domaine: str) -> str:
        """« D1 Relation client » (shortened unless ``--large``); « certification entière »; the id alone when unknown."""
        if domaine == "certification":
            return "certification entière"
        text = self.of(certification, version).get(domaine)
        if not text:
            return domaine
        return f"{domaine} {text if self._large else short(text)}"

    def labels(self, certification: str, version: str | None, domaines: Iterable[str]) -> str:
        return ", ".join(self.label(certification, version, d) for d in domaines)


def candidate(cid: str | None, names: Mapping[str, Mapping[str, Any]] | None) -> str:
    """« Nom Prénom (C-0301) » when the store holds the name, « [effacé] (C-0301) » for an erased candidate,
    the id alone with ``--anonyme`` (``names`` is ``None``) or when no name is recorded."""
    if not cid:
        return "candidat inconnu"
    if names is None:
        return cid
    n = names.get(cid)
    if not n:
        return cid
    if n.get("efface"):
        return f"[effacé] ({cid})"
    who = " ".join(x for x in (n.get("nom"), n.get("prenom")) if x)
    return f"{who} ({cid})" if who else cid


def group_domaines(decisions: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The domaines of ``decisions`` grouped by decision, in the order of their first domaine: [(value, [domaines])]."""
    groups: dict[str, list[str]] = {}
    for k, v in decisions.items():
        groups.setdefault(str(v), []).append(k)
    return list(groups.items())


def decisions_grouped(decisions: Mapping[str, Any], labels: Labels, certification: str, version: str | None) -> str:
    """« acquis : D1 Relation client, D3 … ; non acquis : D2 … » (the domaines grouped by decision, labelled);
    a decision on the whole certification as :func:`~cqpkit.cli.store_common.decisions_text` says it."""
    from cqpkit.cli.store_common import decision_value, decisions_text

    if not decisions:
        return "aucune décision"
    if "certification" in decisions:
        return decisions_text(dict(decisions))
    return " ; ".join(f"{decision_value(ks[0], v)} : {labels.labels(certification, version, ks)}" for v, ks in group_domaines(decisions))
