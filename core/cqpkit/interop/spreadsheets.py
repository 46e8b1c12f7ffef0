"""Dossier tables (CSV, XLSX): the template an operator fills, and reading it into dossiers for ``cqpkit import``.

Why this module is over 500 lines: the template and the reader are the two directions of one format (the same
sheets, columns and cell kinds); split, each would import the other's privates.

The table (docs/interop.md, « Dossier tables »):

- sheet **Dossiers** (the only one of a CSV file): one line per candidate's dossier; its columns are the
  keys of ``[dossier]`` and ``[candidat]`` of a dossier file, written as key paths (``dossier.id``,
  ``dossier.inscription``, ``candidat.nom``…);
- sheets **Acteurs**, **Expériences**, **Formations**, **Activités**, **Évaluations**, **Passages** (XLSX
  only): one line per element of the dossier's ``[[acteurs]]``… tables, in their order, the first column
  ``dossier`` naming the dossier's id, the others the element's keys (``role``, ``mission_debut``…).

Cells: dates as date cells (or text ``AAAA-MM-JJ`` / ``JJ/MM/AAAA``), numbers as numbers (or text, with a
decimal comma or point), yes/no as ``oui``/``non`` (or a boolean cell), lists as ``a ; b``, tables as
``clé=valeur ; clé=valeur`` (``criteres``, ``decisions``). An empty cell is a key left out. Not mapped (a
dossier that needs them stays a TOML file): ``[positionnement]`` and ``acteurs.autres_missions``.

Each line becomes the same data a dossier file gives, and is checked by the format layer exactly as a file
is (:func:`cqpkit.formats.dossiers.dossier_from_document`); every error of every line is reported at once,
located by sheet, row and column (``dossiers.xlsx:7: feuille « Dossiers », colonne F « dossier.inscription »:
…``). openpyxl is imported only to read or write an XLSX file.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import typing
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from cqpkit.exceptions import Erreur, InvalidArgumentError, InvalidFileError, UnreadableFileError

__all__ = [
    "MAIN_SHEET", "SHEETS", "TABLE_SUFFIXES", "Column", "TableDocument", "columns", "empty_table_message", "is_table", "read_dossiers", "read_table", "write_template",
]

#: The file names ``cqpkit import`` reads as dossier tables.
TABLE_SUFFIXES = (".csv", ".xlsx")
MAIN_SHEET = "Dossiers"
#: Sheet → (key of the dossier file, model class) for the element sheets, in the order of a dossier file.
SHEETS: dict[str, str] = {
    "Acteurs": "acteurs",
    "Expériences": "experiences",
    "Formations": "formations",
    "Activités": "activites",
    "Évaluations": "evaluations",
    "Passages": "passages",
}
HELP_SHEET = "Aide"

Kind = Literal["texte", "date", "entier", "nombre", "oui/non", "liste", "table"]


@attrs.frozen
class Column:
    """One column: its header (a key path), where its value goes in the dossier's data, its kind, whether it is required."""

    header: str
    key: str
    kind: Kind
    required: bool


def is_table(path: str | os.PathLike[str]) -> bool:
    """A file ``cqpkit import`` reads as a dossier table (by its suffix)."""
    return os.fspath(path).lower().endswith(TABLE_SUFFIXES)


def empty_table_message(path: str | os.PathLike[str]) -> str:
    """Why an import of this table had nothing to store (French): it holds no dossier (its file and sheet named)."""
    name = os.fspath(path)
    where = "sous sa ligne d'en-têtes" if name.lower().endswith(".csv") else f"dans la feuille « {MAIN_SHEET} », sous la ligne d'en-têtes"
    return f"{name} : la table ne contient aucun dossier (aucune ligne remplie {where})"


def _kind(hint: Any) -> Kind | None:
    """The kind of a model field's type hint; ``None`` for a nested class (not mapped)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return _kind(args[0]) if len(args) == 1 else None
    if hint is dt.date:
        return "date"
    if hint is bool:
        return "oui/non"
    if hint is int:
        return "entier"
    if hint is float:
        return "nombre"
    if hint is str or origin is Literal:
        return "texte"
    if origin is tuple:
        return "liste" if _kind(args[0]) == "texte" else None
    if origin is dict:
        return "table"
    return None


def _class_columns(cls: type, prefix: str = "") -> list[Column]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in attrs.fields(cls):
        kind = _kind(hints[f.name])
        if kind is not None:
            out.append(Column(prefix + f.name, f.name, kind, f.default is attrs.NOTHING))
    return out


def columns() -> dict[str, list[Column]]:
    """Every sheet's columns, in order: ``Dossiers`` (``dossier.*``, ``candidat.*``), then the element sheets."""
    from cqpkit.model import dossier as m

    out = {MAIN_SHEET: [*_class_columns(m.DossierInfo, "dossier."), *_class_columns(m.Candidat, "candidat.")]}
    classes = {"acteurs": m.Acteur, "experiences": m.Experience, "formations": m.FormationSuivie, "activites": m.Activite,
               "evaluations": m.Evaluation, "passages": m.PassageJury}
    for sheet, key in SHEETS.items():
        out[sheet] = [Column("dossier", "", "texte", True), *_class_columns(classes[key])]
    return out


# ---------------------------------------------------------------------------- template
def _values_help(ref: Any, sheet: str, col: Column) -> str:
    """What a column of this référentiel takes (French), for the template's help sheet."""
    from cqpkit.model.referentiel import ROLES

    cert = ref.certification
    known = {
        "dossier.certification": f"« {cert.id} »",
        "dossier.version": f"« {cert.version} »",
        "dossier.voie": " ; ".join(v.id for v in ref.voies) or "formation ; vae",
        "dossier.mention": " ; ".join(cert.mentions) or "(aucune mention)",
        "role": " ; ".join(ROLES) if sheet == "Acteurs" else "",
        "roles_secondaires": " ; ".join(ROLES),
        "epreuve": " ; ".join(e.id for e in ref.epreuves),
        "criteres": "critère=valeur ; … (critères : " + ", ".join(c.id for e in ref.epreuves for c in e.criteres) + ")",
        "decisions": "domaine=acquis|non_acquis ; … (domaines : " + (", ".join(d.id for d in ref.domaines) or "certification") + ")",
        "module": " ; ".join(mod.id for mod in ref.modules),
        "domaine": " ; ".join(d.id for d in ref.domaines),
        "dossier": "l'identifiant du dossier (colonne dossier.id de la feuille Dossiers)" if sheet != MAIN_SHEET else "",
    }
    text = known.get(col.header, "")
    shapes = {"date": "date (AAAA-MM-JJ ou JJ/MM/AAAA)", "entier": "nombre entier", "nombre": "nombre", "oui/non": "oui ou non",
              "liste": "valeurs séparées par « ; »", "table": "clé=valeur séparés par « ; »", "texte": "texte"}
    return f"{shapes[col.kind]}{' : ' + text if text else ''}"


def write_template(registry: Any, referentiel: Any, path: str | os.PathLike[str], fmt: str) -> None:
    """Write the template of a dossier table for a référentiel: ``fmt`` ``"csv"`` (the Dossiers sheet, « ; »-separated,
    UTF-8 with its byte order mark, as a French spreadsheet opens it) or ``"xlsx"`` (every sheet, and an « Aide » sheet
    saying what each column takes for this référentiel). The file is written whole or not at all (a temporary file
    beside it, renamed at the end); :class:`~cqpkit.interop.InteropUnavailable` without openpyxl for XLSX."""
    cols = columns()
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerow([c.header for c in cols[MAIN_SHEET]])
        _replace(path, buf.getvalue().encode("utf-8-sig"))
        return
    if fmt != "xlsx":
        raise InvalidArgumentError(f"format « {fmt} » inconnu : csv ou xlsx")
    from cqpkit.interop import require

    openpyxl = require("openpyxl", "le modèle XLSX")
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    wb = openpyxl.Workbook()
    first = True
    for sheet, cs in cols.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet
        ws.append([c.header for c in cs])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, c in enumerate(cs, start=1):
            ws.column_dimensions[_letter(i)].width = max(12, len(c.header) + 2)
    ws = wb.create_sheet(HELP_SHEET)
    cert = referentiel.certification
    ws.append([f"Modèle de table de dossiers — {cert.intitule} (version {cert.version}) — à importer avec « cqpkit import FICHIER.xlsx »"])
    ws.append(["Une ligne par dossier dans la feuille Dossiers ; une ligne par acteur, expérience, formation, activité, évaluation, passage dans sa feuille, la colonne dossier nommant le dossier."])
    ws.append([])
    ws.append(["Feuille", "Colonne", "Obligatoire", "Valeur attendue"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for sheet, cs in cols.items():
        for c in cs:
            ws.append([sheet, c.header, "oui" if c.required else "", _values_help(referentiel, sheet, c)])
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["D"].width = 100
    out = io.BytesIO()
    wb.save(out)
    _replace(path, out.getvalue())


def _replace(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file in the same directory, renamed over ``path``."""
    import contextlib
    import tempfile

    target = os.path.abspath(os.fspath(path))
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "c'est un répertoire, pas un fichier", os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".cqpkit-", suffix=".tmp", dir=os.path.dirname(target))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.close(fd)
        fd = -1
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _letter(i: int) -> str:
    """The spreadsheet letter of a 1-based column number (1 → A, 27 → AA)."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


# ----------------------------------------------------------------------------- reading
class TableDocument:
    """One dossier of a table, shaped like a parsed TOML dossier file for the format layer: ``fichier``, ``data``,
    ``line(path)`` and ``erreur(path, message)``, located by sheet, row and column."""

    __slots__ = ("bad", "cells", "csv", "data", "fichier", "headers", "nom")

    def __init__(self, fichier: str, data: dict, row: int, is_csv: bool) -> None:
        self.fichier = fichier
        self.data = data
        self.csv = is_csv
        #: key path → (sheet, row, column number or 0)
        self.cells: dict[tuple, tuple[str, int, int]] = {(): (MAIN_SHEET, row, 0)}
        self.headers: dict[tuple[str, int], str] = {}
        #: The name of this dossier in an import (its file and its row of the Dossiers sheet).
        self.nom = f"{fichier}:{row}"
        #: The key paths whose cell could not be read (already reported; left out of the data).
        self.bad: set[tuple] = set()

    def _where(self, path: Sequence[Any]) -> tuple[str, int, int]:
        p = tuple(path)
        while p not in self.cells:
            p = p[:-1]
        return self.cells[p]

    def line(self, path: Any) -> int:
        """The row of the cell (or line) where ``path`` comes from."""
        return self._where(path)[1]

    def location(self, path: Any) -> str:
        """« feuille « S », colonne C « header » » for ``path`` (the sheet alone for a CSV file's one sheet)."""
        from cqpkit.formats.errors import format_path

        sheet, _, col = self._where(path)
        head = "" if self.csv else f"feuille « {sheet} »"
        if col:
            cell = f"colonne {_letter(col)} « {self.headers[(sheet, col)]} »"
            return f"{head}, {cell}" if head else cell
        key = format_path(tuple(path)) if path else ""
        return f"{head} ({key})" if head and key else head or key

    def erreur(self, path: Any, message: str) -> Erreur:
        """An error at ``path``, located by row and by sheet and column."""
        return Erreur(self.fichier, self.line(path), self.location(path), message)


_DATE_FR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _cell(value: Any, kind: Kind) -> tuple[Any, str | None]:
    """A cell's value for the dossier's data, or an error message (French)."""
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        text = str(value).strip()
        m = _DATE_FR.fullmatch(text)
        try:
            return (dt.date(int(m[3]), int(m[2]), int(m[1])) if m else dt.date.fromisoformat(text)), None
        except ValueError:
            return None, f"date invalide « {text} » : une date (AAAA-MM-JJ ou JJ/MM/AAAA) est attendue"
    if kind in ("entier", "nombre"):
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip().replace("\u202f", "").replace(" ", "").replace(",", "."))
            except ValueError:
                return None, f"« {value} » n'est pas un nombre"
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return None, f"« {value} » n'est pas un nombre"
        if kind == "entier":
            if float(number) != int(number):
                return None, f"« {value} » : un nombre entier est attendu"
            return int(number), None
        return (int(number) if float(number).is_integer() else float(number)), None
    if kind == "oui/non":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in ("oui", "vrai", "true", "1", "x"):
            return True, None
        if text in ("non", "faux", "false", "0"):
            return False, None
        return None, f"« {value} » : oui ou non est attendu"
    text = _text(value)
    if kind == "liste":
        return [x.strip() for x in text.split(";") if x.strip()], None
    if kind == "table":
        out: dict[str, str] = {}
        for part in (x.strip() for x in text.split(";")):
            if not part:
                continue
            key, eq, val = part.partition("=")
            if not eq or not key.strip():
                return None, f"« {part} » : clé=valeur est attendu (par exemple D1=acquis), séparés par « ; »"
            out[key.strip()] = val.strip()
        return out, None
    return text, None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheets(path: str) -> tuple[dict[str, list[tuple[Any, ...]]], bool]:
    """The rows of each sheet (first row: the headers) and whether the file is a CSV file."""
    from cqpkit.formats.tomlfile import decode_text, read_bytes

    data = read_bytes(path)
    if path.lower().endswith(".csv"):
        try:
            text = decode_text(data, path).removeprefix("\ufeff")
        except UnreadableFileError as exc:
            # Excel's « CSV (séparateur : point-virgule) » is Windows-1252: say which of its CSV formats to choose
            raise UnreadableFileError(f"{exc} (dans Excel : Enregistrer sous › « CSV UTF-8 (délimité par des virgules) »)") from None
        head = text.split("\n", 1)[0]
        delimiter = ";" if head.count(";") >= head.count(",") and ";" in head else ","
        return {MAIN_SHEET: [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]}, True
    import zipfile

    from cqpkit.interop import require

    openpyxl = require("openpyxl", f"{path} : la lecture d'une table XLSX")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFileError(f"{path} : classeur XLSX illisible ({type(exc).__name__}) : enregistrer le fichier au format Excel .xlsx") from None
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}, False
    finally:
        wb.close()


def read_table(path: str | os.PathLike[str]) -> list[TableDocument]:
    """The dossiers of a table, as documents for the format layer (:func:`dossier_from_document`).

    Raises :class:`InvalidFileError` with every problem of the table's shape and cells (unknown sheet or
    column, a value of the wrong kind, a line naming a dossier that the Dossiers sheet does not have), or
    :class:`UnreadableFileError`.
    """
    docs, errors = _read(os.fspath(path))
    if errors:
        raise InvalidFileError(os.fspath(path), errors)
    return docs


def _read(fichier: str) -> tuple[list[TableDocument], list[Erreur]]:
    """The documents and the errors of shape and cells (each document's ``bad`` cells left out of its data)."""
    sheets, is_csv = _sheets(fichier)
    spec = columns()
    errors: list[Erreur] = []
    where = (lambda s: "") if is_csv else (lambda s: f"feuille « {s} »")

    def err(sheet: str, row: int, col: int, header: str, message: str) -> None:
        place = where(sheet)
        if col:
            place = f"{place + ', ' if place else ''}colonne {_letter(col)} « {header} »"
        errors.append(Erreur(fichier, row, place, message))

    if MAIN_SHEET not in sheets:
        errors.append(Erreur(fichier, 1, "", f"feuille « {MAIN_SHEET} » manquante (feuilles : {', '.join(sheets)})"))
        return [], errors
    for sheet in sheets:
        if sheet not in spec and sheet != HELP_SHEET:
            errors.append(Erreur(fichier, 1, where(sheet), f"feuille « {sheet} » inconnue (feuilles possibles : {', '.join(spec)})"))

    def header_map(sheet: str) -> dict[int, Column]:
        rows = sheets[sheet]
        by_header = {c.header: c for c in spec[sheet]}
        out: dict[int, Column] = {}
        for i, h in enumerate(rows[0] if rows else (), start=1):
            if _empty(h):
                continue
            name = str(h).strip()
            if name not in by_header:
                err(sheet, 1, i, name, f"colonne inconnue (colonnes possibles : {', '.join(by_header)})")
            elif by_header[name] in out.values():
                err(sheet, 1, i, name, "colonne en double")
            else:
                out[i] = by_header[name]
        return out

    docs: dict[str, TableDocument] = {}
    order: list[TableDocument] = []
    main = header_map(MAIN_SHEET)
    for r, row in enumerate(sheets[MAIN_SHEET][1:], start=2):
        if all(_empty(v) for v in row):
            continue
        data: dict[str, Any] = {"dossier": {}, "candidat": {}}
        doc = TableDocument(fichier, data, r, is_csv)
        for i, col in main.items():
            table, _, key = col.header.partition(".")
            doc.cells[(table,)] = (MAIN_SHEET, r, 0)
            doc.cells[(table, key)] = (MAIN_SHEET, r, i)
            doc.headers[(MAIN_SHEET, i)] = col.header
            value = row[i - 1] if i - 1 < len(row) else None
            if _empty(value):
                continue
            parsed, problem = _cell(value, col.kind)
            if problem:
                err(MAIN_SHEET, r, i, col.header, problem)
                doc.bad.add((table, key))
            else:
                data[table][key] = parsed
        did = data["dossier"].get("id")
        if isinstance(did, str) and did in docs:
            id_at = next((i for i, c in main.items() if c.header == "dossier.id"), 0)
            err(MAIN_SHEET, r, id_at, "dossier.id", f"dossier « {did} » déjà donné à la ligne {docs[did].line(())} (une ligne par dossier)")
            continue
        if isinstance(did, str):
            docs[did] = doc
        order.append(doc)
    for sheet, key in SHEETS.items():
        if sheet not in sheets:
            continue
        cols = header_map(sheet)
        id_col = next((i for i, c in cols.items() if c.header == "dossier"), 0)
        if not id_col and len(sheets[sheet]) > 1:
            err(sheet, 1, 0, "", "colonne « dossier » manquante : elle nomme le dossier de chaque ligne")
            continue
        for r, row in enumerate(sheets[sheet][1:], start=2):
            if all(_empty(v) for v in row):
                continue
            did = _text(row[id_col - 1]) if id_col - 1 < len(row) and not _empty(row[id_col - 1]) else ""
            found = docs.get(did)
            if found is None:
                err(sheet, r, id_col, "dossier", f"dossier « {did} » absent de la feuille « {MAIN_SHEET} »" if did else "identifiant de dossier manquant")
                continue
            doc = found
            items = doc.data.setdefault(key, [])
            n = len(items)
            item: dict[str, Any] = {}
            doc.cells[(key,)] = doc.cells.get((key,), (sheet, r, 0))
            doc.cells[(key, n)] = (sheet, r, 0)
            for i, col in cols.items():
                if col.header == "dossier":
                    continue
                doc.cells[(key, n, col.key)] = (sheet, r, i)
                doc.headers[(sheet, i)] = col.header
                value = row[i - 1] if i - 1 < len(row) else None
                if _empty(value):
                    continue
                parsed, problem = _cell(value, col.kind)
                if problem:
                    err(sheet, r, i, col.header, problem)
                    doc.bad.add((key, n, col.key))
                else:
                    item[col.key] = parsed
            items.append(item)
    return order, errors


def read_dossiers(path: str | os.PathLike[str], registry: Any) -> list[tuple[TableDocument, Any]]:
    """The dossiers of a table, each checked against the registry as a file is: ``(document, Dossier)`` pairs
    (``document.nom`` is ``FILE:ROW``, its row of the Dossiers sheet); :class:`InvalidFileError` with every error of
    every line: those of the cells, and the format layer's on each dossier whose cells could be read."""
    from cqpkit.formats.dossiers import dossier_from_document

    fichier = os.fspath(path)
    docs, errors = _read(fichier)
    out = []
    for doc in docs:
        try:
            dossier = dossier_from_document(doc, registry)  # type: ignore[arg-type]
        except InvalidFileError as exc:
            # a cell already reported as unreadable is not also « missing »
            reported = {(doc.line(p), doc.location(p)) for p in doc.bad}
            errors.extend(e for e in exc.erreurs if (e.ligne, e.chemin) not in reported)
            continue
        if not doc.bad:
            out.append((doc, dossier))
    if errors:
        raise InvalidFileError(fichier, sorted(errors, key=_order))
    return out


_SHEET_ORDER = {name: i for i, name in enumerate([MAIN_SHEET, *SHEETS])}


def _order(e: Erreur) -> tuple[int, int]:
    """Errors by sheet (in the template's order), then row."""
    m = re.match(r"feuille « (.+?) »", e.chemin)
    return (_SHEET_ORDER.get(m[1], len(_SHEET_ORDER)) if m else 0, e.ligne)
