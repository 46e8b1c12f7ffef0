"""The dossiers as the engines see them, and their deadlines (``echeances``).

The dossier the engines see is the latest version's content with, as its passages, the current state
of each of its passages in the store (:func:`engine_dossiers`). Every deadline (first jury after
registration, expiry of each partial award) is computed with the engine when the dossier or its
decisions change (:func:`rebuild_echeances`), and kept in ``echeances``, indexed by date.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from cqpkit.model import Dossier, PassageJury
from cqpkit.store import crypto, personnes
from cqpkit.store import schema as t
from cqpkit.store.reading import deadlines
from cqpkit.store.sql import IDS, chunks

__all__ = [
    "compute_echeances", "effective", "engine_dossiers", "load_contents", "passages_of", "rebuild_echeances", "stored_dossier",
    "unevaluable", "unloadable_reason",
]


def compute_echeances(registry: Any, dossier: Dossier) -> list[dict[str, Any]]:
    """The deadlines of a dossier (:func:`cqpkit.store.reading.deadlines`) as rows of ``echeances`` without the ids."""
    info = dossier.dossier
    return [
        {"type": kind, "domaine": dom, "date": date, "depuis": depuis, "certification": info.certification, "dossier_id": info.id}
        for kind, dom, date, depuis in deadlines(registry, dossier)
    ]


def passage_from_row(r: Any, notes: str = "") -> PassageJury:
    """A stored passage row as the model's passage (``notes``: its notes in clear, which the row holds encrypted)."""
    return PassageJury(
        session=r.session_id, date=r.date, decisions=json.loads(r.decisions), absent=bool(r.absent), excuse=bool(r.excuse), notes=notes
    )


def effective(rows: Iterable[Any]) -> list[Any]:
    """The current row of each session (the latest one), in date order."""
    latest: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: r.id):
        latest[r.session_id] = r
    return sorted(latest.values(), key=lambda r: (r.date, r.id))


def load_contents(conn: sa.Connection, ids: Sequence[str]) -> dict[str, str]:
    """The content (canonical JSON) of the latest version of each dossier, by id."""
    d, v = t.dossiers, t.dossier_versions
    out: dict[str, str] = {}
    for chunk in chunks(list(ids)):
        q = (
            sa.select(d.c.id, v.c.contenu)
            .join(v, sa.and_(v.c.dossier_id == d.c.id, v.c.numero == d.c.numero_version))
            .where(d.c.id.in_(chunk))
        )
        out.update({r.id: r.contenu for r in conn.execute(q)})
    return out


def passages_of(conn: sa.Connection, ids: Sequence[str]) -> dict[str, list[Any]]:
    """Every stored passage row of each dossier (all states, in the order recorded), by dossier id."""
    out: dict[str, list[Any]] = defaultdict(list)
    q = sa.select(t.passages).where(t.passages.c.dossier_id.in_(IDS)).order_by(t.passages.c.id)
    for chunk in chunks(list(ids)):
        for r in conn.execute(q, {"ids": chunk}):
            out[r.dossier_id].append(r)
    return out


def engine_dossiers(conn: sa.Connection, ids: Sequence[str], people: bool = True, personal: bool = False) -> dict[str, Dossier]:
    """The dossiers as the engines see them: latest content, passages as the store holds them, and (``people``)
    what the store knows of the people they name (:func:`personnes.enrich`; not before migration 3 made its tables).

    The engines need no personal field (:data:`cqpkit.store.crypto.PERSONAL_FIELDS`): they are left empty,
    unless ``personal`` (what ``dossier show`` and ``Store.dossier`` give): then decrypted with the
    candidate's key, or « [effacé] » where they were once the key is destroyed.
    """
    from cqpkit.formats.converter import json_converter
    from cqpkit.formats.dossiers import mark_validated

    conv = json_converter()
    contents = load_contents(conn, ids)
    passages = passages_of(conn, ids)
    keys: dict[str, Any] = {}
    owners: dict[str, str] = {}
    if personal and contents:
        for chunk in chunks(list(contents)):
            owners.update(conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.candidat_id).where(t.dossiers.c.id.in_(chunk))).all())
        keys = crypto.load_keys(conn, [crypto.subject(c) for c in owners.values()])
    out = {}
    for did, text in contents.items():
        cid = owners.get(did, "")
        key = keys.get(crypto.subject(cid))
        d = stored_dossier(conv, did, text, opener=lambda t, c=cid, k=key, i=did: crypto.open_content(t, k, crypto.aad(c, f"dossier:{i}"), personal=personal))
        aad = crypto.aad(cid, f"passage:{did}")
        rows = effective(passages.get(did, ()))
        out[did] = attrs.evolve(
            d, passages=tuple(passage_from_row(r, crypto.decrypt_value(key, r.notes, aad) if personal else "") for r in rows)
        )
    # A tutor's load and other missions as the store knows them, the person's facts (cqpkit.store.personnes).
    out = personnes.enrich(conn, out) if people else out
    # Validated when stored (the file at import; the passages by the jury workflow, where the jury is
    # sovereign): the engines do not check them again as files.
    return {did: mark_validated(d) for did, d in out.items()}


def stored_dossier(
    conv: Any, dossier_id: str, text: str, numero: int | None = None, *, opener: Callable[[str], Any] | None = None
) -> Dossier:
    """The stored content (canonical JSON) of a dossier version as the model's dossier.

    Raises :class:`~cqpkit.store.errors.UnloadableDossierError` (exit 1, a French reason with the key
    paths) when it no longer loads: JSON that does not parse, or a shape this cqpkit does not read.
    ``opener`` reads the text as data (:func:`cqpkit.store.crypto.open_content`: the personal fields
    decrypted, or left out); plain ``json.loads`` without it.
    """
    from cqpkit.store.errors import UnloadableDossierError

    try:
        data = opener(text) if opener is not None else json.loads(text)
    except ValueError as exc:
        raise UnloadableDossierError(dossier_id, numero, f"JSON invalide (caractère {getattr(exc, 'pos', 0) + 1})") from None
    try:
        return conv.structure(data, Dossier)
    except Exception as exc:  # any shape the model refuses: said with its key paths, never a traceback
        raise UnloadableDossierError(dossier_id, numero, unloadable_reason(exc)) from None


def unloadable_reason(exc: BaseException) -> str:
    """Why a stored JSON does not structure as a dossier: each key path and its message, in French."""
    from cqpkit.formats.errors import format_path, structure_errors

    try:
        found = [f"{format_path(p)} : {m}" if p else m for p, m in structure_errors(exc)]
    except Exception:  # an exception structure_errors does not know: its own text
        found = []
    return " ; ".join(found) or f"{type(exc).__name__} : {exc}"


def rebuild_echeances(conn: sa.Connection, registry: Any, ids: Sequence[str] | None = None, *, people: bool = True) -> int:
    """Recompute the deadlines of the given dossiers (all of them by default); return the rows written.

    ``people=False`` for a migration that runs before the people's tables exist (migration 2).
    """
    if ids is None:
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).order_by(t.dossiers.c.id))]
    n = 0
    for chunk in chunks(list(ids), 2000):
        dossiers = engine_dossiers(conn, chunk, people)
        conn.execute(t.echeances.delete().where(t.echeances.c.dossier_id.in_(list(chunk))))
        rows = [r for d in dossiers.values() for r in compute_echeances(registry, d)]
        if rows:
            conn.execute(t.echeances.insert(), rows)
        n += len(rows)
    return n


def unevaluable(registry: Any, lot: Any, caught: Any) -> Any:
    """The :class:`StoreConflictError` of an import a plugin fails on (``caught``, a ``HookFailure``): nothing is written.

    It is also a :class:`~cqpkit.exceptions.PluginError` (``plugin``, ``raison``, ``hook``, ``lieu`` of ``caught``),
    as the error the import raised before files were named.

    Each dossier of the lot the engine cannot evaluate is named with its file (at its ``[dossier]``
    line), the plugin, the hook, the exception and the line of the plugin that raised. On this error
    path only, every dossier of the lot is evaluated again (its deadlines, as the import computes
    them), so that all the files in that case are named at once, not the first alone.
    """
    from cqpkit.exceptions import CqpkitError, Erreur, PluginError
    from cqpkit.plugins.hookcalls import HookFailure
    from cqpkit.store.errors import StoreConflictError, _located

    class UnevaluableLotError(StoreConflictError, PluginError):
        """The refusal of the lot (exit 1, every file in ``erreurs``), also the :class:`PluginError` of the first culprit."""

        def __init__(self, message: str, erreurs: Any = ()) -> None:
            # StoreConflictError's text (its __init__ would reach PluginError's through super()).
            self.erreurs = tuple(erreurs)
            Exception.__init__(self, "\n".join([message, *map(_located, self.erreurs)]))
            self.plugin, self.raison = caught.plugin, caught.raison
            self.hook, self.lieu, self.dossier = caught.hook, caught.lieu, None

    failures: dict[str, Any] = {}
    for lu in lot.dossiers:
        try:
            deadlines(registry, lu.dossier)
        except HookFailure as exc:
            failures[lu.fichier] = exc
    fichier = next((lu.fichier for lu in lot.dossiers if lu.dossier.id == caught.dossier), None)
    if fichier is None:  # not on a dossier of the lot: said as it is
        return UnevaluableLotError(f"import refusé : {caught} ; rien n'a été enregistré")
    failures.setdefault(fichier, caught)

    def located(path: str, exc: Any) -> Erreur:
        message = f"le moteur ne peut pas évaluer ce dossier : {exc}"
        try:
            from cqpkit.formats.tomlfile import parse_toml, read_text

            return parse_toml(read_text(path), path).erreur(("dossier",), message)
        except CqpkitError:  # not a file (a lot built in Python)
            return Erreur(path, 0, "dossier", message)

    n = len(failures)
    return UnevaluableLotError(
        f"import refusé : {n} dossier{'s' if n > 1 else ''} que le moteur ne peut pas évaluer (une extension échoue), "
        "rien n'a été enregistré",
        sorted((located(path, exc) for path, exc in failures.items()), key=lambda e: (e.fichier, e.ligne)),
    )
