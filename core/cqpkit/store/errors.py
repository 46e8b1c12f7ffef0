"""The errors of the store, each a :class:`~cqpkit.exceptions.CqpkitError` with its exit code.

- :class:`StoreError` (exit 2): the database cannot be used at all — missing, unreadable,
  corrupted, not a cqpkit database, a schema of another version, a server that does not answer.
- :class:`StoreConflictError` (exit 1): the request was read and is refused — a closed jury
  session, a decision on an unknown domaine, a dossier or a session that does not exist. When the
  refusal comes from files, ``erreurs`` lists each problem with its file, line and key path.

This module imports nothing heavy: the CLI catches these without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable

from cqpkit.exceptions import CqpkitError, Erreur

__all__ = ["NotFoundError", "StoreConflictError", "StoreError", "UnloadableDossierError", "near_match"]


class StoreError(CqpkitError):
    """The database cannot be opened or used (exit code 2)."""

    exit_code = 2


class StoreConflictError(CqpkitError):
    """A request the store refuses (exit code 1); ``erreurs`` locates each problem in its file."""

    exit_code = 1

    def __init__(self, message: str, erreurs: list[Erreur] | tuple[Erreur, ...] = ()) -> None:
        self.erreurs = tuple(erreurs)
        lines = [message, *map(_located, self.erreurs)]
        super().__init__("\n".join(lines))


def _located(e: Erreur) -> str:
    """``file:line: path: message``; without the line when there is none (``ligne`` 0: not read from a file)."""
    if e.ligne:
        return str(e)
    return f"{e.fichier}: {e.chemin}: {e.message}" if e.chemin else f"{e.fichier}: {e.message}"


class NotFoundError(StoreConflictError):
    """A dossier, a candidate or a jury session that the store does not hold (exit code 1)."""


class UnloadableDossierError(StoreConflictError):
    """A stored dossier version the engines can no longer read (exit code 1): its JSON is not the format this
    cqpkit reads (written by another version, or changed outside cqpkit). ``raison`` says what, in French."""

    def __init__(self, dossier_id: str, numero: int | None, raison: str) -> None:
        self.dossier_id = dossier_id
        self.numero = numero
        self.raison = raison
        which = f"sa version {numero} enregistrée" if numero is not None else "sa dernière version enregistrée"
        super().__init__(f"dossier « {dossier_id} » : {which} ne se lit plus : {raison}")


def near_match(value: str, known: Iterable[str]) -> str:
    """« ; vouliez-vous dire « C-0301 » ? » when an id of the base is close to ``value`` (difflib, as the
    other « vouliez-vous dire » hints), else nothing. Read on the error path only: ``known`` may be every id."""
    import difflib

    near = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f" ; vouliez-vous dire « {near[0]} » ?" if near else ""
