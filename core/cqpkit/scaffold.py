"""``cqpkit new-plugin NAME``: a standalone plugin distribution whose suite passes out of the box.

The files come from the template ``referentials/template/`` (shipped in the wheel as
``cqpkit/_template`` when packaging force-includes it; read from the source tree
otherwise). Every file and path of the template is text in which these tokens are
replaced (a plain ``str.replace``, so that the ``${{ … }}`` of a CI file or the ``{}`` of
Python need no escaping):

==========================  =======================================  ======================
token                       what                                     for ``ma-branche``
==========================  =======================================  ======================
``__NAME__``                the name given                           ``ma-branche``
``__DISTRIBUTION__``        the distribution                         ``cqpkit-ma-branche``
``__PACKAGE__``             the import package                       ``cqpkit_ma_branche``
``__ENTRY_POINT__``         the entry-point (plugin) name            ``ma_branche``
``__BRANCHE__``             the ``branche`` of the certification     ``ma-branche``
``__SLUG__``                the certification slug (``--certification``)  ``mon-cqp``
``__CERTIFICATION__``       the certification id                     ``ma-branche.mon-cqp``
``__INTITULE__``            its title (``--intitule``)               ``CQP de la branche ma-branche``
``__YEAR__``, ``__NEXT_YEAR__``  this year and the next (version, dates)  ``2025``, ``2026``
``__CQPKIT_VERSION__``      the running cqpkit version (dependency)  ``0.1.0``
==========================  =======================================  ======================

``__INSTALL_CQPKIT__`` (not in :func:`placeholders`: it depends on the machine) is the command
that installs cqpkit itself in the plugin's virtual environment, from where the running cqpkit
comes (:func:`cqpkit_source`): cqpkit is not on a public package index, so ``pip install -e
'.[test]'`` alone cannot find the ``cqpkit>=…`` the plugin depends on. The README and the
printed next steps give it first. The JSON schemas of the file kinds are written in
``schemas/`` (the référentiel's ``#:schema`` line points there, relative to the file, as
Taplo / Even Better TOML read it).

A name is lowercase ASCII letters, digits and hyphens, starting with a letter (``cqpkit-``
in front is dropped), and not the entry-point name of an installed plugin. The target directory (``--dest``, default ``./cqpkit-NAME``) must
not exist or be empty: nothing is ever overwritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import stat
from pathlib import Path
from urllib.parse import unquote, urlparse

from cqpkit.exceptions import CqpkitError, os_reason

__all__ = ["SCHEMA_DIR", "ScaffoldError", "add_arguments", "cqpkit_source", "new_plugin", "next_steps", "placeholders", "template_dir"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Where the plugin's JSON schemas are written, relative to its root.
SCHEMA_DIR = "schemas"
_SCHEMA_KINDS = ("referentiel", "dossier", "session")


class ScaffoldError(CqpkitError):
    """The plugin cannot be created: an invalid name, an existing directory, no template."""

    exit_code = 2


def template_dir() -> Path:
    """The template directory: in the installed package (``cqpkit/_template``) or the source tree."""
    import cqpkit

    package = Path(cqpkit.__file__).resolve().parent
    for candidate in (package / "_template", package.parent.parent / "referentials" / "template"):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise ScaffoldError(
        "modèle d'extension introuvable (ni cqpkit/_template dans le paquet installé, ni referentials/template "
        "dans les sources) : réinstallez cqpkit"
    )


def placeholders(
    name: str, certification: str = "mon-cqp", intitule: str | None = None, today: dt.date | None = None
) -> dict[str, str]:
    """The token → value table for a plugin ``name`` (see the module docstring); checks the names."""
    from cqpkit import __version__

    name = name.removeprefix("cqpkit-")
    if not _NAME.match(name):
        raise ScaffoldError(
            f"nom d'extension invalide « {name} » : minuscules ASCII, chiffres et tirets, en commençant par une "
            "lettre (par exemple « proprete » ou « ma-branche »)"
        )
    if not _SLUG.match(certification):
        raise ScaffoldError(
            f"identifiant de certification invalide « {certification} » : minuscules ASCII, chiffres et tirets "
            "(par exemple « agent-de-proprete »)"
        )
    year = (today or dt.date.today()).year
    snake = name.replace("-", "_")
    return {
        "__NAME__": name,
        "__DISTRIBUTION__": f"cqpkit-{name}",
        "__PACKAGE__": f"cqpkit_{snake}",
        "__ENTRY_POINT__": snake,
        "__BRANCHE__": name,
        "__SLUG__": certification,
        "__CERTIFICATION__": f"{name}.{certification}",
        "__INTITULE__": intitule or f"CQP de la branche {name}",
        "__NEXT_YEAR__": str(year + 1),
        "__YEAR__": str(year),
        "__CQPKIT_VERSION__": __version__,
    }


def _source_checkout() -> Path | None:
    """The root of the cqpkit source tree the running cqpkit is imported from (an editable install), if any."""
    import cqpkit
    from cqpkit.formats.tomlfile import read_text

    root = Path(cqpkit.__file__).resolve().parent.parent.parent
    try:
        text = read_text(root / "pyproject.toml")
    except CqpkitError:  # absent or unreadable: not a checkout
        return None
    return root if re.search(r'(?m)^name = "cqpkit"$', text) else None


def cqpkit_source() -> tuple[str, str]:
    """How to install the running cqpkit in another virtual environment: ``(pip arguments, where from, in French)``.

    An editable source checkout gives ``-e PATH``; a wheel or a directory installed from a local
    path (PEP 610 ``direct_url.json``) that still exists gives that path; a VCS or remote URL
    gives ``cqpkit @ URL``; anything else (a package index) gives ``cqpkit==VERSION``, the exact
    version running here.
    """
    from cqpkit import __version__

    root = _source_checkout()
    if root is not None:
        return f"-e {shlex.quote(str(root))}", f"ses sources, {root}"
    direct: dict = {}
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        text = distribution("cqpkit").read_text("direct_url.json")
        direct = json.loads(text) if text else {}
    except (PackageNotFoundError, OSError, ValueError, RecursionError):
        direct = {}
    url = direct.get("url", "") if isinstance(direct, dict) else ""
    if url.startswith("file:"):
        path = Path(unquote(urlparse(url).path))
        if path.exists():
            editable = "-e " if direct.get("dir_info", {}).get("editable") else ""
            return f"{editable}{shlex.quote(str(path))}", f"le fichier d'où il a été installé ici, {path}"
    elif url:
        vcs = direct.get("vcs_info")
        spec = f"{vcs['vcs']}+{url}@{vcs['commit_id']}" if isinstance(vcs, dict) and "commit_id" in vcs else url
        return shlex.quote(f"cqpkit @ {spec}"), f"l'adresse d'où il a été installé ici, {spec}"
    return (
        shlex.quote(f"cqpkit=={__version__}"),
        f"l'index de paquets d'où il a été installé ici (version {__version__} ; celui de votre organisation, "
        "configuré pour pip)",
    )


def _bin(tool: str) -> str:
    return f".venv\\Scripts\\{tool}" if os.name == "nt" else f".venv/bin/{tool}"


def next_steps(directory: str | None = None) -> list[str]:
    """The commands that install and test a new plugin, one per line, to be run as printed from its parent directory.

    Without ``directory``, from the plugin's own directory (the README's version).
    """
    pip_args, _ = cqpkit_source()
    lines = [f"cd {shlex.quote(directory)}"] if directory is not None else []
    return [
        *lines,
        "python3 -m venv .venv",
        f"{_bin('pip')} install {pip_args}",
        f"{_bin('pip')} install -e '.[test]'",
        f"{_bin('cqpkit')} list",
        f"{_bin('python')} -m pytest",
    ]


def _schemas() -> dict[str, str]:
    """The JSON schemas of the file kinds, as ``cqpkit schema KIND`` prints them here."""
    from cqpkit.formats.schema import schema_text
    from cqpkit.plugins.registry import load_registry

    extensions = load_registry().extension_classes()
    return {kind: schema_text(kind, extensions if kind == "referentiel" else None) for kind in _SCHEMA_KINDS}


def _check_free(entry_point: str) -> None:
    """Refuse a plugin name that an installed plugin already has: the two would clash at every load."""
    from cqpkit.plugins.entrypoints import entry_points
    from cqpkit.plugins.manager import ENTRY_POINT_GROUP

    for ep in entry_points(ENTRY_POINT_GROUP):
        if ep.name == entry_point:
            raise ScaffoldError(
                f"le nom d'extension « {entry_point} » est déjà celui d'une extension installée (distribution "
                f"{ep.dist_name}) : deux extensions de même nom ne peuvent pas être chargées ensemble ; choisissez-en un autre"
            )


def _fill(text: str, table: dict[str, str]) -> str:
    # __NEXT_YEAR__ before __YEAR__ (dict order): neither token contains the other's value.
    for token, value in table.items():
        text = text.replace(token, value)
    return text


def new_plugin(
    name: str,
    dest: str | os.PathLike[str] | None = None,
    *,
    certification: str = "mon-cqp",
    intitule: str | None = None,
    today: dt.date | None = None,
) -> tuple[Path, list[Path]]:
    """Create the plugin distribution; return its directory and the files written (relative, sorted)."""
    table = placeholders(name, certification, intitule, today)
    _check_free(table["__ENTRY_POINT__"])
    target = Path(dest) if dest is not None else Path.cwd() / table["__DISTRIBUTION__"]
    _check_target(target)
    source = template_dir()
    pip_args, _ = cqpkit_source()
    table = {**table, "__INSTALL_CQPKIT__": f"{_bin('pip')} install {pip_args}"}
    written: list[Path] = []

    def write(rel: Path, text: str) -> None:
        out = target / rel
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:  # a read-only disk, a full one, a file in the way…
            where = exc.filename or out
            raise ScaffoldError(
                f"{where} : écriture impossible ({os_reason(exc)}) : l'extension n'est créée qu'en partie dans {target}"
            ) from None
        written.append(rel)

    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for fname in sorted(files):
            if fname.endswith((".pyc", ".pyo")):
                continue
            src = Path(folder) / fname
            write(Path(_fill(str(src.relative_to(source)), table)), _fill(src.read_text(encoding="utf-8"), table))
    for kind, text in _schemas().items():
        write(Path(SCHEMA_DIR, f"{kind}.schema.json"), text)
    return target, sorted(written)


def _check_target(target: Path) -> None:
    """Refuse a ``--dest`` that is a file, a non-empty directory, or under a file: nothing is ever overwritten."""
    try:
        st = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        if target.is_symlink():
            raise ScaffoldError(
                f"{target} est un lien symbolique vers un chemin qui n'existe pas : choisissez un autre --dest"
            ) from None
        for parent in target.parents:  # a missing directory is created, unless a file is in the way
            if parent.exists():
                if not parent.is_dir():
                    raise ScaffoldError(
                        f"{parent} est un fichier, pas un répertoire : --dest {target} ne peut pas être créé dedans ; "
                        "choisissez un autre --dest"
                    ) from None
                break
        return
    except OSError as exc:
        raise ScaffoldError(f"{target} : accès impossible ({os_reason(exc)}) : choisissez un autre --dest") from None
    if not stat.S_ISDIR(st.st_mode):
        what = "un fichier" if stat.S_ISREG(st.st_mode) else "un fichier spécial (tube, socket ou périphérique)"
        raise ScaffoldError(
            f"{target} existe déjà et est {what}, pas un répertoire : --dest attend un répertoire à créer (ou vide) ; "
            "choisissez un autre --dest"
        )
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        raise ScaffoldError(f"{target} : lecture du répertoire impossible ({os_reason(exc)}) : choisissez un autre --dest") from None
    if not empty:
        raise ScaffoldError(f"{target} existe déjà et n'est pas un répertoire vide : choisissez un autre --dest")


def cmd_new_plugin(args: argparse.Namespace) -> int:
    """The ``new-plugin`` command: create the distribution, list its files, say what to do next."""
    target, files = new_plugin(args.name, args.dest, certification=args.certification, intitule=args.intitule)
    table = placeholders(args.name, args.certification, args.intitule)
    shown = os.path.relpath(target) if not os.path.isabs(args.dest or "") else str(target)
    # One print per line: the CLI's streams let a newline through only as the end of a print (cqpkit.cli.output).
    print(f"Extension « {table['__ENTRY_POINT__']} » ({table['__CERTIFICATION__']}) créée dans {shown} :")
    for f in files:
        print(f"  {f.as_posix()}")
    _, where = cqpkit_source()
    comments = {
        2: "# cqpkit d'abord : il n'est pas sur un index public",
        4: "# la certification apparaît",
        5: "# la suite de conformité et le scénario passent",
    }
    steps = next_steps(shown)
    width = max(len(line) for line in steps) + 2
    print(f"Ensuite, dans un nouvel environnement virtuel où cqpkit s'installe depuis {where} :")
    for i, line in enumerate(steps):
        print(f"  {line.ljust(width) + comments[i] if i in comments else line}")
    print(
        "puis remplacez le référentiel de départ par le vôtre. Le guide : cqpkit doc plugin ; "
        "le format des référentiels : cqpkit doc format."
    )
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``cqpkit new-plugin``."""
    p.add_argument("name", metavar="NOM", help="nom de l'extension : minuscules, chiffres et tirets (ex. ma-branche)")
    p.add_argument("--dest", metavar="RÉPERTOIRE", help="répertoire à créer (défaut : ./cqpkit-NOM)")
    p.add_argument(
        "--certification", default="mon-cqp", metavar="SLUG", help="identifiant de la certification après « NOM. » (défaut : mon-cqp)"
    )
    p.add_argument("--intitule", metavar="TEXTE", help="intitulé de la certification (défaut : « CQP de la branche NOM »)")
    p.set_defaults(func=cmd_new_plugin)
