"""The ``cqpkit`` command: thin, French, with stable JSON output.

Each command parses its arguments, calls the registry or a service, and renders French
text (or JSON with ``--json``). Exit codes: 0 fine; 1 the input was read and is invalid
(or a plugin or référentiel is broken); 2 usage error or unreadable input. No Python
traceback for any input; ``--debug`` shows one. A plugin cannot end the command with its own exit
code: a ``SystemExit`` (or a ``KeyboardInterrupt`` it raises itself) leaving a plugin's code is that
plugin's failure, reported like any exception (:func:`cqpkit.plugins.manager.plugin_raised`); a
user's Ctrl-C still stops the command (« interrompu », exit 130).

This module holds the parser and :func:`main`; the commands live in one module per group:
:mod:`~cqpkit.cli.referentiels` (list, show, validate, schema, plugins),
:mod:`~cqpkit.cli.dossiers` (check, decide, funding, plan, explain, through one runner),
:mod:`~cqpkit.cli.authoring` (test, new-plugin, doc), :mod:`~cqpkit.cli.store` (db, import,
candidate), :mod:`~cqpkit.cli.jury`, :mod:`~cqpkit.cli.records` (dossier, personne, report);
what they share is in :mod:`~cqpkit.cli.common` and :mod:`~cqpkit.cli.store_common`. A command's
module is imported only when that command runs, and heavy modules (attrs, cattrs, the format
layer, SQLAlchemy) only inside the commands that need them, so ``cqpkit list`` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cqpkit.exceptions import CqpkitError, os_reason

__all__ = ["COMMANDS", "COMMAND_ALIASES", "OPTION_ALIASES", "build_parser", "main"]

# argparse's own messages, in French (argparse looks ``_`` up at call time).
_ARGPARSE_FR = {
    "usage: ": "usage : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur %(type)s invalide : %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur d'utilisation : %(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
}


def _fr(message: str) -> str:
    return _ARGPARSE_FR.get(message, message)


argparse._ = _fr  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse's parser, writing through the CLI's safe streams (:mod:`cqpkit.cli.output`).

    Its help is printed line by line (a newline reaches the terminal only as the end of a line), and the
    text of a usage error, which quotes what was typed, has its newlines and control characters escaped.
    """

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            from cqpkit.cli.output import print_lines

            print_lines(message.removesuffix("\n"), file=file or sys.stderr)

    #: The command line being parsed (set by :func:`main`): what a usage error may quote of it.
    argv: Sequence[str] = ()

    def error(self, message: str) -> Any:
        from cqpkit.cli.output import escape
        from cqpkit.store.address import display_url

        # « arguments non reconnus : --db postgresql://u:secret@h » : an address keeps its password to itself
        for arg in self.argv:
            shown = display_url(arg)
            if shown != arg:
                message = message.replace(repr(arg), repr(shown)).replace(arg, shown)
        return super().error(escape(message))


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, minus its import of shutil (zlib, bz2, lzma…) on every start.

    argparse builds a formatter for each argument it adds, and the stock one imports
    ``shutil`` just to read the terminal width; this reads it the same way with ``os``.
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        if "width" not in kwargs:
            try:
                columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (ValueError, OSError, AttributeError):
                columns = 80
            kwargs["width"] = max(columns - 2, 20)
        super().__init__(prog, **kwargs)


def _lazy(module: str, builder: str) -> Callable[[argparse.ArgumentParser], None]:
    """A command's parser builder, found in ``cqpkit.cli.<module>`` only when that command runs."""

    def add(p: argparse.ArgumentParser) -> None:
        getattr(importlib.import_module(f"cqpkit.cli.{module}"), builder)(p)

    return add


# Each command's parser is built only when that command runs (git-style lazy subcommands):
# building all of them, and importing every command module, costs `cqpkit list` a noticeable
# share of its start-up budget. `cqpkit --help` and usage errors build the full parser.
#: command → (help, builder), in the order `cqpkit --help` lists them.
COMMANDS = {
    "list": ("lister les certifications enregistrées", _lazy("referentiels", "add_list")),
    "show": ("afficher un référentiel", _lazy("referentiels", "add_show")),
    "validate": ("valider des fichiers (référentiels, dossiers, sessions de jury, scénarios)", _lazy("referentiels", "add_validate")),
    "schema": ("afficher le schéma JSON d'un type de fichier", _lazy("referentiels", "add_schema")),
    "plugins": ("lister les extensions chargées, leurs hooks et leurs fichiers", _lazy("referentiels", "add_plugins")),
    "check": ("vérifier des dossiers (et une session de jury)", _lazy("dossiers", "add_check")),
    "plan": ("orienter : le parcours individualisé après le positionnement", _lazy("dossiers", "add_plan")),
    "decide": ("le résultat de chaque dossier à une date", _lazy("dossiers", "add_decide")),
    "funding": ("les lignes de financement et de gratification", _lazy("dossiers", "add_funding")),
    "explain": ("pourquoi : chaque constat, décision et montant avec sa règle et sa source", _lazy("dossiers", "add_explain")),
    "test": ("exécuter des scénarios (dossier, date, résultats attendus)", _lazy("authoring", "add_test")),
    "new-plugin": ("créer une extension pour un nouveau CQP, prête à tester et à publier", _lazy("authoring", "add_new_plugin")),
    "doc": ("afficher la documentation livrée : guide des extensions, formats, moteur, base", _lazy("authoring", "add_doc")),
    # The store commands: SQLAlchemy is imported only when one of them opens a database.
    "db": ("la base : créer (init), migrer (upgrade), vérifier le journal d'audit (verify)", _lazy("store", "add_db")),
    "import": ("enregistrer des dossiers et des sessions de jury dans la base (tout ou rien)", _lazy("store", "add_import")),
    "jury": ("sessions de jury : lister (list), afficher (show), ouvrir (open), présenter (add), décider (decide), clore (close)", _lazy("jury", "add_jury")),
    "dossier": ("un dossier enregistré : état (show), historique (history)", _lazy("records", "add_dossier")),
    "personne": ("une personne nommée par les dossiers (tuteur, évaluateur) : faits, missions, charge, prime (show)", _lazy("records", "add_personne")),
    "report": ("rapports : échéances (deadlines), campagne (campaign)", _lazy("records", "add_report")),
    "document": ("imprimer un document en PDF : formulaires, convocation, procès-verbal, notification, attestation, certificat, financement", _lazy("documents", "add_document")),
    "candidate": ("candidats : chercher (list), afficher (show), exporter leurs données (export), les effacer (erase)", _lazy("store", "add_candidate")),
    "rncp": ("répertoires de France Compétences : squelette de référentiel depuis une fiche RNCP ou RS (import)", _lazy("interop", "add_rncp")),
    "export": ("exporter un référentiel : Moodle (moodle), modèle de tableau de dossiers (modele-dossiers)", _lazy("interop", "add_export")),
    "credential": ("attestations Open Badges 3.0 signées : clés (keygen), émettre (issue), vérifier (verify)", _lazy("credentials", "add_credential")),
    "user": ("utilisateurs de la base : créer (add), lister (list), désactiver (disable), jeton d'API (token), révoquer (revoke)", _lazy("users", "add_user")),
    "serve": ("le service HTTP : l'API des calculs et son document OpenAPI (extra [serve])", _lazy("serve", "add_serve")),
}


# The command line's one rule (README « Command line »): its words are English, as the code's identifiers
# are (`cqpkit check`, `candidate erase`, `--as-of`, `--confirm`), except the words of the domain, which keep
# the French name they have in the files and the glossary (`dossier`, `jury`, `personne`, `--certification`,
# `--lieu`, `--motif`, `--president`, `--operateur`…: an option that fills a key is named after the key).
# The French spelling of an English word is accepted where an operator would type it: the actions of the
# store's commands (their help already pairs « ouvrir (open) »), and the options that are French verbs.
#: (command path) → {action: its French aliases}; ``()`` is the top level. ASCII, as typed in a shell.
COMMAND_ALIASES: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
    (): {"candidate": ("candidat",), "report": ("rapport",), "user": ("utilisateur",)},
    ("user",): {"add": ("ajouter",), "list": ("lister",), "disable": ("desactiver",), "token": ("jeton",), "revoke": ("revoquer",)},
    ("candidate",): {"export": ("exporter",), "erase": ("effacer",), "list": ("lister",), "show": ("afficher",)},
    ("jury",): {
        "list": ("lister",), "show": ("afficher",), "open": ("ouvrir",), "add": ("presenter",),
        "decide": ("decider",), "close": ("clore",),
    },
    ("dossier",): {"show": ("afficher",), "history": ("historique",)},
    ("personne",): {"show": ("afficher",)},
    ("report",): {"deadlines": ("echeances",), "campaign": ("campagne",)},
}
#: English option → its French spelling, still accepted (the commands' modules may define either: the
#: English one is put first, so that help shows « --confirm, --confirmer »).
OPTION_ALIASES: dict[str, str] = {"--confirm": "--confirmer", "--force": "--forcer", "--short": "--court", "--anonymous": "--anonyme", "--after": "--apres",
                                  "--name": "--nom", "--status": "--statut", "--limit": "--limite"}
_CANONICAL = {**{v: k for k, v in OPTION_ALIASES.items()}, **{k: k for k in OPTION_ALIASES}}
_TOP_ALIASES = {alias: name for name, aliases in COMMAND_ALIASES[()].items() for alias in aliases}


def _apply_aliases(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    """Give every command and option of ``parser`` (and of its sub-parsers) the aliases of the tables above."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names = COMMAND_ALIASES.get(path, {})
            for name, sub in list(action.choices.items()):
                if sub.prog.rsplit(" ", 1)[-1] != name:
                    continue  # an alias: its parser is walked under its own name
                new = [a for a in names.get(name, ()) if a not in action.choices]
                for alias in new:
                    action.choices[alias] = sub
                for pseudo in action._choices_actions:
                    if new and pseudo.dest == name:
                        pseudo.metavar = f"{name} ({', '.join(names[name])})"
                _apply_aliases(sub, (*path, name))
            continue
        canon = next((_CANONICAL[o] for o in action.option_strings if o in _CANONICAL), None)
        if canon is None:
            continue
        if canon not in action.option_strings:
            action.option_strings.insert(0, canon)
        if OPTION_ALIASES[canon] not in action.option_strings:
            action.option_strings.append(OPTION_ALIASES[canon])
        for opt in (canon, OPTION_ALIASES[canon]):
            parser._option_string_actions.setdefault(opt, action)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (French help); with ``only``, just that command's sub-parser."""
    from cqpkit import __version__

    common = _Parser(add_help=False, formatter_class=_Formatter)
    common.add_argument("--debug", action="store_true", help="afficher la trace Python en cas d'erreur")

    parser = _Parser(
        prog="cqpkit",
        description="Les CQP de branche en règles exécutables : référentiels, dossiers, jurys, financement.",
        parents=[common],
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"cqpkit {__version__}", help="afficher la version")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", title="commandes")
    sub.required = True
    for name, (help_text, add) in COMMANDS.items():
        aliases = list(COMMAND_ALIASES[()].get(name, ()))
        if only is None or name == only:
            add(sub.add_parser(name, aliases=aliases, help=help_text, parents=[common], formatter_class=_Formatter))
        else:
            sub.add_parser(name, aliases=aliases, help=help_text, add_help=False, formatter_class=_Formatter)
    _apply_aliases(parser)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named by the line (its first word that is not an option), aliases resolved; None if none is."""
    word = next((a for a in argv if not a.startswith("-")), None)
    word = _TOP_ALIASES.get(word or "", word)
    return word if word in COMMANDS else None


class _CompletionDone(Exception):
    """argcomplete has written its answer (it ends the process with ``exit_method``; :func:`main` returns instead)."""


def _complete() -> int:
    """Shell completion (argcomplete), when the shell asks for it (``_ARGCOMPLETE`` set).

    Only the command being typed gets its full parser (the others are names), so a TAB costs what that
    command's start costs. argcomplete is imported here only: ``cqpkit list`` never loads it.
    """
    try:
        import argcomplete
    except ImportError:  # completion not installed: propose nothing, say nothing (the shell is listening)
        return 1
    class Finder(argcomplete.CompletionFinder):  # type: ignore[misc]
        def _init_debug_stream(self) -> None:
            # fd 9 is the shell's debug channel, opened only for _ARC_DEBUG: wrapping an fd 9 that is something
            # else (cqpkit.cli.main called in a process that has one) would close it when the wrapper goes.
            if os.environ.get("_ARC_DEBUG"):
                super()._init_debug_stream()

    line = os.environ.get("COMP_LINE", "")
    words = line[: int(os.environ.get("COMP_POINT", len(line)) or len(line))].split()[1:]
    parser = build_parser(_command_of(words))
    target = os.environ.get("_ARGCOMPLETE_STDOUT_FILENAME")
    try:
        with open(target, "w", encoding="utf-8") if target else contextlib.nullcontext() as out:
            Finder()(parser, exit_method=_raise_done, output_stream=out)
    except _CompletionDone as done:
        return int(done.args[0] or 0) if done.args else 0
    return 1


def _raise_done(code: int = 0) -> None:
    raise _CompletionDone(code)


def _db_after_command(argv: list[str]) -> list[str]:
    """Accept ``cqpkit --db PATH COMMAND …`` as well as ``cqpkit COMMAND --db PATH …``.

    ``--db`` belongs to the store commands' (and sub-commands') parsers; written before the
    command, it is moved to the end of the line (``--db=PATH`` too), where the innermost
    parser reads it, so both orders mean the same.
    """
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            return [*rest, *argv[i:], *moved]
        if arg == "--db" and i + 1 < len(argv):
            moved += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith("--db="):
            moved.append(arg)
        else:
            rest.append(arg)
        i += 1
    return [*rest, *moved]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqpkit`` command; returns the exit code.

    Everything written for humans goes through :mod:`cqpkit.cli.output`'s safe streams for the whole run
    (no raw control character, a newline only at the end of a printed line); ``--json`` writes past them.
    """
    if os.environ.get("_ARGCOMPLETE"):
        return _complete()
    from cqpkit.cli.output import install

    with install():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    argv = _db_after_command(list(sys.argv[1:] if argv is None else argv))
    _Parser.argv = argv
    args = build_parser(_command_of(argv)).parse_args(argv)
    debug = args.debug or bool(os.environ.get("CQPKIT_DEBUG"))
    try:
        return args.func(args)
    except CqpkitError as exc:
        if debug:
            raise
        from cqpkit.cli.output import print_error

        # A plugin failing on a dossier (HookFailure: it raised, exited or answered the wrong type) names it.
        dossier = getattr(exc, "dossier", None)
        print_error(exc, suffix=f" — dossier « {dossier} » non évalué" if isinstance(dossier, str) else "")
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrompu", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # Files read are checked where they are opened (CqpkitError); what is left is the system refusing
        # an output: a full disk, a device error, a closed terminal. Exit 2, as for an unreadable file.
        if debug:
            raise
        where = f"{exc.filename} : " if exc.filename else "écriture de la sortie impossible : "
        print(f"erreur : {where}{os_reason(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        if debug:
            raise
        print(f"erreur interne : {type(exc).__name__}: {exc} (relancer avec --debug pour la trace)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
