"""What ``cqpkit import`` reads: dossier and jury-session files, validated before anything is written.

Every file is read with the format layer's loaders (:mod:`cqpkit.formats.dossiers`, with the
registry: the référentiel a dossier names must be installed) and every error of every file is
collected; :func:`read_files` raises :class:`~cqpkit.exceptions.InvalidFileError`-like errors
only after all files were read, so one run reports every problem at once.

A dossier's **content** is its file as JSON, minus the candidate's personal data (the candidate
is reduced to its ``id``; the personal fields are kept apart, in the ``candidats`` table) and
minus the personal fields of the dossier itself (:data:`cqpkit.store.crypto.PERSONAL_FIELDS`:
notes, acteurs' organisation and function, past jobs…), kept apart too: the store writes them
encrypted with the candidate's key. Its **public fingerprint** is the SHA-256 of that content's
canonical JSON; the store's fingerprint is keyed (HMAC with the candidate's key, over the content
and its personal fields): re-importing a file whose content did not change (comments, spacing, key
order do not count) is a no-op; a change is a new version of the dossier.

Everything that depends on a file alone is computed before the store's write transaction, during
which other writers wait: the content and the fingerprints here, while reading, before the
database is opened; the **deadlines** of the dossiers new to the base (:func:`deadlines`: first
jury, expiry of each partial award, with the engine) by :meth:`Store.import_lot` just before its
transaction (:func:`with_deadlines`: it asks the base which dossiers it holds, so that a re-import
of unchanged files does not run the engine). The transaction is left with what depends on the
base: comparing with what it holds, the audit chain, the rows and the SQL (``bench/store.py``
measures each part).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import time
from collections.abc import Container, Iterable, Iterator, Sequence
from typing import Any

import attrs

from cqpkit.exceptions import CqpkitError, Erreur, InvalidFileError, UnreadableFileError
from cqpkit.model import Candidat, Dossier, SessionJury
from cqpkit.store.audit import canonical

__all__ = [
    "DossierLu",
    "ImportErrors",
    "Lot",
    "SessionLue",
    "candidate_conflicts",
    "collect_paths",
    "deadlines",
    "lot_errors",
    "person_conflicts",
    "personal_fields",
    "read_files",
    "read_lot",
    "refused_objects",
    "with_deadlines",
    "without_cycle_collector",
]

#: The fields of ``[candidat]`` that are personal data (all but ``id``).
PERSONAL = tuple(a.name for a in attrs.fields(Candidat) if a.name != "id")


def personal_fields(candidat: Candidat) -> dict[str, Any]:
    """The personal data of a candidate, as stored (dates as dates)."""
    return {name: getattr(candidat, name) for name in PERSONAL}


@attrs.frozen
class DossierLu:
    """A dossier file read and validated: the object, its content without personal data, that content's fingerprint,
    and its personal fields apart (``personnel``, ``[path, value]`` pairs, which the store encrypts)."""

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
    #: The dossier's deadlines as its file gives them (:func:`deadlines`), computed with the lot's registry by
    #: :func:`with_deadlines` before the store's write transaction, for a dossier new to the base; ``None`` when not
    #: computed. A new version of a stored dossier has its deadlines recomputed from what the base holds.
    echeances: tuple[tuple[str, str, dt.date, dt.date], ...] | None = attrs.field(eq=False, repr=False, default=None)
    #: The personal fields taken out of ``contenu`` (:func:`cqpkit.store.crypto.split_personal`), as ``[path, value]``.
    personnel: tuple[Any, ...] = attrs.field(eq=False, repr=False, default=())
    #: The canonical JSON of ``personnel`` (what the keyed fingerprint covers with ``contenu``).
    personnel_texte: str = attrs.field(eq=False, repr=False, default="")
    #: The dossier's stored results as its file gives them (:func:`cqpkit.store.results.result_rows`: the row of
    #: ``resultats`` and those of ``resultat_periodes``), computed before the write transaction for a dossier new to
    #: the base that names no person (``acteurs.personne``); ``None`` when not computed (the store computes them after).
    resultats: tuple[Any, ...] | None = attrs.field(eq=False, repr=False, default=None)


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
    #: The registry the dossiers' deadlines were computed with (``DossierLu.echeances``, :func:`with_deadlines`):
    #: the store uses them only if it works with the same registry.
    registry: Any = attrs.field(eq=False, repr=False, default=None)


class ImportErrors(CqpkitError):
    """Some files of an import are unreadable or invalid: nothing was written (exit 1, or 2 if one is unreadable)."""

    def __init__(self, problems: Sequence[CqpkitError]) -> None:
        self.problems = tuple(problems)
        self.exit_code = 2 if any(isinstance(p, UnreadableFileError) for p in problems) else 1
        n = len(problems)
        head = f"import refusé : {n} fichier{'s' if n > 1 else ''} en erreur, rien n'a été enregistré"
        super().__init__("\n".join([*(str(p) for p in problems), head]))


#: The files a directory given to ``cqpkit import`` contributes: dossier and session files, dossier tables.
_IMPORTED = (".toml", ".csv", ".xlsx")


def collect_paths(paths: Iterable[str]) -> list[str]:
    """The files to import: each file given, and every ``*.toml``, ``*.csv`` and ``*.xlsx`` (dossier tables) under each
    directory given (sorted); hidden files and Excel's lock files (``~$name.xlsx``, held while a workbook is open) left out.

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
                found.extend(os.path.join(root, f) for f in files if f.lower().endswith(_IMPORTED) and not f.startswith((".", "~$")))
            for f in sorted(found):
                add(f)
        else:
            add(path)
    return out


@contextlib.contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step (turned back on after, if it was on).

    Reading a large lot, and building the rows of its import, allocate millions of small containers
    while the lot stays alive: the collector then runs every few hundred allocations and its full
    passes walk everything alive, the growing lot included — about a fourth of the reading
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


def dossier_content(dossier: Dossier) -> tuple[str, str, tuple[str, ...], tuple[str, ...], None, tuple[Any, ...], str]:
    """The content (canonical JSON, candidate reduced to its id, personal fields left out), its fingerprint, the
    canonical JSON of each evaluation (its ``notes`` left out) and its fingerprint, ``None`` (no deadlines yet), and
    the personal fields left out (``[path, value]`` pairs, and their canonical JSON): the fields of a :class:`DossierLu`.

    All of it depends on the file alone: ``cqpkit import`` computes it while it reads the files,
    before it opens the database.

    The candidate's personal data are left out by replacing the unstructured ``candidat`` with its
    id alone — what unstructuring ``Candidat(id=…)`` writes, every other field being at its default
    (``tests/test_store_fastpaths.py`` checks both agree).
    """
    from cqpkit.formats.converter import json_converter
    from cqpkit.store.crypto import split_personal

    data = json_converter().unstructure(dossier)
    data["candidat"] = {"id": dossier.candidat.id}
    personal = tuple(split_personal(data))
    personal_text = canonical(personal) if personal else ""
    text = canonical(data)
    evaluations = data.get("evaluations")
    if not evaluations:
        return text, _fingerprint(text), (), (), None, personal, personal_text
    texts = tuple(map(canonical, evaluations))
    return text, _fingerprint(text), texts, tuple(map(_fingerprint, texts)), None, personal, personal_text


def deadlines(registry: Any, dossier: Dossier) -> tuple[tuple[str, str, dt.date, dt.date], ...]:
    """The deadlines of a dossier as the engine gives them: ``(type, domaine, date, depuis)`` tuples.

    - ``premier_passage``: while the dossier has no passage in front of the jury, the last day of
      ``[jury] delai_premier_passage`` after registration (``dates.add``: the anniversary day is
      still in time), on the routes it concerns: :func:`cqpkit.rules.checks.premier_passage_limite`,
      as in :func:`cqpkit.rules.checks.check_premier_passage`.
    - ``acquis_partiel``: for a dossier that is not certified, each domaine acquired and the last
      day of its validity, as :meth:`Registry.decide` gives it after the last passage.

    They depend on the dossier and the installed référentiels alone: :meth:`Store.import_lot` computes
    them for the dossiers new to the base just before its write transaction (:func:`with_deadlines`:
    the transaction, during which other writers wait, is then shorter); the store recomputes them
    from what it holds when a stored dossier changes (:func:`cqpkit.store.deadlines.rebuild_echeances`).
    """
    from cqpkit.rules.checks import premier_passage_limite

    ref = registry.referentiel_for(dossier)
    info = dossier.dossier
    out: list[tuple[str, str, dt.date, dt.date]] = []
    # The event ``premier_passage`` of cqpkit.rules.events: the first passage that is not absent
    # nor excused (tests/test_store.py checks this test against event_dates).
    attended = any(not (p.absent or p.excuse) for p in dossier.passages)
    limite = premier_passage_limite(ref, dossier)  # None on a route the deadline does not concern
    if limite is not None and not attended:
        out.append(("premier_passage", "", limite, info.inscription))
    if dossier.passages and ref.domaines:
        last = max(p.date for p in dossier.passages)
        result = registry.decide(dossier, last)
        if result.statut != "certifie":
            out.extend(("acquis_partiel", a.domaine, a.valide_jusqua, a.date) for a in result.acquis if a.valide_jusqua is not None)
    return tuple(out)


def session_content(session: SessionJury) -> tuple[str, str]:
    """The content of a session (canonical JSON) and its fingerprint, ``cloturee`` left out of the latter."""
    from cqpkit.formats.converter import json_converter

    text = canonical(json_converter().unstructure(session))
    unclosed = attrs.evolve(session, session=attrs.evolve(session.session, cloturee=False))
    return text, _fingerprint(canonical(json_converter().unstructure(unclosed)))


def read_lot(
    dossiers: Iterable[tuple[str, Dossier]] = (), sessions: Iterable[tuple[str, SessionJury]] = (), *, registry: Any = None
) -> Lot:
    """A :class:`Lot` from objects built in Python (the API: no files), each named by its ``(name, object)`` pair.

    With ``registry`` (``store.registry``), every object is validated as :func:`read_files` validates
    files (:func:`lot_errors`: types, keys, references, the référentiel it names, ids given twice, a
    candidate described two ways). Without it, the objects are taken as already validated; only an
    object that cannot be encoded at all (a text where a date is expected…) is refused. Either way a
    problem raises :class:`~cqpkit.store.errors.StoreConflictError` listing every one (``erreurs``,
    each naming its object by the name given with it, ``ligne`` 0), before anything is written.
    """
    ds: list[DossierLu] = []
    ss: list[SessionLue] = []
    unreadable: list[Erreur] = []
    with without_cycle_collector():
        for f, d in dossiers:
            try:
                ds.append(DossierLu(f, d, *dossier_content(d)))
            except Exception:  # a wrong type somewhere in an object built by hand: say where
                unreadable.extend(_object_errors(f, d, Dossier))
        for f, s in sessions:
            try:
                ss.append(SessionLue(f, s, *session_content(s)))
            except Exception:  # idem
                unreadable.extend(_object_errors(f, s, SessionJury))
    if registry is not None and not unreadable:
        unreadable = lot_errors(Lot(tuple(ds), tuple(ss)), registry)
    if unreadable:
        from cqpkit.store.errors import StoreConflictError

        raise StoreConflictError(refused_objects(unreadable), unreadable)
    return Lot(tuple(ds), tuple(ss))


def _object_errors(name: str, obj: Any, cls: type) -> list[Erreur]:
    """Why an object built in Python cannot be stored: the format layer's errors (``ligne`` 0), or its type."""
    from cqpkit.formats.dossiers import validate_dossier, validate_session

    if not isinstance(obj, cls):
        return [_not_a(name, obj, cls)]
    erreurs = (validate_dossier if cls is Dossier else validate_session)(obj, None, name)
    return [e._replace(ligne=0) for e in erreurs] or [Erreur(name, 0, "", f"un {cls.__name__} illisible")]


def _not_a(name: str, obj: Any, cls: type) -> Erreur:
    """The error of an object of a lot that is not the model object expected."""
    return Erreur(name, 0, "", f"un {cls.__name__} est attendu, pas {type(obj).__name__}")


def refused_objects(erreurs: Sequence[Erreur]) -> str:
    """The head of the error refusing a lot of objects built in Python."""
    n = len({e.fichier for e in erreurs})
    return f"import refusé : {n} objet{'s' if n > 1 else ''} invalide{'s' if n > 1 else ''}, rien n'a été enregistré"


def with_deadlines(lot: Lot, registry: Any, stored: Container[str] = ()) -> tuple[Lot, float]:
    """The lot with the deadlines of each dossier not in ``stored`` computed with ``registry``, and the seconds it took.

    :meth:`Store.import_lot` calls it before its write transaction, with the ids the base already
    holds: a stored dossier's deadlines are recomputed in the transaction from what the base holds
    (when its file changed), and an unchanged one needs none. Deadlines computed with another
    registry are dropped.
    """
    same = lot.registry is registry
    spent = 0.0
    out = []
    with without_cycle_collector():
        for lu in lot.dossiers:
            echeances = lu.echeances if same else None
            if echeances is None and lu.dossier.id not in stored:
                start = time.perf_counter()
                echeances = deadlines(registry, lu.dossier)
                spent += time.perf_counter() - start
            if echeances is not lu.echeances:
                lu = attrs.evolve(lu, echeances=echeances)
            out.append(lu)
    return Lot(tuple(out), lot.sessions, registry=registry), spent


def candidate_conflicts(named: Iterable[tuple[str, Dossier]]) -> Iterator[tuple[str, Dossier, str, list[str]]]:
    """Two dossiers of one candidate must agree on the candidate's personal data: each dossier that does not agree
    with the first one of its candidate, as ``(name, dossier, name of the first, the fields that differ)``."""
    first_of: dict[str, tuple[str, Dossier]] = {}
    for name, d in named:
        first_name, first = first_of.setdefault(d.candidat.id, (name, d))
        if first is not d and personal_fields(first.candidat) != personal_fields(d.candidat):
            yield name, d, first_name, [k for k in PERSONAL if getattr(first.candidat, k) != getattr(d.candidat, k)]


def person_conflicts(read: Sequence[tuple[str, Dossier]], tables: dict[str, Any] | None = None) -> list[InvalidFileError]:
    """Two files describing one person (``acteurs.personne``) two ways: one error per fact, in the later file, at
    the line of the key, naming the other file and line (:func:`cqpkit.store.personnes.lot_conflicts`). ``tables``:
    the documents of the dossiers read from a table, by name (their sheet, row and column)."""
    if not any(a.personne for _, d in read for a in d.acteurs):
        return []
    from cqpkit.formats.tomlfile import parse_toml, read_text
    from cqpkit.store.personnes import conflict_message, lot_conflicts

    docs: dict[str, Any] = dict(tables or {})

    def doc(path: str) -> Any:  # read again for the lines of the keys (an error path only)
        if path not in docs:
            docs[path] = parse_toml(read_text(path), path)
        return docs[path]

    by_file: dict[str, list[Erreur]] = {}
    for name, c, fact, value, other_name, other, other_value in lot_conflicts(read):
        line = doc(other_name).line(("acteurs", other.index, fact))
        where = f"dans {other_name}:{line} (dossier {other.dossier}, acteurs[{other.index}].{fact})"
        by_file.setdefault(name, []).append(doc(name).erreur(("acteurs", c.index, fact), conflict_message(c, fact, value, other_value, where)))
    return [InvalidFileError(path, erreurs) for path, erreurs in by_file.items()]


def lot_errors(lot: Lot, registry: Any) -> list[Erreur]:
    """Every problem of a lot built in Python (:func:`read_lot`), checked as :func:`read_files` checks files.

    Each dossier and session is checked with the format layer against ``registry`` (types, keys,
    references, the référentiel it names); then, across the lot, two dossiers or two sessions with the
    same id, and two dossiers of one candidate that disagree on the candidate's personal data. An
    :class:`~cqpkit.exceptions.Erreur` names the object by the name given with it; its ``ligne`` is 0
    (the object was not read from a file).
    """
    from cqpkit.formats.dossiers import validate_dossier, validate_session

    found: list[Erreur] = []

    def check(name: str, validate: Any, obj: Any, cls: type) -> bool:
        if not isinstance(obj, cls):
            found.append(_not_a(name, obj, cls))
            return False
        erreurs = validate(obj, registry, name)
        found.extend(e._replace(ligne=0) for e in erreurs)
        return not erreurs

    seen: dict[tuple[str, str], str] = {}
    valid: list[tuple[str, Dossier]] = []
    for lu in lot.dossiers:
        if not check(lu.fichier, validate_dossier, lu.dossier, Dossier):
            continue
        d = lu.dossier
        valid.append((lu.fichier, d))
        first = seen.setdefault(("dossier", d.id), lu.fichier)
        if first != lu.fichier:
            found.append(Erreur(lu.fichier, 0, "dossier.id", f"dossier « {d.id} » déjà donné par {first} (un objet par dossier)"))
    for name, d, first_name, diff in candidate_conflicts(valid):
        found.append(Erreur(name, 0, f"candidat.{diff[0]}", f"candidat « {d.candidat.id} » décrit autrement dans {first_name} ({', '.join(diff)})"))
    if any(a.personne for _, d in valid for a in d.acteurs):
        from cqpkit.store.personnes import conflict_message, lot_conflicts

        for name, c, fact, value, other_name, other, other_value in lot_conflicts(valid):
            where = f"dans {other_name} (dossier {other.dossier}, acteurs[{other.index}].{fact})"
            found.append(Erreur(name, 0, f"acteurs[{c.index}].{fact}", conflict_message(c, fact, value, other_value, where)))
    for ls in lot.sessions:
        if not check(ls.fichier, validate_session, ls.session, SessionJury):
            continue
        first = seen.setdefault(("session", ls.session.id), ls.fichier)
        if first != ls.fichier:
            found.append(Erreur(ls.fichier, 0, "session.id", f"session « {ls.session.id} » déjà donnée par {first} (un objet par session)"))
    return found


def read_files(paths: Sequence[str], registry: Any) -> Lot:
    """Read and validate every file; raise :class:`ImportErrors` with every problem, or return the lot.

    Two passes, with the cycle collector paused (see :func:`without_cycle_collector`: reading builds
    no reference cycles, and the collector's passes over the growing lot cost a fourth of the reading):
    every file is parsed and validated first, so that every error is reported before anything else
    is computed; then, for the valid lot, each dossier's content and fingerprints.
    """
    from cqpkit.formats.dossiers import dossier_from_document, file_kind, session_from_document
    from cqpkit.formats.tomlfile import parse_toml, read_text

    problems: list[CqpkitError] = []
    read: list[tuple[str, Dossier]] = []
    sessions: list[SessionLue] = []
    seen: dict[tuple[str, str], str] = {}
    tables: dict[str, Any] = {}  # name → document of each dossier read from a table (CSV, XLSX)
    with without_cycle_collector():
        for path in collect_paths(paths):
            try:
                if path.lower().endswith((".csv", ".xlsx")):
                    read.extend(_table(path, registry, seen, tables))
                    continue
                doc = parse_toml(read_text(path), path)
                kind = file_kind(doc.data)
                if kind == "dossier":
                    d = dossier_from_document(doc, registry)
                    key = ("dossier", d.id)
                    if key in seen:
                        raise InvalidFileError(path, [doc.erreur(("dossier", "id"), f"dossier « {d.id} » déjà lu dans {seen[key]} (un fichier par dossier)")])
                    seen[key] = path
                    read.append((path, d))
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
    for path, d, first_path, diff in candidate_conflicts(read):
        doc = tables.get(path) or parse_toml(read_text(path), path)  # read again for the line of the key (an error path only)
        problems.append(
            InvalidFileError(
                path,
                [doc.erreur(("candidat", diff[0]), f"candidat « {d.candidat.id} » décrit autrement dans {first_path} ({', '.join(diff)})")],
            )
        )
    problems.extend(person_conflicts(read, tables))
    if problems:
        raise ImportErrors(problems)
    with without_cycle_collector():
        ds = tuple(DossierLu(f, d, *dossier_content(d)) for f, d in read)
    return Lot(ds, tuple(sessions))


def _table(path: str, registry: Any, seen: dict[tuple[str, str], str], tables: dict[str, Any]) -> list[tuple[str, Dossier]]:
    """The dossiers of a table file (:mod:`cqpkit.interop.spreadsheets`), each named ``FILE:ROW``; raise
    :class:`InvalidFileError` with every error of the table (a dossier given twice included)."""
    from cqpkit.interop.spreadsheets import read_dossiers

    out: list[tuple[str, Dossier]] = []
    erreurs: list[Erreur] = []
    for doc, d in read_dossiers(path, registry):
        key = ("dossier", d.id)
        if key in seen:
            erreurs.append(doc.erreur(("dossier", "id"), f"dossier « {d.id} » déjà lu dans {seen[key]} (un fichier ou une ligne par dossier)"))
            continue
        seen[key] = doc.nom
        tables[doc.nom] = doc
        out.append((doc.nom, d))
    if erreurs:
        raise InvalidFileError(path, erreurs)
    return out
