"""What the store commands share (:mod:`~cqpkit.cli.store`, :mod:`~cqpkit.cli.jury`, :mod:`~cqpkit.cli.records`).

Every store command takes ``--db`` (a SQLite file, default ``$CQPKIT_DB`` or ``cqpkit.db``, or a
``postgresql://`` URL); those that change something take ``--operateur`` (default
``$CQPKIT_OPERATEUR``, else the system user), recorded in the audit log. Exit codes as
everywhere: 0 fine; 1 refused (invalid input, a closed session, an unknown dossier, a broken
audit chain), or a report that had to leave out certifications whose plugin is not loaded (the
report is printed, the certifications left out are said on stderr); 2 usage error, unreadable file
or unusable database. These modules are imported only when a store command runs, and SQLAlchemy
only when a database is opened, so ``cqpkit list`` never loads them.
"""

from __future__ import annotations

import argparse
from typing import Any

from cqpkit.cli.common import parse_date

__all__ = ["actions", "decision_label", "decision_value", "decisions_text", "open_store", "operateur", "store_options"]

_DB_HELP = "base : fichier SQLite (défaut : $CQPKIT_DB, sinon cqpkit.db) ou adresse postgresql://utilisateur@hôte/base"
_OP_HELP = "qui fait la modification, inscrit au journal d'audit (défaut : $CQPKIT_OPERATEUR, sinon l'utilisateur du système)"


def store_options(p: argparse.ArgumentParser, *, write: bool = False, json: bool = False, as_of: bool = False, debug: bool = True) -> None:
    """``--db`` and, as asked, ``--operateur``, ``--as-of``, ``--json``, ``--debug``."""
    p.add_argument("--db", metavar="BASE", help=_DB_HELP)
    if write:
        p.add_argument("--operateur", metavar="NOM", help=_OP_HELP)
    if as_of:
        p.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="date d'évaluation (AAAA-MM-JJ ; défaut : aujourd'hui)")
    if json:
        p.add_argument("--json", action="store_true", help="sortie JSON")
    if debug:  # the command's parser has it already; an action's parser needs its own (SUPPRESS: keep the command's)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="afficher la trace Python en cas d'erreur")


def actions(p: argparse.ArgumentParser) -> Any:
    """The sub-parsers of a command's actions (``jury open``, ``report campaign``…), one required."""
    sub = p.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    return sub


def open_store(args: argparse.Namespace, *, create: bool = False, check: bool = True) -> Any:
    """The store of ``--db`` (a context manager)."""
    from cqpkit.store.store import Store

    return Store.open(getattr(args, "db", None), create=create, check=check)


def operateur(args: argparse.Namespace) -> str:
    """Who makes the change: ``--operateur``, else ``$CQPKIT_OPERATEUR``, else the system user."""
    from cqpkit.store.store import operateur_par_defaut

    return (getattr(args, "operateur", None) or "").strip() or operateur_par_defaut()


def decision_value(key: str, value: Any) -> str:
    """``non acquis``; for the whole certification, in the feminine: ``non acquise``."""
    text = str(value).replace("_", " ")
    # "certification" is cqpkit.model.CERTIFICATION_ENTIERE (the model is not imported at start-up).
    return text + "e" if key == "certification" and value in ("acquis", "non_acquis") else text


def decision_label(key: str) -> str:
    """A domaine id, or « certification entière » for a decision on the whole certification."""
    return "certification entière" if key == "certification" else key


def decisions_text(decisions: dict[str, Any]) -> str:
    """``D1 acquis, D3 non acquis``; the whole certification (référentiel without domaines): ``certification entière acquise``."""
    return ", ".join(f"{decision_label(k)} {decision_value(k, v)}" for k, v in decisions.items()) or "aucune décision"
