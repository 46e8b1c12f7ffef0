"""The interoperability commands: ``rncp import``, ``export moodle``, ``export modele-dossiers``.

- ``cqpkit rncp import FICHIER… [--fiche CODE] [--id BRANCHE.SLUG] [-o SORTIE.toml]``: a référentiel
  skeleton from France Compétences' open-data export (XML flux or CSV tables, or their ZIP archives),
  :mod:`cqpkit.interop.rncp` and :mod:`cqpkit.interop.rncp_skeleton`;
- ``cqpkit export moodle ID [--version V | --as-of DATE] [-o FICHIER.csv]``: the CSV of Moodle's
  competency framework import tool, :mod:`cqpkit.interop.moodle`;
- ``cqpkit export modele-dossiers ID [--format csv|xlsx] -o FICHIER``: the template of a dossier table,
  written by :func:`cqpkit.interop.spreadsheets.write_template`.

A file given with ``-o`` is written whole or not at all (a temporary file renamed at the end), and
only once its content is known to be right: a malformed export writes nothing (exit 1). The
interop modules are imported by the command that runs, so ``cqpkit list`` never loads them.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import tempfile
from typing import Any

from cqpkit.cli.common import load_registry, parse_date
from cqpkit.exceptions import CqpkitError, os_reason

__all__ = ["add_export", "add_rncp"]


class OutputError(CqpkitError):
    """The output file cannot be written (exit 2, nothing written)."""

    exit_code = 2


def write_output(path: str | None, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` whole or not at all, or to standard output when ``path`` is ``None``.

    A target that exists and is not a regular file (``/dev/stdout``, a named pipe) is written to directly:
    renaming over it would replace it with a file.
    """
    if path is None:
        from cqpkit.cli.output import json_stream

        out = json_stream()  # past the safe stream, as `cqpkit schema`: the text is data, its newlines are its own
        out.write(text)
        out.flush()
        return
    target = os.path.abspath(path)
    tmp = None
    try:
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, "c'est un répertoire", path)
        if os.path.exists(target) and not os.path.isfile(target):
            with open(target, "w", encoding=encoding, newline="") as fh:
                fh.write(text)
            return
        fd, tmp = tempfile.mkstemp(prefix=".cqpkit-", suffix=".tmp", dir=os.path.dirname(target))
        os.close(fd)
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path} : écriture impossible ({os_reason(exc)}) ; rien n'a été écrit") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _actions(p: argparse.ArgumentParser) -> Any:
    sub = p.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    return sub


def _debug(p: argparse.ArgumentParser) -> None:
    # an action's parser needs its own --debug (SUPPRESS: keep the command's when given before the action)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="afficher la trace Python en cas d'erreur")


# ---------------------------------------------------------------------------------- rncp
def cmd_rncp_import(args: argparse.Namespace) -> int:
    import datetime as dt

    from cqpkit.interop.rncp import read_fiche
    from cqpkit.interop.rncp_skeleton import skeleton, skeleton_toml

    ident = args.ident
    if ident is not None:
        _check_ident(ident)
    fiche = read_fiche(list(args.files), args.fiche)
    ref = skeleton(fiche, ident=ident, today=dt.date.today())
    text = skeleton_toml(ref, args.output or "<sortie standard>")
    if args.output is None:
        from cqpkit.cli.output import json_text

        text = json_text(text)  # DEL, C1 and bidi controls as \uXXXX: the same TOML, safe on a terminal
    write_output(args.output, text)
    blocs = len(ref.domaines)
    said = f"{blocs} bloc{'s' if blocs > 1 else ''} de compétences" if blocs else "aucun bloc de compétences"
    where = f" dans {args.output}" if args.output else ""
    print(f"Squelette du référentiel {ref.id} (fiche {fiche.numero}, {said}) écrit{where} ; à compléter, puis « cqpkit validate ».", file=sys.stderr)
    return 0


def _check_ident(ident: str) -> None:
    import re

    from cqpkit.exceptions import InvalidArgumentError

    if not re.match(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*$", ident) or len(ident) > 100:
        raise InvalidArgumentError(
            f"--id « {ident} » invalide : « branche.slug » attendu (minuscules ASCII, chiffres et tirets, ex. mutualite.conseiller-mutualiste)"
        )


def add_rncp(p: argparse.ArgumentParser) -> None:
    """``cqpkit rncp import``."""
    sub = _actions(p)
    a = sub.add_parser(
        "import",
        help="écrire un squelette de référentiel depuis l'export des répertoires de France Compétences (XML ou CSV)",
        description=(
            "Lit une fiche du RNCP ou du Répertoire spécifique dans l'export en données ouvertes de France Compétences "
            "(le flux XML, les tables CSV, ou leur archive ZIP) et écrit un squelette de référentiel : identité, blocs "
            "de compétences et leurs codes, modalités d'évaluation en notes, complet = false. Rien n'est écrit si "
            "l'export est mal formé ou tronqué."
        ),
    )
    a.add_argument("files", nargs="+", metavar="FICHIER", help="flux XML, tables CSV (séparateur « ; ») ou archive ZIP de l'export")
    a.add_argument("--fiche", metavar="CODE", help="la fiche à lire quand l'export en contient plusieurs (RNCP1796, RS5627)")
    a.add_argument("--id", dest="ident", metavar="BRANCHE.SLUG", help="identifiant de la certification (défaut : a-completer.<intitulé>)")
    a.add_argument("-o", "--output", dest="output", metavar="SORTIE.toml", help="fichier écrit (défaut : la sortie standard)")
    _debug(a)
    a.set_defaults(func=cmd_rncp_import)


# -------------------------------------------------------------------------------- export
def _referentiel(args: argparse.Namespace) -> Any:
    from cqpkit.cli.common import failures_out
    from cqpkit.exceptions import UnknownCertificationError

    registry = load_registry()
    failures_out(registry)
    try:
        return registry, registry.referentiel(args.id, version=args.version, as_of=args.as_of)
    except UnknownCertificationError as exc:
        raise UnknownCertificationError(f"{exc.args[0]}{_near(args.id, [c.id for c in registry.certifications()])}") from None


def _near(given: str, known: list[str]) -> str:
    """« ; vouliez-vous dire « x » ? » when a known certification id is close to ``given`` (difflib, as the other hints)."""
    import difflib

    if given in known:  # the certification exists: its version was wrong, and the message lists the versions
        return ""
    near = difflib.get_close_matches(given, sorted(set(known)), n=1)
    return f" ; vouliez-vous dire « {near[0]} » ?" if near else ""


def cmd_export_moodle(args: argparse.Namespace) -> int:
    import io

    from cqpkit.interop.moodle import write_csv

    _, ref = _referentiel(args)
    buffer = io.StringIO()
    n = write_csv(ref, buffer)
    write_output(args.output, buffer.getvalue())
    where = f" dans {args.output}" if args.output else ""
    print(
        f"Référentiel {ref.id} (version {ref.version}) écrit{where} pour l'import de référentiels de compétences de Moodle "
        f"(tool_lpimportcsv) : {n - 1} compétences sous le référentiel.",
        file=sys.stderr,
    )
    return 0


def cmd_export_modele_dossiers(args: argparse.Namespace) -> int:
    from cqpkit.exceptions import InvalidArgumentError
    from cqpkit.interop.spreadsheets import write_template

    suffix = os.path.splitext(args.output)[1].lower()
    fmt = args.format or suffix.removeprefix(".")
    if fmt not in ("csv", "xlsx") or suffix != f".{fmt}":
        # `cqpkit import` tells a table by its name: a template it would not read back is refused before anything is read
        said = f"--format {args.format} avec " if args.format else ""
        raise InvalidArgumentError(
            f"{said}-o {args.output} : le modèle s'écrit dans un fichier .csv ou .xlsx, le format de son nom "
            "(« cqpkit import » reconnaît une table à son extension)"
        )
    if fmt == "xlsx":
        from cqpkit.interop import require

        require("openpyxl", "le modèle XLSX")  # before the référentiels are loaded: the missing extra is said first
    registry, ref = _referentiel(args)
    try:
        write_template(registry, ref, args.output, fmt)
    except OSError as exc:
        raise OutputError(f"{args.output} : écriture impossible ({os_reason(exc)}) ; rien n'a été écrit") from None
    print(
        f"Modèle de tableau de dossiers pour {ref.id} (version {ref.version}) écrit dans {args.output} ({fmt.upper()}) ; "
        f"à remplir, puis « cqpkit import {args.output} ».",
        file=sys.stderr,
    )
    return 0


def _which(a: argparse.ArgumentParser) -> None:
    a.add_argument("id", metavar="ID", help="identifiant de la certification (branche.slug)")
    a.add_argument("--version", dest="version", metavar="V", help="version du référentiel")
    a.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="la version en vigueur à cette date (AAAA-MM-JJ)")


def add_export(p: argparse.ArgumentParser) -> None:
    """``cqpkit export moodle | modele-dossiers``."""
    sub = _actions(p)
    a = sub.add_parser(
        "moodle",
        help="le référentiel au format CSV de l'import de référentiels de compétences de Moodle",
        description=(
            "Écrit le CSV que lit l'outil d'import de référentiels de compétences de Moodle (tool_lpimportcsv) : "
            "le référentiel, ses domaines ou blocs en compétences, leurs critères en compétences filles, les échelles."
        ),
    )
    _which(a)
    a.add_argument("-o", "--output", dest="output", metavar="FICHIER.csv", help="fichier écrit (défaut : la sortie standard)")
    _debug(a)
    a.set_defaults(func=cmd_export_moodle)
    a = sub.add_parser("modele-dossiers", help="le modèle de tableau de dossiers (une ligne par candidat) à remplir puis importer")
    _which(a)
    a.add_argument("--format", choices=["csv", "xlsx"], help="format du modèle (défaut : d'après l'extension du fichier, .csv ou .xlsx)")
    a.add_argument("-o", "--output", dest="output", required=True, metavar="FICHIER", help="fichier écrit (.csv ou .xlsx)")
    _debug(a)
    a.set_defaults(func=cmd_export_modele_dossiers)
