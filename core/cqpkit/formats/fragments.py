"""Référentiel fragments: the top-level ``extends`` key, merged before validation.

A référentiel file may start with ``extends = ["branche.toml", …]`` (paths relative to the
file). Each fragment is a TOML file read as TOML only (it is not a référentiel: it may lack
``[certification]``; it may itself ``extends`` others); they are merged left to right, then
the file itself last, and the merged tables are what is structured and checked. Rules:

- two tables are merged key by key, recursively;
- two lists of tables whose elements all have an ``id`` are merged element by element on
  ``id`` (the earlier order is kept, new ids are appended);
- two other lists are concatenated (an element already present is not repeated);
- two ``notes`` texts are joined by a blank line;
- any other key given twice with different values is an error (a fragment never silently
  overrides another), located at the later value and naming the earlier one;
- then the table ``_gabarits`` is applied and removed: each ``[_gabarits.<nom>]`` gives its
  keys (but ``types``) to every épreuve whose ``type`` is in its ``types`` and that does not
  set the key itself.

Every error of the merged référentiel is reported at the file and line where its key was
written (a fragment's own line when the key came from a fragment). A missing or unreadable
fragment, a fragment's TOML syntax error and a cycle are errors of the file that names it.
"""

from __future__ import annotations

import os
from typing import Any

from cqpkit.exceptions import Erreur, InvalidFileError, UnreadableFileError
from cqpkit.formats.positions import Path
from cqpkit.formats.tomlfile import TomlDocument, parse_toml, read_text

__all__ = ["EXTENDS", "GABARITS", "MergedDocument", "fragment_paths", "merge", "resolve_extends"]

#: The top-level key that names a file's fragments, and the merge-only table of defaults.
EXTENDS = "extends"
GABARITS = "_gabarits"

_Source = tuple[TomlDocument, Path]


def fragment_paths(fichier: str, extends: Any) -> list[str] | None:
    """The paths of the fragments ``extends`` names, relative to ``fichier``'s directory (``None``: not a list of texts)."""
    if not isinstance(extends, list) or not all(isinstance(e, str) and e for e in extends):
        return None
    base = os.path.dirname(fichier)
    return [os.path.normpath(os.path.join(base, e)) for e in extends]


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "id" in v for v in value)


class _Merger:
    """Merges documents and remembers where each merged key path was written."""

    def __init__(self) -> None:
        self.origins: dict[Path, _Source] = {}
        self.errors: list[Erreur] = []

    def locate(self, path: Path) -> tuple[str, int]:
        """The file and line where merged key ``path`` (or its nearest located ancestor) was written."""
        for k in range(len(path), 0, -1):
            src = self.origins.get(path[:k])
            if src is not None:
                doc, spath = src
                return doc.fichier, doc.line(spath + path[k:])
        return "", 1

    def merge(self, base: Any, extra: Any, path: Path, src: _Source) -> Any:
        doc, spath = src
        if isinstance(base, dict) and isinstance(extra, dict):
            out = dict(base)
            for key, value in extra.items():
                if key in base:
                    out[key] = self.merge(base[key], value, path + (key,), (doc, spath + (key,)))
                else:
                    out[key] = value
                    self.origins[path + (key,)] = (doc, spath + (key,))
            return out
        if _is_id_list(base) and _is_id_list(extra):
            out = list(base)
            index = {v["id"]: i for i, v in enumerate(out)}
            for j, item in enumerate(extra):
                if item["id"] in index:
                    i = index[item["id"]]
                    out[i] = self.merge(out[i], item, path + (i,), (doc, spath + (j,)))
                else:
                    index[item["id"]] = len(out)
                    self.origins[path + (len(out),)] = (doc, spath + (j,))
                    out.append(item)
            return out
        if isinstance(base, list) and isinstance(extra, list):
            out = list(base)
            for j, item in enumerate(extra):
                if item not in out:
                    self.origins[path + (len(out),)] = (doc, spath + (j,))
                    out.append(item)
            return out
        if path and path[-1] == "notes" and isinstance(base, str) and isinstance(extra, str):
            return base.rstrip("\n") + "\n\n" + extra.lstrip("\n") if base and extra else base or extra
        if base != extra:
            from cqpkit.formats.errors import format_path

            fichier, ligne = self.locate(path)
            self.errors.append(
                Erreur(
                    doc.fichier,
                    doc.line(spath),
                    format_path(spath),
                    f"valeur en conflit avec {fichier}:{ligne} ({base!r} et {extra!r}) : un fragment ne remplace "
                    "jamais silencieusement une valeur donnée ailleurs",
                )
            )
        return base

    def gabarits(self, data: dict[str, Any]) -> dict[str, Any]:
        """Remove ``_gabarits`` and give its keys to every épreuve of its ``types`` that lacks them."""
        gabarits = data.pop(GABARITS)
        if not isinstance(gabarits, dict):
            return data
        epreuves = [dict(e) if isinstance(e, dict) else e for e in data.get("epreuves", [])]
        for name, gabarit in gabarits.items():
            if not isinstance(gabarit, dict) or not isinstance(gabarit.get("types"), list):
                fichier, ligne = self.locate((GABARITS, name))
                self.errors.append(
                    Erreur(fichier, ligne, f"{GABARITS}.{name}", "table attendue avec une liste « types »")
                )
                continue
            for i, epreuve in enumerate(epreuves):
                if not isinstance(epreuve, dict) or epreuve.get("type") not in gabarit["types"]:
                    continue
                for key, value in gabarit.items():
                    if key != "types" and key not in epreuve:
                        epreuve[key] = value
                        self.origins[("epreuves", i, key)] = self._source_of((GABARITS, name, key))
        if epreuves:
            data["epreuves"] = epreuves
        return data

    def _source_of(self, path: Path) -> _Source:
        for k in range(len(path), 0, -1):
            src = self.origins.get(path[:k])
            if src is not None:
                return src[0], src[1] + path[k:]
        raise KeyError(path)  # pragma: no cover - every merged key has an origin


class MergedDocument(TomlDocument):
    """The merged tables of a file and its fragments; errors point at the file and line each key came from."""

    __slots__ = ("_merger",)

    def __init__(self, doc: TomlDocument, data: dict, merger: _Merger) -> None:
        super().__init__(doc.fichier, doc.text, data)
        self._merger = merger

    def erreur(self, path: Path, message: str) -> Erreur:
        from cqpkit.formats.errors import format_path

        fichier, ligne = self._merger.locate(tuple(path))
        return Erreur(fichier or self.fichier, ligne, format_path(path), message)


def _load(doc: TomlDocument, merger: _Merger, stack: tuple[str, ...]) -> list[tuple[TomlDocument, dict]]:
    """The documents to merge for ``doc``, in order (its fragments', recursively, then its own tables)."""
    data = dict(doc.data)
    extends = data.pop(EXTENDS, None)
    if extends is None:
        return [(doc, data)]
    paths = fragment_paths(doc.fichier, extends)
    if paths is None:
        merger.errors.append(
            Erreur(doc.fichier, doc.line((EXTENDS,)), EXTENDS, "liste de chemins de fragments (textes) attendue")
        )
        return [(doc, data)]
    out: list[tuple[TomlDocument, dict]] = []
    for i, path in enumerate(paths):
        where = (doc.fichier, doc.line((EXTENDS, i)), f"{EXTENDS}[{i}]")
        real = os.path.realpath(path)
        if real in stack:
            chain = " → ".join([*(os.path.basename(s) for s in stack[stack.index(real) :]), os.path.basename(path)])
            merger.errors.append(Erreur(*where, f"fragments en cycle : {chain}"))
            continue
        try:
            fragment = parse_toml(read_text(path), path)
        except UnreadableFileError as exc:
            merger.errors.append(Erreur(*where, f"fragment illisible : {exc}"))
            continue
        except InvalidFileError as exc:
            merger.errors.extend(exc.erreurs)
            continue
        out.extend(_load(fragment, merger, (*stack, real)))
    out.append((doc, data))
    return out


def merge(documents: list[tuple[TomlDocument, dict]]) -> MergedDocument:
    """Merge ``(document, tables)`` pairs left to right (the rules of the module docstring)."""
    merger = _Merger()
    data: dict[str, Any] = {}
    for doc, tables in documents:
        data = merger.merge(data, tables, (), (doc, ()))
    if GABARITS in data:
        data = merger.gabarits(dict(data))
    return MergedDocument(documents[-1][0], data, merger)


def resolve_extends(doc: TomlDocument) -> TomlDocument:
    """``doc`` merged with the fragments it ``extends`` (``doc`` itself when it has neither them nor ``_gabarits``).

    Raises :class:`InvalidFileError` with every merge error (missing fragment, conflict, cycle).
    """
    if EXTENDS not in doc.data and GABARITS not in doc.data:
        return doc
    loader = _Merger()
    documents = _load(doc, loader, (os.path.realpath(doc.fichier),))
    merged = merge(documents)
    errors = [*loader.errors, *merged._merger.errors]
    if errors:
        raise InvalidFileError(
            doc.fichier, sorted(set(errors), key=lambda e: (e.fichier != doc.fichier, e.fichier, e.ligne))
        )
    return merged
