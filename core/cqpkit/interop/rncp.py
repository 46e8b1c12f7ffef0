"""France Compétences' open-data export of the registers (RNCP, RS) → a référentiel skeleton.

France Compétences publishes its two registers on data.gouv.fr (« Répertoire national des
certifications professionnelles et répertoire spécifique »), daily, in two forms; both are read here:

- **the XML flux** (``export-fiches-rncp-v4-1-AAAA-MM-JJ.zip``, one XML file; the RS flux has the same
  shape): ``<FICHES>`` holds one ``<FICHE>`` per fiche, with ``NUMERO_FICHE``, ``INTITULE``,
  ``ACTIF``, ``NOMENCLATURE_EUROPE/NIVEAU`` (``NIV5``), ``DATE_DECISION``, ``DATE_EFFET``,
  ``DATE_FIN_ENREGISTREMENT``, ``CERTIFICATEURS/CERTIFICATEUR`` (``SIRET_CERTIFICATEUR``,
  ``NOM_CERTIFICATEUR``), ``CODES_NSF/NSF``, ``CODES_ROME/ROME``, ``FORMACODES/FORMACODE`` (each
  ``CODE`` and ``LIBELLE`` or ``INTITULE``), ``CAPACITES_ATTESTEES`` and
  ``BLOCS_COMPETENCES/BLOC_COMPETENCES`` (``CODE``, ``LIBELLE``, ``LISTE_COMPETENCES``,
  ``MODALITES_EVALUATION``); the texts are HTML fragments. The flux is hundreds of megabytes: it is
  streamed (:func:`xml.etree.ElementTree.iterparse`, each ``<FICHE>`` dropped once read), so the
  memory used does not grow with the file.
- **the CSV export** (``export-fiches-csv-AAAA-MM-JJ.zip``): one table per file, separated by
  « ; », UTF-8, joined by ``Numero_Fiche`` — ``Standard`` (``Intitule``,
  ``Nomenclature_Europe_Niveau``, ``Date_Decision``, ``Date_Effet``, ``Date_Fin_Enregistrement``,
  ``Actif``…), ``Blocs_De_Compétences`` (``Bloc_Competences_Code``, ``Bloc_Competences_Libelle``),
  ``Nsf`` (``Nsf_Code``), ``Rome`` (``Codes_Rome_Code``), ``Formacode`` (``Formacode_Code``),
  ``Certificateurs`` (``Siret_Certificateur``, ``Nom_Certificateur``); the other tables are ignored.
  Each table is recognised by its header; they are given as the ZIP archive or as the CSV files.

:func:`read_fiche` finds one fiche in the files; :func:`cqpkit.interop.rncp_skeleton.skeleton` turns it
into a :class:`~cqpkit.model.Referentiel` with ``complet = false``. Malformed or truncated input is an
:class:`RncpInputError` (French, with the file and the line where it is known). See
``docs/interop.md`` for what is mapped and what is not.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from attrs import field, frozen

from cqpkit.exceptions import CqpkitError

__all__ = ["BlocFiche", "FicheRepertoire", "RncpInputError", "clean_lines", "clean_text", "parse_date", "parse_niveau", "read_fiche"]


class RncpInputError(CqpkitError):
    """The export cannot be read (malformed, truncated, no such fiche): every problem, one per line."""

    exit_code = 1

    def __init__(self, problems: list[str], exit_code: int = 1) -> None:
        self.problems_text = tuple(problems)
        self.exit_code = exit_code
        # Continuation lines are indented: the CLI prints each on its own line (cli.output.error_lines).
        super().__init__("\n  ".join(problems))


@frozen(kw_only=True)
class BlocFiche:
    """One bloc de compétences of a fiche, as the export gives it."""

    code: str
    libelle: str
    competences: tuple[str, ...] = ()
    modalites: str = ""


@frozen(kw_only=True)
class FicheRepertoire:
    """One fiche of the RNCP or the RS, as read from the export (texts cleaned of their HTML)."""

    numero: str
    intitule: str = ""
    niveau: int | None = None
    actif: str = ""
    date_decision: dt.date | None = None
    date_effet: dt.date | None = None
    date_fin_enregistrement: dt.date | None = None
    nsf: tuple[str, ...] = ()
    rome: tuple[str, ...] = ()
    formacode: tuple[str, ...] = ()
    certificateurs: tuple[tuple[str, str], ...] = ()  # (nom, siret)
    capacites: tuple[str, ...] = ()
    blocs: tuple[BlocFiche, ...] = ()
    lu_dans: tuple[str, ...] = field(factory=tuple)  # the files (or archive members) it was read from


# ---------------------------------------------------------------------------------- texts
_BREAKS = re.compile(r"<\s*(?:br\s*/?|/p|/li|/div|/h\d|/tr)\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BULLET = re.compile(r"^[-•·*–—]\s*")


def clean_lines(text: str) -> list[str]:
    """The lines of an HTML fragment of the export, as plain text: tags dropped, entities decoded, bullets removed."""
    text = _BREAKS.sub("\n", text)
    text = html.unescape(_TAGS.sub(" ", text))
    text = _CONTROLS.sub(" ", text.replace("\xa0", " "))
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return [_BULLET.sub("", line) for line in lines if line.strip(" -•·*–—")]


def clean_text(text: str) -> str:
    """An HTML fragment of the export as one plain text (its lines kept)."""
    return "\n".join(clean_lines(text))


_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_date(text: str) -> dt.date | None:
    """``07/05/2024`` (the export's form) or ``2024-05-07``; empty: ``None``; anything else: ``ValueError``."""
    text = text.strip()
    if not text:
        return None
    m = _DATE_FR.match(text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"date « {text} » invalide : forme attendue JJ/MM/AAAA") from None


def parse_niveau(text: str) -> int | None:
    """``NIV5`` or ``Niveau 5`` → 5; empty or without a level (``NIV0``, RS fiches) → ``None``."""
    m = re.search(r"(\d+)", text or "")
    n = int(m.group(1)) if m else 0
    return n if 1 <= n <= 8 else None


# ---------------------------------------------------------------------------------- input
def _open_regular(path: str) -> IO[bytes]:
    """``path`` opened for reading, if it is a regular file (a FIFO or a device is refused, as the one reader does).

    The export is hundreds of megabytes, beyond the reader's cap (:func:`cqpkit.formats.tomlfile.read_file`):
    it is streamed, never read whole.
    """
    try:
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode):
                raise RncpInputError([f"{path} : pas un fichier ordinaire (tube, socket ou périphérique refusé)"], 2)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise RncpInputError([f"{path} : fichier introuvable"], 2) from None
    except OSError as exc:
        raise RncpInputError([f"{path} : lecture impossible ({exc.strerror or exc})"], 2) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        what = "c'est un répertoire, pas un fichier" if stat.S_ISDIR(st.st_mode) else "pas un fichier ordinaire"
        raise RncpInputError([f"{path} : {what}"], 2)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _members(path: str) -> Iterator[tuple[str, IO[bytes]]]:
    """Each stream to read: the file itself, or each XML / CSV member of a ZIP archive (name, binary stream)."""
    fh = _open_regular(path)
    with fh:
        head = fh.read(4)
        fh.seek(0)
        if head != b"PK\x03\x04":
            yield path, fh
            return
        try:
            archive = zipfile.ZipFile(fh)
            names = [n for n in archive.namelist() if n.lower().endswith((".xml", ".csv"))]
            if not names:
                raise RncpInputError([f"{path} : l'archive ne contient aucun fichier XML ni CSV de l'export"])
            for name in names:
                with archive.open(name) as member:
                    yield f"{path}:{name}", member
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
            raise RncpInputError([f"{path} : archive ZIP illisible ou tronquée ({exc})"]) from None


def read_fiche(paths: list[str], fiche: str | None = None) -> FicheRepertoire:
    """The fiche ``fiche`` (``RNCP1796``, ``RS5627``; by default the only one) from the export's files.

    ``paths``: the XML flux, the CSV tables, or their ZIP archives. Every table is read to its end
    (a truncated file is an error even after the fiche). Raises :class:`RncpInputError`.
    """
    wanted = fiche.strip().upper() if fiche else None
    found: dict[str, Any] = {}
    seen: list[str] = []  # numbers of the fiches met (the first ones), for the message when one must be chosen
    count = 0
    for path in paths:
        try:
            for name, stream in _members(path):
                if _looks_like_xml(stream):
                    n, data = _read_xml(name, stream, wanted, seen)
                else:
                    n, data = _read_csv(name, stream, wanted, seen)
                count = max(count, n)
                _merge(found, data, name)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # a member cut short or corrupted
            raise RncpInputError([f"{path} : archive ZIP illisible ou tronquée ({exc})"]) from None
    where = paths[0] if len(paths) == 1 else f"{paths[0]} (et {len(paths) - 1} autre{'s' if len(paths) > 2 else ''} fichier{'s' if len(paths) > 2 else ''})"
    if wanted is None and len(set(seen)) > 1:
        examples = ", ".join(sorted(set(seen))[:5])
        raise RncpInputError(
            [f"{where} : {count} fiches dans l'export ; choisir la fiche avec --fiche (par exemple {examples})"], 2
        )
    if "numero" not in found:
        what = f"fiche {wanted} absente" if wanted else "aucune fiche"
        raise RncpInputError([f"{where} : {what} ({count} fiche{'s' if count > 1 else ''} lue{'s' if count > 1 else ''})"])
    return FicheRepertoire(**found)


def _merge(found: dict[str, Any], data: dict[str, Any], name: str) -> None:
    if not data:
        return
    found.setdefault("lu_dans", ())
    found["lu_dans"] += (name,)
    for key, value in data.items():
        if isinstance(value, tuple):
            found[key] = found.get(key, ()) + tuple(v for v in value if v not in found.get(key, ()))
        elif value not in (None, "") and found.get(key) in (None, ""):
            found[key] = value


def _looks_like_xml(stream: IO[bytes]) -> bool:
    head = stream.read(64) if stream.seekable() else b""
    if stream.seekable():
        stream.seek(0)
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    return False  # a ZIP member: told by its name in _members' caller


# ------------------------------------------------------------------------------------ XML
def _read_xml(name: str, stream: IO[bytes], wanted: str | None, seen: list[str]) -> tuple[int, dict[str, Any]]:
    """Stream the XML flux: each ``<FICHE>`` is turned into a dict if it is the one wanted, then dropped."""
    import xml.etree.ElementTree as ET

    count = 0
    data: dict[str, Any] = {}
    problems: list[str] = []
    try:
        events = ET.iterparse(stream, events=("start", "end"))
        root = None
        for event, elem in events:
            if root is None:
                root = elem
                if elem.tag != "FICHES":
                    raise RncpInputError([f"{name}:1: élément racine <{elem.tag}> : le flux XML de France Compétences commence par <FICHES>"])
                continue
            if event != "end" or elem.tag != "FICHE":
                continue
            count += 1
            numero = (elem.findtext("NUMERO_FICHE") or "").strip().upper()
            if len(seen) < 5 or numero == wanted:
                seen.append(numero)
            if numero and (numero == wanted or (wanted is None and not data)):
                data = _fiche_from_xml(elem, f"{name}: fiche {numero}", problems)
            root.clear()  # the fiches already read: bounded memory whatever the size of the flux
    except ET.ParseError as exc:
        line, col = exc.position
        reason = "fin de fichier inattendue : fichier tronqué" if "no element found" in str(exc) or "unclosed token" in str(exc) else f"XML mal formé ({exc.msg if hasattr(exc, 'msg') else exc})"
        raise RncpInputError([f"{name}:{line}: colonne {col + 1} : {reason}"]) from None
    if problems:
        raise RncpInputError(problems)
    return count, data


def _codes(elem: Any, group: str, item: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in ((x.findtext("CODE") or "").strip() for x in elem.iterfind(f"{group}/{item}")) if c))


def _fiche_from_xml(elem: Any, where: str, problems: list[str]) -> dict[str, Any]:
    def text(tag: str) -> str:
        return (elem.findtext(tag) or "").strip()

    def date(tag: str) -> dt.date | None:
        try:
            return parse_date(text(tag))
        except ValueError as exc:
            problems.append(f"{where}, {tag} : {exc}")
            return None

    blocs = []
    for b in elem.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
        blocs.append(
            BlocFiche(
                code=(b.findtext("CODE") or "").strip(),
                libelle=clean_text(b.findtext("LIBELLE") or ""),
                competences=tuple(clean_lines(b.findtext("LISTE_COMPETENCES") or "")),
                modalites=clean_text(b.findtext("MODALITES_EVALUATION") or ""),
            )
        )
    certificateurs = tuple(
        (clean_text(c.findtext("NOM_CERTIFICATEUR") or ""), (c.findtext("SIRET_CERTIFICATEUR") or "").replace(" ", ""))
        for c in elem.iterfind("CERTIFICATEURS/CERTIFICATEUR")
    )
    return {
        "numero": text("NUMERO_FICHE").upper(),
        "intitule": clean_text(text("INTITULE")),
        "niveau": parse_niveau(elem.findtext("NOMENCLATURE_EUROPE/NIVEAU") or ""),
        "actif": text("ACTIF"),
        "date_decision": date("DATE_DECISION"),
        "date_effet": date("DATE_EFFET"),
        "date_fin_enregistrement": date("DATE_FIN_ENREGISTREMENT"),
        "nsf": _codes(elem, "CODES_NSF", "NSF"),
        "rome": _codes(elem, "CODES_ROME", "ROME"),
        "formacode": _codes(elem, "FORMACODES", "FORMACODE"),
        "certificateurs": tuple(c for c in certificateurs if c[0]),
        "capacites": tuple(clean_lines(text("CAPACITES_ATTESTEES"))),
        "blocs": tuple(blocs),
    }


# ------------------------------------------------------------------------------------ CSV
#: The tables of the CSV export this module reads: a column that tells the table → what it gives.
_TABLES = {
    "Bloc_Competences_Code": "blocs",
    "Codes_Rome_Code": "rome",
    "Nsf_Code": "nsf",
    "Formacode_Code": "formacode",
    "Nom_Certificateur": "certificateurs",
    "Intitule": "standard",
}


def _read_csv(name: str, stream: IO[bytes], wanted: str | None, seen: list[str]) -> tuple[int, dict[str, Any]]:
    """Read one table of the CSV export, row by row; keep the rows of the fiche wanted."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=";", strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise RncpInputError([f"{name}:1: fichier vide : une table de l'export CSV de France Compétences est attendue"])
        header = [h.strip() for h in header]
        if "Numero_Fiche" not in header:
            raise RncpInputError(
                [f"{name}:1: ni XML ni table de l'export CSV de France Compétences (colonne « Numero_Fiche » absente de l'en-tête, séparateur « ; »)"]
            )
        kind = next((t for col, t in _TABLES.items() if col in header), None)
        col = {h: i for i, h in enumerate(header)}
        numbers: set[str] = set()
        rows: list[dict[str, str]] = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise RncpInputError(
                    [f"{name}:{reader.line_num}: {len(row)} colonnes au lieu de {len(header)} (ligne incomplète : fichier tronqué ?)"]
                )
            numero = row[col["Numero_Fiche"]].strip().upper()
            if numero not in numbers:
                numbers.add(numero)
                if len(seen) < 5 or numero == wanted:
                    seen.append(numero)
            if kind and (numero == wanted or (wanted is None and (not rows or rows[0]["Numero_Fiche"].strip().upper() == numero))):
                rows.append({h: row[i] for h, i in col.items()} | {"_ligne": str(reader.line_num)})
    except csv.Error as exc:
        raise RncpInputError([f"{name}:{reader.line_num}: CSV mal formé ({exc}) : fichier tronqué ?"]) from None
    except UnicodeDecodeError:
        raise RncpInputError([f"{name}:{reader.line_num + 1}: texte non UTF-8 : l'export de France Compétences est en UTF-8"]) from None
    return len(numbers), _fiche_from_csv(kind, rows, name)


def _fiche_from_csv(kind: str | None, rows: list[dict[str, str]], name: str) -> dict[str, Any]:
    if not rows or kind is None:
        return {}
    numero = rows[0]["Numero_Fiche"].strip().upper()
    if kind == "blocs":
        blocs = tuple(
            BlocFiche(code=r["Bloc_Competences_Code"].strip(), libelle=clean_text(r.get("Bloc_Competences_Libelle", "")))
            for r in rows
        )
        return {"numero": numero, "blocs": tuple(sorted(blocs, key=lambda b: b.code))}
    if kind in ("rome", "nsf", "formacode"):
        column = {"rome": "Codes_Rome_Code", "nsf": "Nsf_Code", "formacode": "Formacode_Code"}[kind]
        return {"numero": numero, kind: tuple(dict.fromkeys(r[column].strip() for r in rows if r[column].strip()))}
    if kind == "certificateurs":
        return {
            "numero": numero,
            "certificateurs": tuple(
                (clean_text(r["Nom_Certificateur"]), r.get("Siret_Certificateur", "").replace(" ", "")) for r in rows if r["Nom_Certificateur"].strip()
            ),
        }
    r = rows[0]
    problems: list[str] = []

    def date(column: str) -> dt.date | None:
        try:
            return parse_date(r.get(column, ""))
        except ValueError as exc:
            problems.append(f"{name}:{r['_ligne']}: {column} : {exc}")
            return None

    data = {
        "numero": numero,
        "intitule": clean_text(r.get("Intitule", "")),
        "niveau": parse_niveau(r.get("Nomenclature_Europe_Niveau", "")),
        "actif": r.get("Actif", "").strip(),
        "date_decision": date("Date_Decision"),
        "date_effet": date("Date_Effet"),
        "date_fin_enregistrement": date("Date_Fin_Enregistrement"),
    }
    if problems:
        raise RncpInputError(problems)
    return data
