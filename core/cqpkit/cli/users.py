"""``cqpkit user add | list | disable | token | revoke`` (alias ``utilisateur``): the users of a shared store.

The store's functions are in :mod:`cqpkit.store.users` (docs/store.md « Users, roles and tokens »). A password
is never read from the command line (it would stay in the shell's history and in ``ps``): it is asked on the
terminal (twice, not echoed, :mod:`getpass`), or read from standard input with ``--password-stdin`` (a script,
a secret manager); with neither, and no terminal, the user has no password (tokens only). A token is printed
once, alone on standard output (so that a script can take it), what to do with it on standard error.
"""

from __future__ import annotations

import argparse
import sys

from cqpkit.cli.common import parse_date, print_json, table
from cqpkit.cli.store_common import actions, open_store, operateur, store_options
from cqpkit.render.text import date_txt, pluriel

__all__ = ["add_user"]

_ROLES = ("admin", "operateur", "jury", "lecture")  # cqpkit.store.users.ROLES (not imported at parse time: SQLAlchemy)


class _Usage(Exception):
    """A usage error of ``user add`` (exit 2), said in French."""


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        text = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not text:
            raise _Usage("--password-stdin : aucun mot de passe lu sur l'entrée standard")
        return text
    if not sys.stdin.isatty():
        return None
    import getpass

    first = getpass.getpass("Mot de passe (vide : aucun, jetons seulement) : ")
    if not first:
        return None
    if getpass.getpass("Mot de passe, de nouveau : ") != first:
        raise _Usage("les deux mots de passe saisis diffèrent : rien n'a été enregistré")
    return first


def cmd_add(args: argparse.Namespace) -> int:
    from cqpkit.store import users

    if args.password_argv is not None:
        # Given on the command line, it is in the shell's history and the process list already: refused, never echoed.
        print(
            "erreur : un mot de passe ne se donne pas en argument (il resterait dans l'historique du shell et la liste des "
            "processus) : --password-stdin, ou la saisie au terminal ; rien n'a été enregistré",
            file=sys.stderr,
        )
        return 2
    try:
        password = _read_password(args)
    except _Usage as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        user = users.add_user(store, args.login, args.name or "", args.role, password, membre=args.membre, operateur=operateur(args))
    how = "avec mot de passe" if password is not None else "sans mot de passe (jetons seulement)"
    member = f" ; membre de jury « {user.membre} » dans les fichiers de session" if user.membre else ""
    print(f"Utilisateur {user.id} créé : rôle {user.role}, {how}{member}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from cqpkit.store.answers import users_answer

    with open_store(args) as store:
        data = users_answer(store)
    if args.json:
        print_json(data)
        return 0
    label, found = data["base"], data["utilisateurs"]
    if not found:
        print(f"Base {label} : aucun utilisateur (créez-en un : cqpkit user add IDENTIFIANT --role admin).")
        return 0
    rows = [
        [u["id"], u["nom"], u["role"], "oui" if u["actif"] else "non", u["membre"] or "—",
         ", ".join(j["id"] for j in u["jetons"] if j["etat"] == "valide") or "—"]
        for u in found
    ]
    print(f"Base {label} : {pluriel(len(found), 'utilisateur')}")
    for line in table(rows, ["Identifiant", "Nom", "Rôle", "Actif", "Membre de jury", "Jetons valides"], width=100).split("\n"):
        print(line)
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from cqpkit.store import users

    with open_store(args) as store:
        before = users.get_user(store, args.login)
        user = users.disable_user(store, args.login, operateur=operateur(args))
    if before is not None and not before.actif:
        print(f"Utilisateur {user.id} déjà désactivé : rien n'a été modifié.")
    else:
        print(f"Utilisateur {user.id} désactivé : ses jetons et son mot de passe n'ouvrent plus rien (définitif).")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from cqpkit.store import users

    with open_store(args) as store:
        token = users.create_token(store, args.login, args.label or "", args.expires, operateur=operateur(args))
    tid = token.split("_")[1]
    until = f", valable jusqu'au {date_txt(args.expires.isoformat())} inclus (UTC)" if args.expires else ", sans expiration"
    print(token)
    print(
        f"Jeton {tid} créé pour {args.login}{until}. Il n'est affiché qu'une fois : conservez-le ; "
        f"la base n'en garde que l'empreinte. Révocation : cqpkit user revoke {tid}",
        file=sys.stderr,
    )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from cqpkit.store import users

    with open_store(args) as store:
        done = users.revoke_token(store, args.jeton, operateur=operateur(args))
    tid = users.token_id(args.jeton)
    print(f"Jeton {tid} révoqué." if done else f"Jeton {tid} déjà révoqué : rien n'a été modifié.")
    return 0


def add_user(p: argparse.ArgumentParser) -> None:
    """``cqpkit user add | list | disable | token | revoke``."""
    sub = actions(p)
    a = sub.add_parser("add", help="créer un utilisateur (mot de passe demandé au terminal, ou --password-stdin)")
    a.add_argument("login", metavar="IDENTIFIANT", help="identifiant de connexion (ASCII : lettres, chiffres, . _ @ -)")
    a.add_argument("--role", required=True, choices=_ROLES, help="admin, operateur, jury (ses sessions seulement) ou lecture (rapports)")
    a.add_argument("--name", metavar="NOM", help="nom affiché (défaut : l'identifiant)")
    a.add_argument("--membre", metavar="ID", help="rôle jury : identifiant de membre dans les fichiers de session (défaut : l'identifiant)")
    a.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard (jamais en argument)")
    # Refused with its reason rather than taken for an abbreviation of --password-stdin (argparse would echo the password).
    a.add_argument("--password", dest="password_argv", nargs="?", const="", metavar="MOT_DE_PASSE", help=argparse.SUPPRESS)
    store_options(a, write=True)
    a.set_defaults(func=cmd_add)
    a = sub.add_parser("list", help="lister les utilisateurs, leurs rôles et leurs jetons")
    store_options(a, json=True)
    a.set_defaults(func=cmd_list)
    a = sub.add_parser("disable", help="désactiver un utilisateur, définitivement (ses jetons ne valent plus)")
    a.add_argument("login", metavar="IDENTIFIANT", help="identifiant de l'utilisateur")
    store_options(a, write=True)
    a.set_defaults(func=cmd_disable)
    a = sub.add_parser("token", help="créer un jeton d'API pour un utilisateur (affiché une seule fois)")
    a.add_argument("login", metavar="IDENTIFIANT", help="identifiant de l'utilisateur")
    a.add_argument("--label", metavar="LIBELLE", help="à quoi sert le jeton (ex. « portail candidats »)")
    a.add_argument("--expires", type=parse_date, metavar="DATE", help="dernier jour de validité (AAAA-MM-JJ, UTC ; défaut : sans expiration)")
    store_options(a, write=True)
    a.set_defaults(func=cmd_token)
    a = sub.add_parser("revoke", help="révoquer un jeton d'API (son identifiant, ou le jeton entier)")
    a.add_argument("jeton", metavar="JETON", help="identifiant du jeton (cqpkit user list) ou le jeton entier")
    store_options(a, write=True)
    a.set_defaults(func=cmd_revoke)
