"""``cqpkit candidate list | show``: search the candidates of a base, and show one (:mod:`cqpkit.store.candidats`).

The same functions as ``GET /api/v1/base/candidats[/{id}]`` (:func:`~cqpkit.store.candidats.search_candidats`,
:func:`~cqpkit.store.candidats.candidat_fiche`); ``--json`` prints their answer as it is. The CLI's user is the
operator of the base: every personal field is shown (as ``dossier show`` does).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cqpkit.cli.common import STATUTS, as_of, as_of_source, print_json
from cqpkit.cli.store_common import open_store, store_options
from cqpkit.render.text import date_txt, pluriel

__all__ = ["add_candidate_reads"]


def _statut(value: str | None) -> str:
    return {**STATUTS, "a_venir": "inscription à venir"}.get(value, value) if value else "résultat non calculé"


def _who(c: dict) -> str:
    if c.get("efface"):
        return f"{c.get('pseudonyme') or ''} (données personnelles effacées)".strip()
    return " ".join(x for x in (c.get("prenom"), c.get("nom")) if x) or "—"


def cmd_candidate_list(args: argparse.Namespace) -> int:
    from cqpkit.store.candidats import search_candidats

    with open_store(args) as store:
        data = search_candidats(store, nom=args.nom, candidat=args.id, certification=args.certification, statut=args.statut,
                                as_of=as_of(args), limite=args.limite, apres=args.apres)
    data["date_source"] = as_of_source(args)
    if args.json:
        print_json(data)
        return 0
    if not data["candidats"]:
        print(f"Aucun candidat ne répond à la recherche dans la base {data['base']}.")
        return 0
    print(f"Candidats de la base {data['base']} au {date_txt(data['date'])} ({pluriel(len(data['candidats']), 'candidat')}) :")
    for c in data["candidats"]:
        who = "[effacé]" if c["efface"] else " ".join(x for x in (c.get("prenom"), c.get("nom")) if x) or "—"
        doss = ", ".join(f"{d['dossier']} ({d['certification']}, {_statut(d['statut'])})" for d in c["dossiers"]) or "aucun dossier"
        print(f"  {c['id']}  {who}  {doss}")
    if data["suivant"]:
        print(f"Suite : relancez avec --after {data['suivant']}", file=sys.stderr)
    return 0


def cmd_candidate_show(args: argparse.Namespace) -> int:
    from cqpkit.store.candidats import candidat_fiche

    with open_store(args) as store:
        data = candidat_fiche(store, args.candidat, as_of(args))
    data["date_source"] = as_of_source(args)
    if args.json:
        print_json(data)
        return 0
    c = data["candidat"]
    print(f"Candidat {c['id']} — {_who(c)}")
    if c["efface"]:
        print(f"  Données personnelles effacées le {date_txt(c['efface_le'][:10])}")
    else:
        for key, label in (("naissance", "Naissance"), ("email", "Courriel"), ("telephone", "Téléphone"), ("emploi", "Emploi"),
                           ("employeur", "Employeur"), ("notes", "Notes")):
            if c.get(key):
                print(f"  {label} : {date_txt(c[key]) if key == 'naissance' else c[key]}")
    print(f"  Dossiers au {date_txt(data['date'])} :" if data["dossiers"] else "  Aucun dossier")
    for d in data["dossiers"]:
        sessions = f" ; sessions : {', '.join(d['sessions'])}" if d["sessions"] else ""
        print(f"    {d['dossier']}  {d['certification']} {d['version']}, voie {d['voie']}, inscrit le {date_txt(d['inscription'])} : "
              f"{_statut(d['statut'])}{sessions}")
    return 0


def add_candidate_reads(sub: argparse._SubParsersAction) -> None:
    """``candidate list`` and ``candidate show ID``, on the sub-parsers of ``cqpkit candidate``."""
    from cqpkit.store.candidats import DEFAULT_LIMIT, MAX_LIMIT
    from cqpkit.store.candidats import STATUTS as VALEURS

    a = sub.add_parser("list", help="chercher des candidats : par nom, identifiant, certification, statut (par pages)")
    a.add_argument("--name", dest="nom", metavar="TEXTE", help="les mots du nom ou du prénom (minuscules et accents indifférents)")
    a.add_argument("--id", metavar="TEXTE", help="une partie de l'identifiant du candidat")
    a.add_argument("--certification", metavar="ID", help="seulement les candidats ayant un dossier de cette certification")
    a.add_argument("--status", dest="statut", choices=VALEURS, help="seulement les candidats dont un dossier a ce statut à la date")
    a.add_argument("--limit", dest="limite", type=_limit(MAX_LIMIT), default=DEFAULT_LIMIT, metavar="N",
                   help=f"candidats par page (1 à {MAX_LIMIT} ; défaut : {DEFAULT_LIMIT})")
    a.add_argument("--after", dest="apres", metavar="ID", help="la page qui suit ce candidat (le « suivant » de la page précédente)")
    store_options(a, json=True, as_of=True)
    a.set_defaults(func=cmd_candidate_list)
    a = sub.add_parser("show", help="un candidat : identité (ou effacement) et dossiers avec leur statut")
    a.add_argument("candidat", metavar="ID", help="identifiant du candidat (ex. C-0207), pas du dossier")
    store_options(a, json=True, as_of=True)
    a.set_defaults(func=cmd_candidate_show)


def _limit(high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = 0
        if not 1 <= n <= high:
            raise argparse.ArgumentTypeError(f"« {text} » : un nombre de 1 à {high} est attendu")
        return n

    return parse
