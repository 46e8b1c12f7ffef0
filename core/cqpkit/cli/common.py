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
    "wrap_cell",
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


def wrap_cell(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters: at spaces (dropped), else after a ``.``, ``-``,
    ``/`` or ``,`` inside a word (an id such as ``mutualite.charge-accueil``), else where it must. Each line is
    a piece of ``text`` as it is (no space added or collapsed inside a line)."""
    import re

    width = max(width, 1)
    lines: list[str] = []
    rest = text
    while len(rest) > width:
        room = rest[: width + 1]
        # A space before « ; », « : », « » », « ? », « ! » or after « « » is French typography, not a break;
        # nor is « non acquis », nor the space after a domaine's id (« D1 Relation client »).
        cut = max((m.start() for m in re.finditer(r"(?<!«)(?<!\bnon)(?<!\b[A-Z]\d)(?<!\b[A-Z]\d\d) (?![;:»?!])", room)), default=-1)
        if cut > 0:
            lines.append(rest[:cut].rstrip(" "))
            rest = rest[cut + 1 :].lstrip(" ")
            continue
        inner = [m.end() for m in re.finditer(r"[.\-/,]", rest[:width])]
        cut = inner[-1] if inner else width
        lines.append(rest[:cut])
        rest = rest[cut:]
    return [*lines, rest] if rest or not lines else lines


def _min_width(text: str) -> int:
    """The narrowest a cell can be without cutting inside a word (after ``.``, ``-``, ``/``, ``,`` allowed)."""
    import re

    return max((len(p) for w in text.split(" ") for p in re.findall(r"[^.\-/,]*[.\-/,]*", w)), default=0)


def table(rows: list[list[str]], headers: list[str], *, width: int | None = None) -> str:
    """Columns aligned on the widest cell, headers first, no trailing spaces; one line per row.

    A cell is a value (a lieu, a name): its control characters and newlines are escaped here, so that
    the widths are those of what is printed and a cell cannot break its row.

    When the table is wider than ``width`` columns (the store's reports give 100, :data:`cqpkit.cli.layout.WIDTH`;
    ``None``, the default: the wide form, as ``cqpkit list`` and ``--large`` print it),
    the widest columns are narrowed in turn, down to their longest word, and their cells wrapped on as
    many lines as they need (:func:`wrap_cell`; a header wraps at its spaces); if that is not enough, words
    are cut. The rows of a wrapped table are then separated by nothing but their first line's position.
    """
    from cqpkit.cli.output import escape

    rows = [[escape(str(v)) for v in r] for r in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    gap = 2

    def total() -> int:
        return sum(widths) + gap * (len(widths) - 1)

    if width is None or total() <= width:
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(headers, widths, strict=True)).rstrip()]
        lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        return "\n".join(lines)
    floors = [max(_min_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    # First the headers wrap at their spaces (a figure column is as wide as its header), then the widest cells.
    widths = [max([_min_width(str(h)), *(len(str(r[i])) for r in rows)]) for i, h in enumerate(headers)]
    if total() > width:
        gap = 1  # one space between the columns rather than a cell cut
    words = [max(max((len(w) for w in str(r[i]).split(" ")), default=0) for r in rows) if rows else 0 for i in range(len(headers))]
    for floor in ([max(f, w) for f, w in zip(floors, words, strict=True)], floors, [min(f, 4) for f in floors]):
        while total() > width:
            narrowable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not narrowable:
                break
            widest = max(narrowable, key=lambda i: widths[i])
            widths[widest] -= 1
    lines = []
    for r in [headers, *rows]:
        cells = [wrap_cell(str(v), w) for v, w in zip(r, widths, strict=True)]
        for k in range(max(len(c) for c in cells)):
            lines.append((" " * gap).join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
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
