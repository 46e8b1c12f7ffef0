"""The reports as spreadsheets: ``report campaign``, ``report deadlines`` and ``funding`` with ``--format csv|xlsx -o FILE``.

Built from the report's own output (the dict its ``--json`` prints: docs/json-output.md), never recomputed:
:func:`campaign_table`, :func:`deadlines_table`, :func:`funding_table` turn it into :class:`Sheet` s with
French headers and typed cells, :func:`write_table` writes them.

- **XLSX** (openpyxl): one sheet per part of the report; dates are date cells (shown JJ/MM/AAAA), counts and
  amounts are numbers (euros shown with two decimals and « € »), never text; the header row is bold and frozen.
- **CSV**: the report's first sheet only (campaign: per certification; the sessions are in the XLSX),
  « ; »-separated, UTF-8 with its byte order mark, dates ``AAAA-MM-JJ``, decimals with a comma: what a
  spreadsheet set to French reads as dates and numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from cqpkit.exceptions import InvalidArgumentError

__all__ = ["FORMATS", "Sheet", "campaign_table", "deadlines_table", "funding_table", "write_table"]

FORMATS = ("csv", "xlsx")
#: A column's kind: how its cells are written (``euro``: a number shown as an amount in euros).
Kind = Literal["texte", "date", "entier", "nombre", "euro"]


@attrs.frozen
class Sheet:
    """One sheet of a report: its name, its columns ``(header, kind)`` and its rows (values in the columns' order)."""

    name: str
    columns: tuple[tuple[str, Kind], ...]
    rows: tuple[tuple[Any, ...], ...]


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) and value else value if isinstance(value, dt.date) else None


# ------------------------------------------------------------------------------ reports
_CAMPAIGN: tuple[tuple[str, str, Kind], ...] = (
    ("Certification", "certification", "texte"), ("Intitulé", "intitule", "texte"), ("Dossiers", "dossiers", "entier"),
    ("Candidats", "candidats", "entier"), ("Voie formation", "formation", "entier"), ("VAE", "vae", "entier"),
    ("Certifications complètes", "certifies", "entier"), ("Validations partielles", "partiels", "entier"), ("Échecs", "echecs", "entier"),
    ("Acquis expirés", "expires", "entier"), ("En cours", "en_cours", "entier"), ("À venir", "a_venir", "entier"),
    ("Délais de premier passage dépassés", "delais_depasses", "entier"), ("Lignes sans barème", "lignes_sans_bareme", "entier"),
    ("Coûts de formation (€)", "cout_euro", "euro"), ("Coûts de formation (points)", "cout_points", "nombre"),
    ("Financements (€)", "financement_euro", "euro"), ("Financements (points)", "financement_points", "nombre"),
    ("Gratifications (€)", "gratification_euro", "euro"), ("Gratifications (points)", "gratification_points", "nombre"),
)


def campaign_table(data: dict[str, Any]) -> list[Sheet]:
    """``report campaign``'s dict: the figures per certification and the total (sheet « Campagne »), the sessions (« Sessions »)."""
    day = _date(data.get("date"))
    rows = [tuple(s.get(k) for _, k, _ in _CAMPAIGN) for s in [*data.get("certifications", []), data["total"]]]
    cols = tuple((h, kind) for h, _, kind in _CAMPAIGN)
    main = Sheet("Campagne", (("Au", "date"), *cols), tuple((day, *r) for r in rows))
    sessions = Sheet(
        "Sessions",
        (("Session", "texte"), ("Date", "date"), ("Certifications", "texte"), ("État", "texte"), ("À venir", "texte")),
        tuple(
            (s["session"], _date(s["date"]), ", ".join(s["certifications"]), "close" if s["close"] else "ouverte", "oui" if s["a_venir"] else "non")
            for s in data.get("sessions", [])
        ),
    )
    return [main, sessions]


_TYPES = {"premier_passage": "premier passage devant le jury", "acquis_partiel": "fin de validité d'un acquis partiel"}


def deadlines_table(data: dict[str, Any]) -> list[Sheet]:
    """``report deadlines``'s dict: one line per deadline, those to come then those passed (sheet « Échéances »)."""
    cols: tuple[tuple[str, Kind], ...] = (
        ("Au", "date"), ("Période", "texte"), ("Date de l'échéance", "date"), ("Jours", "entier"), ("Échéance", "texte"),
        ("Certification", "texte"), ("Version", "texte"), ("Dossier", "texte"), ("Candidat", "texte"), ("Voie", "texte"),
        ("Domaine", "texte"), ("Depuis", "date"),
    )
    day = _date(data.get("date"))
    rows = [
        (day, label, _date(r["date"]), r["jours"], _TYPES.get(r["type"], r["type"]), r["certification"], r.get("version") or "",
         r["dossier"], r["candidat"], r["voie"], r.get("domaine") or "", _date(r["depuis"]))
        for label, key in (("à venir", "a_venir"), ("passée", "passees"))
        for r in data.get(key, [])
    ]
    return [Sheet("Échéances", cols, tuple(rows))]


def funding_table(data: dict[str, Any]) -> list[Sheet]:
    """``funding``'s dict: one line per funding line of each dossier (sheet « Financement »), and its findings (« Constats »)."""
    cols: tuple[tuple[str, Kind], ...] = (
        ("Au", "date"), ("Dossier", "texte"), ("Code", "texte"), ("Libellé", "texte"), ("Nature", "texte"), ("Base", "texte"),
        ("Quantité", "nombre"), ("Unité", "texte"), ("Taux", "nombre"), ("Montant", "nombre"), ("En", "texte"), ("Plafond", "nombre"),
        ("Année", "entier"), ("Date de l'événement", "date"), ("Barème en vigueur depuis", "date"), ("Source", "texte"),
    )
    day = _date(data.get("date"))
    rows: list[tuple[Any, ...]] = []
    found: list[tuple[Any, ...]] = []
    for d in data.get("dossiers", []):
        for x in d.get("lignes", []):
            src = x.get("source") or {}
            source = " — ".join(p for p in (src.get("document", ""), src.get("section", "")) if p)
            rows.append((day, d["dossier"], x["code"], x["libelle"], x["nature"], x["base"], x["quantite"], x["unite"], x["taux"],
                         x["montant"], x["en"], x.get("plafond"), x.get("annee"), _date(x.get("date_evenement")), _date(x.get("depuis")), source))
        found.extend((d["dossier"], c["code"], c["niveau"], c["message"]) for c in d.get("constats", []))
    constats = Sheet("Constats", (("Dossier", "texte"), ("Code", "texte"), ("Niveau", "texte"), ("Message", "texte")), tuple(found))
    return [Sheet("Financement", cols, tuple(rows)), constats]


# ------------------------------------------------------------------------------ writing
def _csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind in ("nombre", "euro", "entier") and isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{value:.2f}" if kind == "euro" else (str(int(value)) if float(value).is_integer() else repr(float(value)))
        return text.replace(".", ",")
    return str(value)


def write_table(sheets: Sequence[Sheet], path: str | os.PathLike[str], fmt: str) -> None:
    """Write a report's sheets: ``fmt`` ``"xlsx"`` (every sheet) or ``"csv"`` (the first one); see the module docstring."""
    if fmt not in FORMATS:
        raise InvalidArgumentError(f"format « {fmt} » inconnu : csv ou xlsx")
    if fmt == "csv":
        first = sheets[0]
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow([h for h, _ in first.columns])
        for row in first.rows:
            w.writerow([_csv_value(v, k) for v, (_, k) in zip(row, first.columns, strict=True)])
        Path(path).write_text(buf.getvalue(), encoding="utf-8-sig")
        return
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    formats = {"date": "DD/MM/YYYY", "euro": '#,##0.00 "€"', "entier": "0", "nombre": "General"}
    wb = Workbook()
    for i, sheet in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet.name[:31]
        ws.append([h for h, _ in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for row in sheet.rows:
            ws.append(list(row))
            for cell, (_, kind) in zip(ws[ws.max_row], sheet.columns, strict=True):
                if kind in formats and cell.value is not None:
                    cell.number_format = formats[kind]
        for j, (header, kind) in enumerate(sheet.columns, start=1):
            width = max([len(header), *(len(str(r[j - 1])) for r in sheet.rows if r[j - 1] is not None)], default=10)
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(60, max(10, width + 2 if kind != "date" else 12))
    wb.save(os.fspath(path))
