"""``--format csv|xlsx -o FICHIER`` of ``report campaign``, ``report deadlines`` and ``funding``: the report as a spreadsheet.

The sheets are built from the report's JSON dict by :mod:`cqpkit.interop.tables` (openpyxl, from the ``interop``
extra, imported only when an XLSX file is written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["export_table", "table_options", "wants_table"]


def table_options(p: argparse.ArgumentParser) -> None:
    """``--format csv|xlsx`` and ``--output/-o FICHIER``."""
    p.add_argument("--format", choices=("csv", "xlsx"), help="écrire le rapport dans un tableur (CSV ou XLSX), avec -o FICHIER")
    p.add_argument("--output", "-o", metavar="FICHIER", help="fichier du tableur (le format se déduit de .csv / .xlsx sans --format)")


def wants_table(args: argparse.Namespace) -> int | None:
    """``None`` when the report goes to the terminal; 0 when it goes to a spreadsheet (``args.format`` set from ``-o``'s
    suffix if needed); 2 after printing a usage error."""
    fmt, out = getattr(args, "format", None), getattr(args, "output", None)
    if not fmt and not out:
        return None
    if not fmt:
        fmt = next((f for f in ("csv", "xlsx") if str(out).lower().endswith("." + f)), None)
        if fmt is None:
            print(f"erreur : {out} : format du tableur inconnu : --format csv ou xlsx (ou un fichier .csv / .xlsx)", file=sys.stderr)
            return 2
        args.format = fmt
    if not out:
        print(f"erreur : --format {fmt} écrit un fichier : -o FICHIER est obligatoire", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print("erreur : --json et --format s'excluent : choisir la sortie JSON ou le tableur", file=sys.stderr)
        return 2
    if fmt == "xlsx":
        from cqpkit.interop import InteropUnavailable, require

        try:
            require("openpyxl", "l'export XLSX")
        except InteropUnavailable as exc:
            print(f"erreur : {exc}", file=sys.stderr)
            return 2
    return 0


def export_table(args: argparse.Namespace, build: Callable[[dict[str, Any]], Any], data: dict[str, Any], what: str) -> None:
    """Write ``build(data)`` to ``args.output`` in ``args.format`` and say so on stderr."""
    from cqpkit.interop.tables import write_table

    sheets = build(data)
    write_table(sheets, args.output, args.format)
    n = len(sheets[0].rows)
    print(f"{what} écrit dans {args.output} ({args.format.upper()}, {n} ligne{'s' if n > 1 else ''}"
          + (f" ; feuilles : {', '.join(s.name for s in sheets)})" if args.format == "xlsx" else ")"), file=sys.stderr)
