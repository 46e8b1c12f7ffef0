"""The exceptions cqpkit raises, and the error record they carry.

Every error a user can cause derives from :class:`CqpkitError`; the CLI turns them into
French messages and exit codes (1 for invalid input, 2 for usage or unreadable input)
without a traceback. This module imports nothing heavy: the CLI's fast paths use it.
"""

from __future__ import annotations

import errno
from typing import NamedTuple

__all__ = [
    "CqpkitError",
    "DuplicateReferentielError",
    "Erreur",
    "InvalidArgumentError",
    "InvalidFileError",
    "ModelError",
    "ModelTypeError",
    "ModelValueError",
    "PluginError",
    "UnknownCertificationError",
    "UnreadableFileError",
]


class Erreur(NamedTuple):
    """One problem in one file: where (file, line, key path) and what, in French."""

    fichier: str
    ligne: int
    chemin: str
    message: str

    def __str__(self) -> str:
        where = f"{self.fichier}:{self.ligne}"
        return f"{where}: {self.chemin}: {self.message}" if self.chemin else f"{where}: {self.message}"


class CqpkitError(Exception):
    """Base class of the errors a user's input or environment can cause."""

    exit_code = 1


class InvalidFileError(CqpkitError):
    """A file was read and is invalid; ``erreurs`` lists every problem found, in file order."""

    exit_code = 1

    def __init__(self, fichier: str, erreurs: list[Erreur] | tuple[Erreur, ...]) -> None:
        self.fichier = fichier
        self.erreurs = tuple(erreurs)
        n = len(self.erreurs)
        head = f"{fichier} : {n} erreur{'s' if n > 1 else ''}"
        super().__init__("\n".join([head, *map(str, self.erreurs)]))


class UnreadableFileError(CqpkitError):
    """A file could not be read at all (missing, a directory, not UTF-8, permissions)."""

    exit_code = 2


class UnknownCertificationError(CqpkitError, KeyError):
    """No référentiel matches the certification id, version or date asked for."""

    exit_code = 1

    def __str__(self) -> str:  # KeyError would add quotes
        return str(self.args[0])


class DuplicateReferentielError(CqpkitError):
    """Two plugins (or two files) supply the same certification id and version."""

    exit_code = 1


class InvalidArgumentError(CqpkitError, TypeError, ValueError):
    """A Python caller passed an argument of the wrong type or value (a date as text, a negative count…).

    Raised by the API before any plugin is called, so that the mistake is not reported as a
    plugin's failure; it is also a :class:`TypeError` and a :class:`ValueError`, which is what
    plain Python code would catch.
    """

    exit_code = 2


class ModelError(Exception):
    """A model object built with a value its class refuses (:mod:`cqpkit.model.invariants`).

    ``classe`` and ``champ`` name the class and the field (``niveau``, ``roles_requis[1]``,
    ``decisions.D1``), ``raison`` says what is wrong, in French. Raised where the object is
    built; inside a plugin's hook, the registry reports it as that plugin's error, with the
    file and line that built the object. Not a :class:`CqpkitError`: it is a programming
    mistake, not a user's input (files are checked by the format layer, path by path).
    """

    def __init__(self, classe: str, champ: str, raison: str) -> None:
        self.classe = classe
        self.champ = champ
        self.raison = raison
        super().__init__(f"{classe}.{champ} : {raison}")


class ModelValueError(ModelError, ValueError):
    """A value outside a closed set, or an empty id (also a :class:`ValueError`)."""


class ModelTypeError(ModelError, TypeError):
    """A value of the wrong type: a datetime or a text for a date, a number for a closed set (also a :class:`TypeError`)."""


class PluginError(CqpkitError):
    """A plugin failed to import, register or run; ``plugin`` names it."""

    exit_code = 1

    def __init__(self, plugin: str, raison: str) -> None:
        self.plugin = plugin
        self.raison = raison
        super().__init__(f"extension « {plugin} » : {raison}")


#: The system's reasons (English in ``strerror``) that a user can cause, in French.
_OS_REASONS = {
    errno.ENOENT: "fichier ou répertoire introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un répertoire, pas un fichier",
    errno.ENOTDIR: "une partie du chemin n'est pas un répertoire",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques : une boucle de liens ?",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EIO: "erreur d'entrée-sortie",
    errno.ENXIO: "périphérique ou adresse inexistant",
    errno.EINVAL: "argument invalide",
}


def os_reason(exc: OSError) -> str:
    """Why a system call failed, in French where the reason is one a user can cause (else the system's text)."""
    return _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__
