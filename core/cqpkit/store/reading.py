"""What ``cqpkit import`` reads: dossier and jury-session files, validated before anything is written.

Every file is read with the format layer's loaders (:mod:`cqpkit.formats.dossiers`, with the
registry: the référentiel a dossier names must be installed) and every error of every file is
collected; :func:`read_files` raises :class:`~cqpkit.exceptions.InvalidFileError`-like errors
only after all files were read, so one run reports every problem at once.

A dossier's **content** is its file as JSON, minus the candidate's personal data (the candidate
is reduced to its ``id``; the personal fields are kept apart, in the ``candidats`` table, the one
place export and erasure act on). Its **fingerprint** is the SHA-256 of that content's canonical
JSON: re-importing a file whose content did not change (comments, spacing, key order do not
count) is a no-op; a change is a new version of the dossier.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from cqpkit.exceptions import CqpkitError, Erreur, InvalidFileError, UnreadableFileError
from cqpkit.model import Candidat, Dossier, SessionJury
from cqpkit.store.audit import canonical

__all__ = ["DossierLu", "ImportErrors", "Lot", "SessionLue", "collect_paths", "personal_fields", "read_files", "read_lot", "without_cycle_collector"]

#: The fields of ``[candidat]`` that are personal data (all but ``id``).
PERSONAL = tuple(a.name for a in attrs.fields(Candidat) if a.name != "id")


def personal_fields(candidat: Candidat) -> dict[str, Any]:
    """The personal data of a candidate, as stored (dates as dates)."""
    return {name: getattr(candidat, name) for name in PERSONAL}


@attrs.frozen
class DossierLu:
    """A dossier file read and validated: the object, its content without personal data, its fingerprint."""

    fichier: str
    dossier: Dossier
    contenu: str
    empreinte: str
    #: The canonical JSON of each evaluation (as it appears in ``contenu``), kept to spare the store a second
    #: conversion. (The content as data is not kept: a lot of 100 000 dossiers would hold millions of small
    #: containers, which the cycle collector walks at every full pass.)
    evaluations: tuple[str, ...] = attrs.field(eq=False, repr=False, default=())
    #: The fingerprint (SHA-256) of each of those texts, which the store compares with the evaluations it holds.
    empreintes_evaluations: tuple[str, ...] = attrs.field(eq=False, repr=False, default=())


@attrs.frozen
class SessionLue:
    """A jury-session file read and validated; the fingerprint leaves ``cloturee`` out (see the store)."""

    fichier: str
    session: SessionJury
    contenu: str
    empreinte: str


@attrs.frozen
class Lot:
    """Everything one ``cqpkit import`` call writes, or nothing."""

    dossiers: tuple[DossierLu, ...] = ()
    sessions: tuple[SessionLue, ...] = ()


class ImportErrors(CqpkitError):
    """Some files of an import are unreadable or invalid: nothing was written (exit 1, or 2 if one is unreadable)."""

    def __init__(self, problems: Sequence[CqpkitError]) -> None:
        self.problems = tuple(problems)
        self.exit_code = 2 if any(isinstance(p, UnreadableFileError) for p in problems) else 1
        n = len(problems)
        head = f"import refusé : {n} fichier{'s' if n > 1 else ''} en erreur, rien n'a été enregistré"
        super().__init__("\n".join([*(str(p) for p in problems), head]))


def collect_paths(paths: Iterable[str]) -> list[str]:
    """The files to import: each file given, and every ``*.toml`` under each directory given (sorted).

    A file reached twice (named twice, or named and inside a directory named too) is read once, where it
    is first reached: it is the same file, not two files describing the same dossier.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            out.append(path)

    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(".toml") and not f.startswith("."))
            for f in sorted(found):
                add(f)
        else:
            add(path)
    return out


@contextlib.contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step (turned back on after, if it was on).

    Building the rows of a large import allocates millions of small containers while the lot
    itself stays alive: the collector then runs every few hundred allocations and its full passes
    walk everything alive, the lot included — about a third of the time of preparing an import
    (``bench/store.py``). These steps create no reference cycles of their own, so nothing is
    lost: reference counting still frees everything at once, and whatever cycle there might be is
    collected at the collector's next pass after the step. Only the cyclic collector is paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fingerprint(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def dossier_content(dossier: Dossier) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """The content (canonical JSON, candidate reduced to its id), its fingerprint, and the canonical JSON of each evaluation and its fingerprint.

    All of it depends on the file alone: ``cqpkit import`` computes it while it reads the files,
    before it opens the database.

    The candidate's personal data are left out by replacing the unstructured ``candidat`` with its
    id alone — what unstructuring ``Candidat(id=…)`` writes, every other field being at its default
    (``tests/test_store_fastpaths.py`` checks both agree).
    """
    from cqpkit.formats.converter import json_converter

    data = json_converter().unstructure(dossier)
    data["candidat"] = {"id": dossier.candidat.id}
    text = canonical(data)
    evaluations = data.get("evaluations")
    if not evaluations:
        return text, _fingerprint(text), (), ()
    texts = tuple(map(canonical, evaluations))
    return text, _fingerprint(text), texts, tuple(map(_fingerprint, texts))


def session_content(session: SessionJury) -> tuple[str, str]:
    """The content of a session (canonical JSON) and its fingerprint, ``cloturee`` left out of the latter."""
    from cqpkit.formats.converter import json_converter

    text = canonical(json_converter().unstructure(session))
    unclosed = attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False))
    return text, _fingerprint(canonical(json_converter().unstructure(unclosed)))


def read_lot(dossiers: Iterable[tuple[str, Dossier]] = (), sessions: Iterable[tuple[str, SessionJury]] = ()) -> Lot:
    """A :class:`Lot` from objects already validated (the Python API: no files)."""
    with without_cycle_collector():
        ds = tuple(DossierLu(f, d, *dossier_content(d)) for f, d in dossiers)
        ss = tuple(SessionLue(f, s, *session_content(s)) for f, s in sessions)
    return Lot(ds, ss)


def read_files(paths: Sequence[str], registry: Any) -> Lot:
    """Read and validate every file; raise :class:`ImportErrors` with every problem, or return the lot."""
    from cqpkit.formats.dossiers import dossier_from_document, file_kind, session_from_document
    from cqpkit.formats.tomlfile import parse_toml, read_text

    problems: list[CqpkitError] = []
    dossiers: list[DossierLu] = []
    sessions: list[SessionLue] = []
    seen: dict[tuple[str, str], str] = {}
    for path in collect_paths(paths):
        try:
            doc = parse_toml(read_text(path), path)
            kind = file_kind(doc.data)
            if kind == "dossier":
                d = dossier_from_document(doc, registry)
                key = ("dossier", d.id)
                if key in seen:
                    raise InvalidFileError(path, [doc.erreur(("dossier", "id"), f"dossier « {d.id} » déjà lu dans {seen[key]} (un fichier par dossier)")])
                seen[key] = path
                dossiers.append(DossierLu(path, d, *dossier_content(d)))
            elif kind == "session":
                s = session_from_document(doc, registry)
                key = ("session", s.id)
                if key in seen:
                    raise InvalidFileError(path, [doc.erreur(("session", "id"), f"session « {s.id} » déjà lue dans {seen[key]} (un fichier par session)")])
                seen[key] = path
                sessions.append(SessionLue(path, s, *session_content(s)))
            else:
                what = f"un {kind}" if kind else "un fichier non reconnu"
                raise InvalidFileError(
                    path,
                    [Erreur(path, 1, "", f"{what} ne s'importe pas : la base reçoit des dossiers (table [dossier]) et des sessions de jury (table [session])")],
                )
        except (InvalidFileError, UnreadableFileError) as exc:
            problems.append(exc)
    if problems:
        raise ImportErrors(problems)
    # Two dossiers of one candidate must agree on the candidate's personal data.
    by_candidate: dict[str, DossierLu] = {}
    for lu in dossiers:
        first = by_candidate.setdefault(lu.dossier.candidat.id, lu)
        if first is not lu and personal_fields(first.dossier.candidat) != personal_fields(lu.dossier.candidat):
            diff = [k for k in PERSONAL if getattr(first.dossier.candidat, k) != getattr(lu.dossier.candidat, k)]
            doc = parse_toml(read_text(lu.fichier), lu.fichier)
            problems.append(
                InvalidFileError(
                    lu.fichier,
                    [doc.erreur(("candidat", diff[0]), f"candidat « {lu.dossier.candidat.id} » décrit autrement dans {first.fichier} ({', '.join(diff)})")],
                )
            )
    if problems:
        raise ImportErrors(problems)
    return Lot(tuple(dossiers), tuple(sessions))
