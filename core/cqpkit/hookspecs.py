"""Every hook a cqpkit plugin can implement.

A plugin is a module (or object) registered under the entry-point group ``cqpkit``; it
implements any of these hooks with the ``cqpkit.hookimpl`` marker::

    from cqpkit import hookimpl

    @hookimpl
    def cqpkit_referentiels(register):
        register(files(__package__) / "referentiels" / "mon-cqp.toml")

Each docstring says, in this order: what the hook is for; when it is called; what it
returns and what ``None`` means; whether the first result stops the call; the
parameters. The rest of the code never calls ``pm.hook`` directly: it goes through
:class:`cqpkit.plugins.registry.Registry`, which validates what plugins send and names
the plugin when something goes wrong.

Every argument and answer is typed with the model's classes (``cqpkit.model``), imported
under ``TYPE_CHECKING`` only (free at run time: importing this module stays light), so that
mypy checks a plugin whose hooks carry the same annotations (``cqpkit`` ships ``py.typed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - type-only imports
    import os

    from cqpkit.model import Constat, Dossier, LigneFinancement, Parcours, Referentiel, Resultat, SessionJury

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("cqpkit")
hookimpl = pluggy.HookimplMarker("cqpkit")


# ---------------------------------------------------------------------------------------
# Référentiels
# ---------------------------------------------------------------------------------------


@hookspec
def cqpkit_referentiels(register: Callable[[os.PathLike[str] | str | Referentiel], None]) -> None:
    """Contribute référentiels (one dated version of a certification each).

    Called once, when the registry loads, for each plugin in load order.

    Returns nothing: the plugin calls ``register`` once per référentiel, with the path of a
    TOML file (usually found with ``importlib.resources``) or a
    :class:`~cqpkit.model.Referentiel` built in Python. The registry validates each
    contribution; an invalid one is reported under the plugin's name and the others
    still load. Two contributions with the same certification id and version (from one
    plugin or two) are an error naming both.

    Not ``firstresult``: every plugin contributes.

    :param register: the callback that takes a path or a ``Referentiel``.
    """


# ---------------------------------------------------------------------------------------
# Dossiers (implemented by the engine; the builtin plugins give the generic behaviour)
# ---------------------------------------------------------------------------------------


@hookspec
def cqpkit_check_dossier(
    referentiel: Referentiel, dossier: Dossier, date: dt.date, resultat: Resultat
) -> Sequence[Constat] | None:
    """Check a candidate's dossier against the rules of its référentiel.

    Called by each ``check`` (``Registry.check``, ``cqpkit check``), once per dossier,
    after the dossier file was validated against the référentiel, and after the
    dossier was decided (``cqpkit_decide``): the findings of the decision are added by
    the registry, so an implementation need not repeat them.

    Returns a list of ``Constat`` (code, level, French message, key path, source); an
    empty list means this plugin found nothing. ``None`` counts as an empty list.

    Not ``firstresult``: all implementations contribute and the findings are merged.

    :param referentiel: the version of the référentiel the dossier names.
    :param dossier: the ``Dossier``.
    :param date: the date "as of" which the dossier is read: what happened after it is
        not known yet; dated rules apply at the date of the event they constrain.
    :param resultat: the ``Resultat`` of ``cqpkit_decide`` for the same dossier and date
        (the plugin's decision when a plugin decides); an implementation may omit it.
    """


@hookspec
def cqpkit_check_session(
    referentiel: Referentiel, session: SessionJury, dossiers: Sequence[Dossier], historique: Sequence[SessionJury]
) -> Sequence[Constat] | None:
    """Check a jury session: composition, presidency, alternation, the candidates presented.

    Called by ``cqpkit check --session`` once per certification the session covers.

    Returns a list of ``Constat``; empty (or ``None``) when this plugin found nothing.

    Not ``firstresult``: all implementations contribute.

    :param referentiel: the référentiel of the certification checked.
    :param session: the ``SessionJury``.
    :param dossiers: the ``Dossier`` of each candidate presented to this session.
    :param historique: earlier ``SessionJury`` records of the same jury, newest first
        (for the alternation of the presidency).
    """


@hookspec(firstresult=True)
def cqpkit_plan_parcours(referentiel: Referentiel, dossier: Dossier, date: dt.date) -> Parcours | None:
    """Orient a candidate after the positionnement: the individualised ``Parcours``.

    Called by each ``plan`` (``Registry.plan``, ``cqpkit plan``), once per dossier.

    Returns a ``Parcours`` (per domaine: training or direct evaluation, modules, hours;
    or a re-orientation), or ``None`` to let the next implementation answer.

    ``firstresult``: the first non-``None`` answer wins; the builtin generic planner
    answers last.

    :param referentiel: the version of the référentiel the dossier names.
    :param dossier: the ``Dossier`` with its positionnement.
    :param date: the date "as of" which the rules in force are chosen.
    """


@hookspec(firstresult=True)
def cqpkit_decide(referentiel: Referentiel, dossier: Dossier, date: dt.date) -> Resultat | None:
    """Compute the ``Resultat`` of a dossier as of a date.

    Called by each ``decide`` (``Registry.decide``, ``cqpkit decide``), once per dossier.

    Returns a ``Resultat`` (status, acquired domaines with their validity, expired and
    remaining ones, certification date), or ``None`` to let the next implementation
    answer.

    ``firstresult``: the first non-``None`` answer wins; the builtin generic engine
    answers last.

    :param referentiel: the version of the référentiel the dossier names.
    :param dossier: the ``Dossier`` with its jury passages.
    :param date: the date "as of" which the result is computed.
    """


@hookspec
def cqpkit_funding(
    referentiel: Referentiel, dossier: Dossier, date: dt.date, resultat: Resultat
) -> Sequence[LigneFinancement] | None:
    """Compute the funding and reward lines of a dossier.

    Called by each ``funding`` (``Registry.funding``, ``cqpkit funding``), once per dossier,
    after the dossier was decided (``cqpkit_decide``).

    Returns a list of ``LigneFinancement`` (label, base, quantity, unit, rate, cap,
    amount, event date, source); empty (or ``None``) when this plugin has nothing to add.
    Each line takes the barème in force on the date of the event it pays (a training at
    its start, a month of tutoring at that month, a gratification at the day the jury
    delivered the CQP), never the as-of date.

    Not ``firstresult``: all implementations contribute and the lines are concatenated.

    :param referentiel: the version of the référentiel the dossier names.
    :param dossier: the ``Dossier``.
    :param date: the date "as of" which the dossier is read: events after it have not
        happened and give no line.
    :param resultat: the ``Resultat`` of ``cqpkit_decide`` for the same dossier and date
        (the plugin's decision when a plugin decides): a line due on certification reads
        ``resultat.statut`` and ``resultat.date_certification``; an implementation may omit it.
    """


# ---------------------------------------------------------------------------------------
# Printed documents
# ---------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def cqpkit_document_template(referentiel: Referentiel, kind: str) -> os.PathLike[str] | str | None:
    """Supply the Typst template of a printed document (its logo, its wording, a kind of its own).

    Called by each printing of a document about one of this plugin's référentiels
    (``Registry.document_template``, ``cqpkit document``, the conformance suite), once per
    document, before it is rendered; like the dossier hooks it reaches only the plugin that
    supplied the référentiel.

    Returns the path of a ``.typ`` file; ``None`` keeps cqpkit's own template. The template
    receives the same data as cqpkit's (``docs/documents.md`` gives each kind's shape and
    its JSON Schema) and may ``#import "papiers.typ": *`` or ``"commun.typ"`` (the layout
    helpers) and read any file beside it (a logo). A ``kind`` written ``BASE:NAME``
    (``attestation:stage``) is a kind of the plugin's own, printed from ``BASE``'s data:
    it exists only where a plugin answers.

    ``firstresult``: the first template given is used.

    :param referentiel: the référentiel (version) the document is about.
    :param kind: the kind of document: a name of ``cqpkit.documents.KINDS``, or ``BASE:NAME``.
    """
