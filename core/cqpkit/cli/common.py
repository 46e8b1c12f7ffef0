"""What the command modules of :mod:`cqpkit.cli` share: argument types, output, the registry, decision labels.

Standard library and :mod:`cqpkit.render.text` only at import time: ``cqpkit list`` imports this
module. The dates, amounts and plurals themselves come from :mod:`cqpkit.render.text`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

__all__ = [
    "DATE_SOURCES",
    "STATUTS",
    "STATUTS_PLURIEL",
    "as_of",
    "as_of_source",
    "date_said",
    "dump",
    "failures_out",
    "load_registry",
    "parse_date",
    "print_json",
    "source_text",
    "statut_text",
    "table",
]


def parse_date(text: str) -> dt.date:
    """``--as-of``, ``--date``: an ISO date (AAAA-MM-JJ) within the format's bounds, or a usage error in French (exit 2).

    The bounds are those of every date a file may hold (:data:`cqpkit.formats.limits.DATE_MIN`,
    :data:`~cqpkit.formats.limits.DATE_MAX`): beyond them the engines' date arithmetic would leave
    the calendar, and the store could not hold the date.
    """
    from cqpkit.formats.limits import DATE_MAX, DATE_MIN
    from cqpkit.render.text import date_txt

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » : forme attendue AAAA-MM-JJ") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise argparse.ArgumentTypeError(
            f"date hors des bornes « {text} » : une date du {date_txt(DATE_MIN)} au {date_txt(DATE_MAX)} est attendue"
        )
    return day


def as_of(args: argparse.Namespace) -> dt.date:
    """The date of ``--as-of``, or today when it is not given (or the command has none): the same day for the whole command."""
    given = getattr(args, "as_of", None)
    if given:
        return given
    if getattr(args, "_today", None) is None:
        args._today = dt.date.today()  # asked once: a command running over midnight keeps one date
    return args._today


#: Why a command uses its date (``date_source`` in the JSON output): today by default, or ``--as-of``.
DATE_SOURCES = ("aujourdhui", "as_of")


def as_of_source(args: argparse.Namespace) -> str:
    """``"as_of"`` when ``--as-of`` gave the date, else ``"aujourdhui"`` (:data:`DATE_SOURCES`)."""
    return "as_of" if getattr(args, "as_of", None) else "aujourdhui"


def date_said(args: argparse.Namespace) -> str:
    """The date a command used, and why: « au 07/12/2026 (aujourd'hui ; --as-of pour une autre date) » or « au 30/06/2020 (--as-of) »."""
    from cqpkit.render.text import date_txt

    day = date_txt(as_of(args))
    if as_of_source(args) == "as_of":
        return f"au {day} (--as-of)"
    return f"au {day} (aujourd'hui ; --as-of pour une autre date)"


def print_json(data: Any) -> None:
    """``--json``: indented, UTF-8 as it is, dates as ISO text; past the terminal escaping, which JSON does itself.

    ``json`` writes the C0 controls as ``\\u001b``; :func:`~cqpkit.cli.output.json_text` writes DEL, C1,
    the bidi controls and lone surrogates the same way (the same JSON value).
    """
    import json

    from cqpkit.cli.output import json_stream, json_text

    out = json_stream()
    out.write(json_text(json.dumps(data, ensure_ascii=False, indent=2, default=str)))
    out.write("\n")


def dump(obj: Any) -> Any:
    """A result object (finding, decision, funding line, parcours) as the JSON output shows it."""
    from cqpkit.formats.converter import output_converter

    return output_converter().unstructure(obj)


def load_registry() -> Any:
    """The registry of the installed (or selected) plugins."""
    from cqpkit.plugins.registry import load_registry

    return load_registry()


def failures_out(registry: Any) -> None:
    """Say on stderr which plugins could not be loaded, and why."""
    for f in registry.failures:
        head, _, rest = f.raison.partition("\n")
        print(f"erreur : extension « {f.plugin} » : {head}", file=sys.stderr)
        for line in rest.splitlines():
            print(f"  {line}", file=sys.stderr)


def table(rows: list[list[str]], headers: list[str]) -> str:
    """Columns aligned on the widest cell, headers first, no trailing spaces; one line per row.

    A cell is a value (a lieu, a name): its control characters and newlines are escaped here, so that
    the widths are those of what is printed and a cell cannot break its row.
    """
    from cqpkit.cli.output import escape

    rows = [[escape(str(v)) for v in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


STATUTS = {
    "certifie": "certifié",
    "partiel": "validation partielle",
    "en_cours": "en cours",
    "non_acquis": "aucun domaine acquis",
    "expire": "acquis expirés",
}
#: The same, after a count above one (``decide``'s closing line): « 3 validations partielles ».
STATUTS_PLURIEL = {**STATUTS, "certifie": "certifiés", "partiel": "validations partielles"}


def statut_text(statut: str, restants: Any) -> str:
    """The status in French; ``non_acquis`` with nothing left to acquire (a référentiel without domaines,
    decided on the whole certification) is « certification non acquise » rather than « aucun domaine acquis »."""
    if statut == "non_acquis" and not restants:
        return "certification non acquise"
    return STATUTS.get(statut, statut)


def source_text(source: Any) -> str:
    """« document, section », or « source non précisée »."""
    if source is None:
        return "source non précisée"
    text = source.document
    if source.section:
        text += f", {source.section}"
    return text
