"""``cqpkit document KIND …``: print a document (PDF through Typst, extra ``cqpkit[documents]``).

Where each kind takes its data (``docs/documents.md`` says it for users):

- forms of a référentiel (``positionnement``, ``livret-suivi``, ``grille-tuteur``,
  ``livret-evaluation-finale``): ``SOURCE`` is a certification id (blank form; ``--version``) or a
  dossier (a file, or an id in the store with ``--db``): the form filled from the dossier;
- a jury session's papers (``convocation``, ``notification``: one per candidate; ``proces-verbal``):
  ``--session`` names a session file and the ``SOURCE``\\ s are dossier files or folders, or, with ``--db``,
  ``--session`` is a stored session's id (its candidates come from the store; ``SOURCE``\\ s, if given,
  are the dossier ids to keep);
- a dossier's awards (``attestation``, ``certificat``): dossier files, folders or stored ids; or
  ``--session`` for every candidate of a session at once (those whose result calls for the paper);
- ``etat-financement``: one dossier, or several for a campaign statement (with ``--db`` and no
  ``SOURCE``: every stored dossier, or those of ``--certification``).

``-o`` is the PDF file for one document, a folder for many (created if needed; default: the current
folder, each document under its suggested name). The date of the decisions is ``--as-of``, by default the
session's date for a session's papers and today otherwise. Exit codes: 0 written; 1 invalid input (a
dossier that does not call for the paper…); 2 usage error, unreadable input, missing extra, unwritable output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from cqpkit.cli.common import parse_date
from cqpkit.documents import KINDS  # the table of kinds: no heavy library (the compiler is imported when printing)
from cqpkit.exceptions import InvalidArgumentError

__all__ = ["add_document", "cmd_document"]

#: From this many documents on, a terminal gets a progress bar (a document takes a few milliseconds to print).
PROGRESS_FROM = 50

#: The kinds, in the table's order (``cqpkit.documents.KINDS``).
_KIND_NAMES = tuple(KINDS)


class UsageError(InvalidArgumentError):
    """A command line that cannot be carried out as written (exit 2)."""

    exit_code = 2


class Refused(InvalidArgumentError):
    """The input was read and does not allow the paper (a broken audit log, nothing to print): exit 1."""

    exit_code = 1


# ------------------------------------------------------------------------------ inputs
def _is_file(arg: str) -> bool:
    return os.path.exists(arg) or arg.endswith(".toml")


def _paths(args: Sequence[str]) -> list[str]:
    """The files named, a folder standing for its ``*.toml`` files (sorted)."""
    from cqpkit.cli.dossier_run import dossier_paths

    return list(dossier_paths(list(args)))


def _load_all(paths: Sequence[str], load: Any) -> list[Any]:
    """Every file loaded; all the files' errors are said before the command stops (the worst exit code)."""
    from cqpkit.cli.output import print_error
    from cqpkit.exceptions import InvalidFileError, UnreadableFileError

    out, code = [], 0
    for path in paths:
        try:
            out.append(load(path))
        except UnreadableFileError as exc:
            print(f"erreur : {exc}", file=sys.stderr)
            code = 2
        except InvalidFileError as exc:
            print_error(exc)
            code = max(code, 1)
    if code:
        raise _Stop(code)
    return out


class _Stop(Exception):
    """The errors are already said: end with this exit code."""


def _dossier_files(paths: Sequence[str], registry: Any) -> list[Any]:
    from cqpkit.formats.dossiers import load_dossier

    return _load_all(_paths(paths), lambda p: load_dossier(p, registry))


class _Sources:
    """Where the command reads: the registry and, with ``--db``, the store (opened once, closed at the end)."""

    def __init__(self, args: argparse.Namespace) -> None:
        from cqpkit.cli.common import failures_out, load_registry

        self.args = args
        self.store: Any = None
        self._ctx: Any = None
        if args.db is not None or _wants_store(args):
            from cqpkit.store.store import Store

            self._ctx = Store.open(args.db, create=False, check=True)
            self.store = self._ctx.__enter__()
            self.registry = self.store.registry
        else:
            self.registry = load_registry()
        failures_out(self.registry)

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(None, None, None)

    # -- dossiers
    def dossiers(self, items: Sequence[str]) -> list[Any]:
        """Dossier files, folders, or (with ``--db``) stored ids; files and ids may be mixed."""
        files = [x for x in items if _is_file(x)]
        ids = [x for x in items if not _is_file(x)]
        if ids and self.store is None:
            raise UsageError(f"fichier introuvable : {ids[0]} (un identifiant de dossier demande --db BASE)")
        out = _dossier_files(files, self.registry) if files else []
        out += self.stored(ids) if ids else []
        return out

    def stored(self, ids: Sequence[str]) -> list[Any]:
        """The stored dossiers, each with its candidate's name (the store keeps it apart, encrypted)."""
        from cqpkit.documents.stored import named_dossiers

        return named_dossiers(self.store, ids)

    def all_dossiers(self) -> list[Any]:
        return self.stored(self.store.dossier_ids(self.args.certification))

    # -- sessions
    def session(self, keep: Sequence[str]) -> tuple[Any, list[Any], dict[str, Any]]:
        """``(session, dossiers, extra)``: a session file with the dossier files given, or a stored session."""
        name = self.args.session
        if self.store is not None and not _is_file(name):
            return self._stored_session(name, keep)
        from cqpkit.formats.dossiers import load_session

        (session,) = _load_all([name], lambda p: load_session(p, self.registry))
        if not keep:
            raise UsageError(f"session lue dans {name} : donnez aussi les fichiers des dossiers présentés (ou un dossier de fichiers)")
        return session, self.dossiers(keep), {}

    def _stored_session(self, session_id: str, keep: Sequence[str]) -> tuple[Any, list[Any], dict[str, Any]]:
        from cqpkit.documents.stored import stored_session

        session, dossiers, records = stored_session(self.store, session_id, keep)
        return session, dossiers, {"enregistrements": records}

    def stored_session_id(self) -> str | None:
        """The id of the stored session ``--session`` names (None for a session file)."""
        name: str | None = self.args.session
        return name if name and self.store is not None and not _is_file(name) else None

    def open_sessions(self) -> set[str]:
        """The ids of the stored sessions not yet closed (their decisions give papers marked « projet »)."""
        from cqpkit.documents.stored import open_sessions

        return open_sessions(self.store) if self.store is not None else set()


def _wants_store(args: argparse.Namespace) -> bool:
    """``--db`` not given but ``$CQPKIT_DB`` set: the store is where ids are looked up (and, with no SOURCE, the dossiers)."""
    named = [*args.sources, *([args.session] if args.session else [])]
    return bool(os.environ.get("CQPKIT_DB")) and (any(not _is_file(x) for x in named) or not named)


# ------------------------------------------------------------------------------- kinds
def _builder(kind: str) -> Any:
    from cqpkit.documents import builder

    try:
        return builder(kind)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("cqpkit.documents"):
            raise
        raise UsageError(f"document « {kind} » : pas encore disponible dans cette installation (module {exc.name} absent)") from None


def _forms(args: argparse.Namespace, src: _Sources, kind: str) -> list[Any]:
    build = _builder(kind)
    if len(args.sources) != 1:
        raise UsageError(f"document « {kind} » : un seul SOURCE, un identifiant de certification (formulaire vierge) ou un dossier (rempli)")
    (what,) = args.sources
    ids = {c.id for c in src.registry.certifications()}
    if not _is_file(what) and what in ids:
        ref = src.registry.referentiel(what, args.version, as_of=args.as_of)
        return [build(src.registry, ref, None, args.as_of)]
    if not _is_file(what) and src.store is None:
        from cqpkit.store.errors import near_match

        raise UsageError(f"« {what} » : ni un fichier, ni une certification enregistrée{near_match(what, sorted(ids))} (un dossier de la base demande --db)")
    (dossier,) = src.dossiers([what])
    return [build(src.registry, src.registry.referentiel_for(dossier), dossier, args.as_of)]


def _session_papers(args: argparse.Namespace, src: _Sources, kind: str) -> list[Any]:
    if not args.session:
        raise UsageError(f"document « {kind} » : --session est obligatoire (un fichier de session, ou un identifiant avec --db)")
    stored = src.stored_session_id()
    if stored is not None:
        from cqpkit.documents.stored import BrokenAuditLog, session_papers

        _builder(kind)  # a missing builder module is a usage error, said before the store is read
        try:
            return session_papers(src.store, kind, stored, args.as_of, args.sources)
        except BrokenAuditLog as exc:
            raise Refused(str(exc)) from None
    session, dossiers, extra = src.session(args.sources)
    build = _builder(kind)
    if kind == "proces-verbal":
        return [build(src.registry, session, dossiers, args.as_of, **extra)]
    out: list[Any] = build(src.registry, session, dossiers, args.as_of)
    return out


def _awards(args: argparse.Namespace, src: _Sources, kind: str) -> list[Any]:
    from cqpkit.documents.awards import NotAwarded

    build = _builder(kind)
    if args.session:
        session, dossiers, _ = src.session(args.sources)
        day = args.as_of or session.session.date
        projet = not session.session.cloturee
        batch = True
    else:
        if not args.sources:
            raise UsageError(f"document « {kind} » : donnez des dossiers (fichiers, dossiers de fichiers, identifiants avec --db) ou --session")
        dossiers = src.dossiers(args.sources)
        day = args.as_of or dt.date.today()
        projet = False
        batch = len(dossiers) > 1
    from cqpkit.documents.stored import is_draft

    open_ids = src.open_sessions()
    docs, left = [], []
    for d in dossiers:
        draft = projet or is_draft(d, day, open_ids)
        try:
            docs.append(build(src.registry, d, day, projet=draft))
        except NotAwarded as exc:
            if not batch:
                raise
            left.append(str(exc))
    for why in left:
        print(f"non imprimé : {why}", file=sys.stderr)
    if not docs:
        raise Refused(f"aucun document « {kind} » à imprimer : aucun dossier dont le résultat l'appelle")
    return docs


def _funding(args: argparse.Namespace, src: _Sources, kind: str) -> list[Any]:
    build = _builder(kind)
    if args.sources:
        dossiers = src.dossiers(args.sources)
    elif src.store is not None:
        dossiers = src.all_dossiers()
    else:
        raise UsageError("document « etat-financement » : donnez des dossiers (fichiers, dossiers de fichiers) ou --db BASE")
    return [build(src.registry, dossiers, args.as_of)]


_BY_SOURCE = {"referentiel": _forms, "session": _session_papers, "decision": _awards, "financement": _funding}


# ------------------------------------------------------------------------------ output
def _targets(docs: Sequence[Any], output: str | None) -> Iterator[tuple[Any, str]]:
    """Where each document goes: ``-o FILE`` for one, ``-o FOLDER`` (created) for many, else the current folder."""
    if output is None:
        folder = "."
    elif len(docs) == 1 and not os.path.isdir(output) and not output.endswith(os.sep):
        yield docs[0], output
        return
    else:
        if output.lower().endswith(".pdf") and not os.path.isdir(output):
            raise UsageError(f"-o {output} : {len(docs)} documents à écrire : -o doit nommer un dossier")
        folder = output
        os.makedirs(folder, exist_ok=True)
    for doc in docs:
        yield doc, os.path.join(folder, doc.filename)


def cmd_document(args: argparse.Namespace) -> int:
    from cqpkit.documents import KINDS
    from cqpkit.documents.typst import require_compiler

    kind = args.kind
    base, _, own = kind.partition(":")  # « attestation:stage »: a plugin's kind, printed from the attestation's data
    require_compiler()  # a missing extra is said before anything is read (DocumentsUnavailable, exit 2)
    try:
        src = _Sources(args)
        try:
            docs = _BY_SOURCE[KINDS[base].source](args, src, base)
        finally:
            src.close()
    except _Stop as stop:
        return int(stop.args[0])
    if own:
        import attrs

        docs = [attrs.evolve(d, kind=kind, filename=d.filename.replace(base, f"{base}-{own}", 1)) for d in docs]
    from cqpkit.cli.progress import progress
    from cqpkit.documents.typst import Renderer

    targets = list(_targets(docs, args.output))
    with Renderer(src.registry) as renderer, progress(len(targets), quiet=args.quiet, long=PROGRESS_FROM, unit="documents") as tick:
        for n, (doc, path) in enumerate(targets, 1):
            pdf = renderer.render(doc)
            with open(path, "wb") as f:
                f.write(pdf)
            tick("Impression des documents", n, len(targets))
            if not args.quiet:
                print(f"écrit : {path}")
    return 0


def _kind(text: str) -> str:
    base, colon, own = text.partition(":")
    if colon and base in _KIND_NAMES and own:
        return text  # a plugin's kind: its template is asked for when printing (cqpkit_document_template)
    if text not in _KIND_NAMES:
        import difflib

        close = difflib.get_close_matches(text, _KIND_NAMES, n=1)
        hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
        raise argparse.ArgumentTypeError(f"type de document inconnu « {text} »{hint} ; types : {', '.join(_KIND_NAMES)}")
    return text


def add_document(p: argparse.ArgumentParser) -> None:
    """``cqpkit document KIND [SOURCE…] [--session S] [--db BASE] [-o SORTIE] [--as-of DATE]``."""
    p.description = (
        "Imprime un document en PDF (extra cqpkit[documents]). Formulaires d'un référentiel (positionnement, "
        "livret-suivi, grille-tuteur, livret-evaluation-finale) : SOURCE est une certification (vierge) ou un "
        "dossier (rempli). Papiers d'une session (convocation, proces-verbal, notification) : --session. "
        "Attestation, certificat : des dossiers, ou --session pour toute une session. État de financement : un "
        "dossier, ou plusieurs pour une campagne (--db seul : toute la base). Voir cqpkit doc documents."
    )
    p.usage = "%(prog)s TYPE [SOURCE …] [--session SESSION] [--db BASE] [-o SORTIE] [--as-of DATE] [--version VERSION] [--certification ID]"
    p.add_argument("kind", metavar="TYPE", type=_kind, help="type de document : " + ", ".join(_KIND_NAMES))
    p.add_argument(
        "sources", nargs="*", metavar="SOURCE",
        help="certification, fichiers ou dossiers de fichiers (dossiers), ou identifiants de dossiers dans la base (--db)",
    )
    p.add_argument("--session", metavar="SESSION", help="fichier de session de jury, ou identifiant d'une session de la base (--db)")
    p.add_argument("--db", metavar="BASE", help="base : fichier SQLite ou adresse postgresql://… (les identifiants y sont cherchés)")
    p.add_argument("-o", "--output", metavar="SORTIE", help="fichier PDF (un document) ou dossier (plusieurs) ; défaut : le dossier courant")
    p.add_argument(
        "--as-of", dest="as_of", type=parse_date, metavar="DATE",
        help="date des décisions (AAAA-MM-JJ ; défaut : la date de la session pour ses papiers, sinon aujourd'hui)",
    )
    p.add_argument("--version", metavar="VERSION", help="version du référentiel d'un formulaire vierge (défaut : celle en vigueur)")
    p.add_argument("--certification", metavar="ID", help="état de financement de la base : les seuls dossiers de cette certification")
    p.add_argument("--quiet", "-q", action="store_true", help="ne pas lister les fichiers écrits")
    p.set_defaults(func=cmd_document)
    # SOURCEs after the options (`document certificat --db B OEMM-2017-0201`) as well as before them.
    # argparse's intermixed parsing calls parse_known_args itself: the instance's override steps aside meanwhile.
    def intermixed(args: Any = None, namespace: Any = None) -> Any:
        del p.parse_known_args
        try:
            return p.parse_known_intermixed_args(args, namespace)
        finally:
            p.parse_known_args = intermixed  # type: ignore[method-assign]

    p.parse_known_args = intermixed  # type: ignore[method-assign]

