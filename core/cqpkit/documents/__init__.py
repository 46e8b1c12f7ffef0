"""Printed documents: the seeds' forms and the jury's papers, as PDF through Typst (``cqpkit[documents]``).

A document is a Typst template (``templates/<name>.typ``) plus the data it is given, passed as JSON through
``sys.inputs``. One builder function per kind turns model objects (référentiel, dossier, session, decision
ledger, funding lines) into that data; templates only lay it out: every figure, date and label they print
comes from the engine or the référentiel, never computed a second time in a template.

This package imports no heavy library: :mod:`cqpkit.documents.typst` imports the compiler only when a PDF
is rendered, so that a missing extra is reported in French by the command that prints.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["KINDS", "Document", "Kind", "builder"]


@attrs.frozen
class Document:
    """One document to render: its kind, its template, the data given to the template, a suggested file name."""

    kind: str
    template: str  #: file name under ``templates/``, without ``.typ``
    data: Mapping[str, Any]
    filename: str  #: suggested file name, e.g. ``convocation-C-0301.pdf``
    #: ``(certification id, version)`` of each référentiel the document is about: a plugin's template
    #: (hook ``cqpkit_document_template``) is asked for through them (:func:`cqpkit.documents.typst.Renderer`).
    referentiels: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Kind:
    """A kind of document: its command name, what it is made from, and where its builder lives.

    ``source`` is one of ``referentiel`` (blank or filled forms of a référentiel), ``session`` (a jury
    session's papers), ``decision`` (a dossier's awards) and ``financement`` (funding statements).
    ``builder`` is a ``"module:function"`` reference, imported only when the kind is printed.
    """

    name: str
    title: str
    source: str
    builder: str


#: Every kind of document, by the name ``cqpkit document KIND`` takes.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("positionnement", "Entretien d'accueil et de positionnement", "referentiel", "cqpkit.documents.forms:positionnement"),
        Kind("livret-suivi", "Livret de suivi de la formation", "referentiel", "cqpkit.documents.forms:livret_suivi"),
        Kind("grille-tuteur", "Grilles intermédiaires du tuteur", "referentiel", "cqpkit.documents.forms:grille_tuteur"),
        Kind("livret-evaluation-finale", "Livret d'évaluation finale en entreprise", "referentiel",
             "cqpkit.documents.forms:livret_evaluation_finale"),
        Kind("convocation", "Convocation au jury", "session", "cqpkit.documents.jury:convocation"),
        Kind("proces-verbal", "Procès-verbal de jury", "session", "cqpkit.documents.jury:proces_verbal"),
        Kind("notification", "Notification de la décision du jury", "session", "cqpkit.documents.jury:notification"),
        Kind("attestation", "Attestation de validation partielle", "decision", "cqpkit.documents.awards:attestation"),
        Kind("certificat", "Certificat de qualification professionnelle", "decision", "cqpkit.documents.awards:certificat"),
        Kind("etat-financement", "État de financement", "financement", "cqpkit.documents.funding:etat_financement"),
    )
}


def builder(kind: str) -> Callable[..., Any]:
    """The builder function of ``kind`` (imported on first use)."""
    module, _, name = KINDS[kind].builder.partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn
