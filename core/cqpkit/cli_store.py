"""The store commands of ``cqpkit``: ``db``, ``import``, ``jury``, ``dossier``, ``personne``, ``report``, ``candidate``.

Declared in :data:`cqpkit.cli.COMMANDS` like the others; this module is imported only when one
of them runs, and SQLAlchemy only when a database is opened, so ``cqpkit list`` never loads it.

Every command takes ``--db`` (a SQLite file, default ``$CQPKIT_DB`` or ``cqpkit.db``, or a
``postgresql://`` URL); those that change something take ``--operateur`` (default
``$CQPKIT_OPERATEUR``, else the system user), recorded in the audit log. Exit codes as
everywhere: 0 fine; 1 refused (invalid input, a closed session, an unknown dossier, a broken
audit chain), or a report that had to leave out certifications whose plugin is not loaded (the
report is printed, the certifications left out are said on stderr); 2 usage error, unreadable file
or unusable database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import sys
from typing import Any

from cqpkit.cli import _date, _failures_out, _fr_date, _money, _num, _print_json, _table
from cqpkit.exceptions import InvalidFileError, UnreadableFileError, os_reason

__all__ = ["add_candidate", "add_db", "add_dossier", "add_import", "add_jury", "add_personne", "add_report"]

_DB_HELP = "base : fichier SQLite (défaut : $CQPKIT_DB, sinon cqpkit.db) ou adresse postgresql://utilisateur@hôte/base"
_OP_HELP = "qui fait la modification, inscrit au journal d'audit (défaut : $CQPKIT_OPERATEUR, sinon l'utilisateur du système)"


def _common(p: argparse.ArgumentParser, *, write: bool = False, json: bool = False, as_of: bool = False, debug: bool = True) -> None:
    p.add_argument("--db", metavar="BASE", help=_DB_HELP)
    if write:
        p.add_argument("--operateur", metavar="NOM", help=_OP_HELP)
    if as_of:
        p.add_argument("--as-of", dest="as_of", type=_date, metavar="DATE", help="date d'évaluation (AAAA-MM-JJ ; défaut : aujourd'hui)")
    if json:
        p.add_argument("--json", action="store_true", help="sortie JSON")
    if debug:  # the command's parser has it already; an action's parser needs its own (SUPPRESS: keep the command's)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="afficher la trace Python en cas d'erreur")


def _actions(p: argparse.ArgumentParser) -> Any:
    sub = p.add_subparsers(dest="action", metavar="ACTION", title="actions")
    sub.required = True
    return sub


def _open(args: argparse.Namespace, *, create: bool = False, check: bool = True) -> Any:
    from cqpkit.store.store import Store

    return Store.open(getattr(args, "db", None), create=create, check=check)


def _as_of(args: argparse.Namespace) -> dt.date:
    return getattr(args, "as_of", None) or dt.date.today()


def _op(args: argparse.Namespace) -> str:
    from cqpkit.store.store import operateur_par_defaut

    return (getattr(args, "operateur", None) or "").strip() or operateur_par_defaut()


def _days(text: str) -> int:
    """``--within``: a whole number of days, zero or more."""
    try:
        n = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre de jours invalide « {text} » : un entier positif ou nul est attendu (ex. 90)") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"nombre de jours invalide « {text} » : un entier positif ou nul est attendu (ex. 90)")
    return n


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n <= 1 else (plural or word + 's')}"


def _fr_iso(text: str | None) -> str:
    """An ISO date (``2020-07-06``) as ``06/07/2020``."""
    return _fr_date(dt.date.fromisoformat(text)) if text else "—"


def _fr_timestamp(text: str | None) -> str:
    """A stored UTC time (``2020-07-06T09:30:00+00:00``) as ``06/07/2020 à 09:30:00 UTC``."""
    if not text:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{_fr_date(moment.date())} à {moment:%H:%M:%S} UTC"


def _left_out(data: dict[str, Any], hint: str = "") -> int:
    """Say on stderr which certifications a report left out, and why; the exit code (1 if any, so scripts notice).

    ``hint`` (:func:`cqpkit.store.store.plugin_hint`: why plugins may not be loaded here) ends every
    reason: it is said once, after them.
    """
    left = data.get("certifications_ignorees") or []
    if not left:
        return 0
    n = len(left)
    common = bool(hint) and all(x["raison"].endswith(hint) for x in left)
    print(
        f"rapport incomplet : {_plural(n, 'certification')} de la base laissée{'s' if n > 1 else ''} de côté "
        "(les règles qu'il faut pour en lire les dossiers ne sont pas chargées) :",
        file=sys.stderr,
    )
    for x in left:
        raison = x["raison"][: -len(hint)] if common else x["raison"]
        print(f"  {x['certification']} ({_plural(x['dossiers'], 'dossier')}) : {raison}", file=sys.stderr)
    if common:
        print(f"  {hint.strip().removeprefix('(').removesuffix(')')}", file=sys.stderr)
    return 1


def _hint(store: Any) -> str:
    from cqpkit.store.store import plugin_hint

    return plugin_hint(store.registry)


# ----------------------------------------------------------------------------------- db
def cmd_db_init(args: argparse.Namespace) -> int:
    from cqpkit.store.migrations import CURRENT

    with _open(args, create=True, check=False) as store:
        done = store.init()
        label = store.target.label
    if done:
        print(f"Base {label} initialisée (schéma version {CURRENT}).")
        for m in done:
            print(f"  migration {m.numero} : {m.description}")
    else:
        print(f"Base {label} déjà initialisée (schéma version {CURRENT}) : rien à faire.")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from cqpkit.store.migrations import CURRENT

    with _open(args, check=False) as store:
        before = store.version()
        done = store.upgrade()
        label = store.target.label
    if done:
        print(f"Base {label} mise à jour : schéma version {before} → {CURRENT}.")
        for m in done:
            print(f"  migration {m.numero} : {m.description}")
    else:
        print(f"Base {label} déjà à jour (schéma version {CURRENT}).")
    return 0


def cmd_db_verify(args: argparse.Namespace) -> int:
    with _open(args) as store:
        result = store.verify()
        label = store.target.label
    if args.json:
        _print_json({"base": label, "entrees": result.entrees, "tete": result.tete, "integre": result.ok, "problemes": result.problemes})
        return 0 if result.ok else 1
    if result.ok:
        print(f"Base {label} : journal d'audit intègre ({_plural(result.entrees, 'entrée')}, chaîne SHA-256 vérifiée).")
        print(f"Tête du journal : n° {result.entrees}, empreinte {result.tete}")
        print("(notez cette empreinte ailleurs — procès-verbal, courriel — pour pouvoir détecter plus tard une réécriture complète)")
        return 0
    print(f"Base {label} : journal d'audit NON intègre ({_plural(len(result.problemes), 'problème')}) :", file=sys.stderr)
    for p in result.problemes:
        print(f"  {p}", file=sys.stderr)
    return 1


def add_db(p: argparse.ArgumentParser) -> None:
    """``cqpkit db init | upgrade | verify``."""
    sub = _actions(p)
    a = sub.add_parser("init", help="créer la base (ou vérifier qu'elle est à jour)")
    _common(a)
    a.set_defaults(func=cmd_db_init)
    a = sub.add_parser("upgrade", help="appliquer les migrations du schéma en attente")
    _common(a)
    a.set_defaults(func=cmd_db_upgrade)
    a = sub.add_parser("verify", help="vérifier la chaîne du journal d'audit (et l'intégrité du fichier SQLite)")
    _common(a, json=True)
    a.set_defaults(func=cmd_db_verify)


# ------------------------------------------------------------------------------- import
def cmd_import(args: argparse.Namespace) -> int:
    from cqpkit.plugins.registry import load_registry
    from cqpkit.store.engine import resolve
    from cqpkit.store.reading import ImportErrors, read_files
    from cqpkit.store.store import Store

    target = resolve(args.db)  # a bad address is a usage error before any file is read
    # Every file is validated before the database is even opened: an invalid import changes nothing.
    registry = load_registry()
    _failures_out(registry)
    try:
        lot = read_files(args.paths, registry)
    except ImportErrors as exc:
        _print_problems(exc.problems)
        n = len(exc.problems)
        print(f"import refusé : {n} fichier{'s' if n > 1 else ''} en erreur, rien n'a été enregistré", file=sys.stderr)
        return exc.exit_code
    if not lot.dossiers and not lot.sessions:
        where = ", ".join(dict.fromkeys(args.paths))
        print(f"erreur : aucun fichier .toml dans {where} : rien à importer (des fichiers .toml de dossiers ou de sessions de jury sont attendus)", file=sys.stderr)
        return 2
    with Store.open(args.db, create=True, check=False, registry=registry) as store:
        created = store.version() is None
        if created:
            store.init()
        else:
            store.check_schema()
        report = store.import_lot(lot, _op(args))
    if args.json:
        _print_json({"base": target.label, "creee": created, "fichiers": report.fichiers, "notes": report.notes, "journal": report.audit})
        return 0
    if created:
        print(f"Base {target.label} créée (schéma à jour).")
    for f in report.fichiers:
        kind = "session" if f["type"] == "session" else "dossier"
        print(f"{f['fichier']} : {kind} {f['id']} {f['statut']}")
    for note in report.notes:
        print(f"note : {note}")
    d_new, d_ver, d_same = (report.count("dossier", x) for x in ("nouveau", "version", "inchangé"))
    s_new, s_ver, s_same = (report.count("session", x) for x in ("nouvelle", "version", "inchangée"))
    print(
        f"Import dans {target.label} : {_plural(d_new + d_ver + d_same, 'dossier')} ({d_new} nouveau{'x' if d_new > 1 else ''}, "
        f"{_plural(d_ver, 'nouvelle version', 'nouvelles versions')}, {_plural(d_same, 'inchangé')}), "
        f"{_plural(s_new + s_ver + s_same, 'session')} ({_plural(s_new, 'nouvelle')}, {_plural(s_ver, 'nouvelle version', 'nouvelles versions')}, "
        f"{_plural(s_same, 'inchangée')}) ; {_plural(report.audit, 'entrée')} au journal"
    )
    return 0


def _print_problems(problems: Any) -> None:
    for exc in problems:
        if isinstance(exc, InvalidFileError):
            n = len(exc.erreurs)
            print(f"{exc.fichier} : {n} erreur{'s' if n > 1 else ''}", file=sys.stderr)
            for e in exc.erreurs:
                print(str(e), file=sys.stderr)
        elif isinstance(exc, UnreadableFileError):
            print(f"erreur : {exc}", file=sys.stderr)
        else:
            print(f"erreur : {exc}", file=sys.stderr)


def add_import(p: argparse.ArgumentParser) -> None:
    """``cqpkit import FILE…|DIR``."""
    p.add_argument("paths", nargs="+", metavar="FICHIER", help="fichiers de dossiers et de sessions de jury (TOML), ou répertoires")
    _common(p, write=True, json=True, debug=False)
    p.set_defaults(func=cmd_import)


# --------------------------------------------------------------------------------- jury
def _membre(text: str) -> tuple[str, str, str]:
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise argparse.ArgumentTypeError(f"membre invalide « {text} » : forme attendue ID:COLLEGE[:ORGANISATION]")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def _decision(text: str) -> tuple[str, str]:
    dom, sep, value = text.partition("=")
    if not sep or not dom or not value:
        raise argparse.ArgumentTypeError(
            f"décision invalide « {text} » : forme attendue DOMAINE=acquis ou DOMAINE=non_acquis "
            "(certification=acquis ou certification=non_acquis pour un référentiel sans domaines)"
        )
    return dom, value


def cmd_jury_open(args: argparse.Namespace) -> int:
    from cqpkit.model import Membre, SessionInfo, SessionJury

    session = SessionJury(
        session=SessionInfo(
            id=args.session, date=args.date, certifications=tuple(args.certifications), president=args.president,
            precedente=args.precedente, lieu=args.lieu or "",
        ),
        membres=tuple(Membre(id=i, college=c, organisation=o) for i, c, o in args.membres or ()),
    )
    with _open(args) as store:
        store.open_session(session, _op(args))
        label = store.target.label
    print(f"Session {args.session} du {_fr_date(args.date)} ouverte dans {label} ({', '.join(args.certifications)} ; {_plural(len(session.membres), 'membre')}).")
    return 0


def cmd_jury_add(args: argparse.Namespace) -> int:
    with _open(args) as store:
        done = store.add_to_session(args.session, args.dossiers, _op(args), absent=args.absent, excuse=args.excuse, present=args.present)
    for did, statut in done:
        print(f"{did} : {statut} à la session {args.session}")
    return 0


def cmd_jury_decide(args: argparse.Namespace) -> int:
    decisions: dict[str, str] = {}
    twice: dict[str, list[str]] = {}
    for dom, value in args.decisions:
        if dom in decisions and decisions[dom] != value:
            twice.setdefault(dom, [decisions[dom]]).append(value)
        decisions[dom] = value
    if twice:  # D1=acquis D1=non_acquis: which one did the jury decide? Say it rather than keep the last.
        for dom, values in twice.items():
            print(f"erreur : décision de {dom} donnée plusieurs fois avec des valeurs différentes ({', '.join(values)}) : une seule par domaine", file=sys.stderr)
        return 2
    with _open(args) as store:
        out = store.decide(args.session, args.dossier, decisions, _op(args), motif=args.motif or "")
        resultat = None
        if out["statut"] != "inchangé":
            resultat = store.registry.decide(store.dossier(args.dossier), _as_of(args))
    what = _decisions_text(decisions)
    if out["statut"] == "inchangé":
        print(f"{args.dossier} à la session {args.session} : décisions déjà enregistrées ({what}), rien à faire.")
        return 0
    if out["statut"] == "corrigé":
        print(f"{args.dossier} à la session {args.session} : correction enregistrée ({what}) — remplace l'enregistrement n° {out['remplace']} ; motif : {args.motif}")
    else:
        print(f"{args.dossier} à la session {args.session} : décisions enregistrées ({what}).")
    if resultat is not None:
        from cqpkit.cli import _statut_text

        print(f"  résultat au {_fr_date(_as_of(args))} : {_statut_text(resultat.statut, resultat.restants)}"
              + (f" le {_fr_date(resultat.date_certification)}" if resultat.date_certification else ""))
    return 0


def cmd_jury_close(args: argparse.Namespace) -> int:
    with _open(args) as store:
        constats = store.close_session(args.session, _op(args), force=args.forcer)
    print(f"Session {args.session} close : ses décisions ne changeront plus que par des corrections motivées.")
    for c in constats:
        print(f"  {c.niveau} {c.code} — {c.message}")
    return 0


def _decision_value(key: str, value: Any) -> str:
    """``non acquis``; for the whole certification, in the feminine: ``non acquise``."""
    text = str(value).replace("_", " ")
    # "certification" is cqpkit.model.CERTIFICATION_ENTIERE (the model is not imported at start-up).
    return text + "e" if key == "certification" and value in ("acquis", "non_acquis") else text


def _decision_label(key: str) -> str:
    return "certification entière" if key == "certification" else key


def _decision_text(key: str, value: Any) -> str:
    """``D1 non acquis``; the whole certification (référentiel without domaines): ``certification entière acquise``."""
    return f"{_decision_label(key)} {_decision_value(key, value)}"


def _decisions_text(decisions: dict[str, Any]) -> str:
    return ", ".join(_decision_text(k, v) for k, v in decisions.items()) or "aucune décision"


def _membre_text(m: dict[str, Any]) -> str:
    parts = [m["college"]] + [x for x in (m["organisation"], m["fonction"]) if x]
    return f"{m['id']} ({', '.join(parts)})"


def cmd_jury_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        sessions = store.jury_sessions(args.certification)
        label = store.target.label
    if args.json:
        _print_json({"base": label, "certification": args.certification, "sessions": sessions})
        return 0
    scope = f" pour {args.certification}" if args.certification else ""
    if not sessions:
        print(f"Aucune session de jury{scope} dans la base {label}.")
        return 0
    print(f"Sessions de jury{scope} — base {label} ({len(sessions)})")
    rows = [
        [
            s["session"], _fr_date(dt.date.fromisoformat(s["date"])), "close" if s["close"] else "ouverte", s["president"] or "—",
            str(s["membres"]), str(s["dossiers"]), ", ".join(s["certifications"]),
        ]
        for s in sessions
    ]
    print(_table(rows, ["Session", "Date", "État", "Président", "Membres", "Candidats", "Certifications"]))
    return 0


def cmd_jury_show(args: argparse.Namespace) -> int:
    with _open(args) as store:
        data = store.jury_session(args.session)
    missing = data["constats_non_etablis"]
    if missing:  # what the base holds is shown; the engine's findings cannot be (exit 1, as the reports)
        print(f"erreur : session « {data['session']} » : constats du moteur non établis ici", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
    if args.json:
        _print_json(data)
        return 1 if missing else 0
    state = f"close le {_fr_date(dt.date.fromisoformat(data['cloturee_le'][:10]))}" if data["close"] else "ouverte"
    print(f"Session {data['session']} du {_fr_date(dt.date.fromisoformat(data['date']))} — {state}")
    if data["lieu"]:
        print(f"  Lieu : {data['lieu']}")
    print(f"  Certifications : {', '.join(data['certifications'])}")
    if data["precedente"]:
        print(f"  Session précédente : {data['precedente']}")
    pres = next((m for m in data["membres"] if m["president"]), None)
    if pres is not None:
        print(f"  Président : {_membre_text(pres)}")
    elif data["president"]:
        print(f"  Président : {data['president']} (pas parmi les membres)")
    else:
        print("  Président : aucun")
    print(f"  Membres ({len(data['membres'])})")
    for m in data["membres"]:
        print(f"    {_membre_text(m)}" + (" — président" if m["president"] else ""))
    if not data["membres"]:
        print("    aucun")
    cands = data["candidats"]
    print(f"  Candidats présentés ({len(cands)})")
    for c in cands:
        if c["absent"] or c["excuse"]:
            what = "absent" if c["absent"] else "excusé"
            what += f" ({_decisions_text(c['decisions'])})" if c["decisions"] else ""
        else:
            what = _decisions_text(c["decisions"])
        print(f"    {c['dossier']} (candidat {c['candidat']}, {c['certification']} {c['version']}, {c['voie']}) : {what}")
        for r in c["enregistrements"]:
            if r["origine"] != "correction":
                continue
            changes = ", ".join(
                f"{_decision_label(k)} {_decision_value(k, v['avant'] or 'sans décision')} → {_decision_value(k, v['apres'] or 'sans décision')}"
                for k, v in r["modifie"].items()
            ) or "aucun changement de décision"
            print(f"      correction n° {r['id']} du {_fr_date(dt.date.fromisoformat(r['enregistre_le'][:10]))} par {r['operateur']} "
                  f"(remplace n° {r['remplace']}) : {changes} — motif : {r['motif']}")
    if not cands:
        print("    aucun")
    constats = data["constats"]
    if missing:
        print("  Constats : non établis (extension manquante : voir le message d’erreur)")
        return 1
    if constats:
        print(f"  Constats ({len(constats)})")
        for k in constats:
            print(f"    {k['niveau']} {k['code']} — {k['message']}")
    else:
        print("  Constats : aucun")
    return 0


def add_jury(p: argparse.ArgumentParser) -> None:
    """``cqpkit jury open | add | decide | close | list | show``."""
    sub = _actions(p)
    a = sub.add_parser("open", help="ouvrir une session de jury")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session (ex. OEMM-JURY-2020-01)")
    a.add_argument("--date", type=_date, required=True, metavar="DATE", help="date de la session (AAAA-MM-JJ)")
    a.add_argument("--certification", dest="certifications", action="append", required=True, metavar="ID", help="certification couverte (répétable)")
    a.add_argument("--membre", dest="membres", action="append", type=_membre, metavar="ID:COLLEGE[:ORGANISATION]", help="membre du jury (répétable)")
    a.add_argument("--president", metavar="ID", help="le membre qui préside")
    a.add_argument("--precedente", metavar="SESSION", help="la session précédente du même jury (alternance de la présidence)")
    a.add_argument("--lieu", metavar="LIEU", help="lieu de la session")
    _common(a, write=True)
    a.set_defaults(func=cmd_jury_open)
    a = sub.add_parser("add", help="présenter des dossiers à une session ouverte")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session (ouverte)")
    a.add_argument("dossiers", nargs="+", metavar="DOSSIER", help="identifiants des dossiers")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--absent", action="store_true", help="le candidat ne s'est pas présenté")
    g.add_argument("--excuse", action="store_true", help="le candidat s'est excusé")
    g.add_argument(
        "--present", action="store_true",
        help="le candidat est venu (déjà présenté absent ou excusé : sa présence est mise à jour, par un nouvel enregistrement)",
    )
    _common(a, write=True)
    a.set_defaults(func=cmd_jury_add)
    a = sub.add_parser(
        "decide", help="enregistrer les décisions du jury (ou, session close, une correction motivée)",
        description=(
            "Enregistre les décisions du jury sur un dossier présenté à la session, domaine par domaine "
            "(D1=acquis D3=non_acquis). Pour un référentiel qui ne définit pas ses domaines (les quatre CQP "
            "incomplets de la Mutualité), seule une décision sur la certification entière est possible : "
            "certification=acquis ou certification=non_acquis."
        ),
    )
    a.add_argument("session", metavar="SESSION", help="identifiant de la session")
    a.add_argument("dossier", metavar="DOSSIER", help="identifiant du dossier présenté à la session")
    a.add_argument(
        "decisions", nargs="+", type=_decision, metavar="DOMAINE=DECISION",
        help="ex. D1=acquis D3=non_acquis ; référentiel sans domaines : certification=acquis ou certification=non_acquis",
    )
    a.add_argument("--motif", metavar="TEXTE", help="motif de la correction (obligatoire quand la session est close)")
    _common(a, write=True, as_of=True)
    a.set_defaults(func=cmd_jury_decide)
    a = sub.add_parser("close", help="clore une session après l'avoir vérifiée")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session à clore")
    a.add_argument("--forcer", action="store_true", help="clore malgré des constats bloquants")
    _common(a, write=True)
    a.set_defaults(func=cmd_jury_close)
    a = sub.add_parser("list", help="les sessions de jury enregistrées, par date")
    a.add_argument("--certification", metavar="ID", help="les seules sessions qui couvrent cette certification")
    _common(a, json=True)
    a.set_defaults(func=cmd_jury_list)
    a = sub.add_parser("show", help="une session : membres, président, candidats et décisions (corrections comprises), constats")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session")
    _common(a, json=True)
    a.set_defaults(func=cmd_jury_show)


# ------------------------------------------------------------------------------ dossier
_TYPES = {"premier_passage": "premier passage devant le jury", "acquis_partiel": "fin de validité d'un acquis partiel"}


def cmd_dossier_show(args: argparse.Namespace) -> int:
    from cqpkit.cli import _statut_text

    with _open(args) as store:
        data = store.show(args.dossier, _as_of(args))
    if args.json:
        _print_json(data)
        return 0
    c = data["candidat"]
    print(f"Dossier {data['dossier']} — {data['certification']} {data['version']}, voie {data['voie']}"
          + (f", mention {data['mention']}" if data["mention"] else "") + f" (version {data['version_dossier']} du dossier)")
    who = c.get("pseudonyme") if c.get("efface") else " ".join(x for x in (c.get("prenom"), c.get("nom")) if x)
    print(f"  Candidat : {c.get('id')}" + (f" — {who}" if who else "") + (" (données personnelles effacées)" if c.get("efface") else ""))
    print(f"  Inscription : {_fr_date(dt.date.fromisoformat(data['inscription']))}")
    if data["evaluations"]:
        print(f"  Évaluations ({len(data['evaluations'])})")
        for e in data["evaluations"]:
            print(f"    {_fr_date(dt.date.fromisoformat(e['date']))}  {e['epreuve']}" + (f" : {e['verdict']}" if e.get("verdict") else ""))
    if data["passages"]:
        print("  Passages devant le jury")
        for p in data["passages"]:
            decisions = _decisions_text(dict(sorted(p["decisions"].items())))
            state = "" if p["en_vigueur"] else " [remplacé]"
            extra = f" — correction (remplace n° {p['remplace']}) : {p['motif']}" if p["origine"] == "correction" else ""
            absent = " absent" if p["absent"] else (" excusé" if p["excuse"] else "")
            close = " (session close)" if p["session_close"] else ""
            print(f"    n° {p['id']} {_fr_date(dt.date.fromisoformat(p['date']))} {p['session']}{close}{absent} : {decisions}{state}{extra}")
    r = data["resultat"]
    line = f"  Résultat au {_fr_date(dt.date.fromisoformat(data['date']))} : {_statut_text(r['statut'], r['restants'])}"
    if r["date_certification"]:
        line += f" le {_fr_date(dt.date.fromisoformat(r['date_certification']))}"
    print(line)
    for a in r["acquis"]:
        until = f", valable jusqu'au {_fr_date(dt.date.fromisoformat(a['valide_jusqua']))}" if a["valide_jusqua"] else ""
        print(f"    acquis   {a['domaine']} (jury du {_fr_date(dt.date.fromisoformat(a['date']))}{until})")
    for a in r["expires"]:
        print(f"    expiré   {a['domaine']} (validité échue le {_fr_date(dt.date.fromisoformat(a['valide_jusqua']))})")
    if r["restants"]:
        print(f"    restants {', '.join(r['restants'])}")
    for k in r["constats"]:
        print(f"    {k['niveau']} {k['code']} — {k['message']}")
    for x in data["financement"]:
        print(f"  Financement : {x['libelle']} : {x['base']} = {_money(x['montant'], x['en'])}")
    for e in data["echeances"]:
        dom = f" {e['domaine']}" if e["domaine"] else ""
        past = " (passée)" if e["date"] < data["date"] else ""  # the last day is still in time (ISO dates compare as text)
        print(f"  Échéance : {_TYPES.get(e['type'], e['type'])}{dom} le {_fr_date(dt.date.fromisoformat(e['date']))}{past}")
    return 0


def cmd_dossier_history(args: argparse.Namespace) -> int:
    with _open(args) as store:
        data = store.history(args.dossier)
    if args.json:
        _print_json(data)
        return 0
    # Dates as `dossier show` writes them (jj/mm/aaaa); the times of recording in UTC, as stored. The JSON keeps ISO.
    print(f"Historique du dossier {data['dossier']}")
    print("  Versions")
    for v in data["versions"]:
        print(f"    {v['numero']}  {_fr_timestamp(v['enregistre_le'])}  par {v['operateur']}  ({v['certification']} {v['version']}, empreinte {v['empreinte'][:12]}…)")
    if data["evaluations"]:
        print("  Évaluations enregistrées")
        for e in data["evaluations"]:
            print(f"    version {e['version_dossier']}  {_fr_iso(e['date'])}  {e['epreuve']}")
    if data["passages"]:
        print("  Décisions du jury (chaque état ; rien n'est modifié en place)")
        for p in data["passages"]:
            decisions = _decisions_text(dict(sorted(p["decisions"].items())))
            link = f", remplace n° {p['remplace']}" if p["remplace"] else ""
            motif = f", motif : {p['motif']}" if p["motif"] else ""
            print(f"    n° {p['id']}  {p['session']} ({_fr_iso(p['date'])})  {decisions}  [{p['origine']}{link}{motif}]  "
                  f"{_fr_timestamp(p['enregistre_le'])} par {p['operateur']}")
    print("  Journal d'audit")
    for e in data["journal"]:
        print(f"    n° {e['numero']}  {_fr_timestamp(e['horodatage'])}  {e['operateur']}  {e['action']} {e['objet_id']}")
    return 0


def add_dossier(p: argparse.ArgumentParser) -> None:
    """``cqpkit dossier show | history``."""
    sub = _actions(p)
    a = sub.add_parser("show", help="un dossier enregistré : candidat, passages, résultat, financement, échéances")
    a.add_argument("dossier", metavar="DOSSIER", help="identifiant du dossier (ex. OEMM-2017-0207)")
    _common(a, json=True, as_of=True)
    a.set_defaults(func=cmd_dossier_show)
    a = sub.add_parser("history", help="les versions d'un dossier, chaque état de ses décisions et son journal")
    a.add_argument("dossier", metavar="DOSSIER", help="identifiant du dossier (ex. OEMM-2017-0207)")
    _common(a, json=True)
    a.set_defaults(func=cmd_dossier_history)


# ----------------------------------------------------------------------------- personne
_FAITS = {
    "organisation": "organisation", "fonction": "fonction", "management_depuis": "manager depuis le",
    "forme_le": "formation de tuteur le", "formation_heures": "heures de formation de tuteur",
}


def cmd_personne_show(args: argparse.Namespace) -> int:
    with _open(args) as store:
        data = store.personne(args.personne, _as_of(args))
    if args.json:
        _print_json(data)
        return 0
    print(f"Personne {data['personne']} (connue de la base depuis le {_fr_iso(data['connue_depuis'][:10])})")
    faits = [f"{_FAITS[k]} {_fr_iso(v) if k in ('management_depuis', 'forme_le') else _num(v) if k == 'formation_heures' else v}"
             for k, v in data["faits"].items() if v is not None]
    print(f"  Faits : {' ; '.join(faits) or 'aucun renseigné'}")
    print(f"  Dossiers ({len(data['dossiers'])})")
    for e in data["dossiers"]:
        roles = ", ".join([e["role"], *e["roles_secondaires"]])
        line = f"    {e['dossier']}  {e['certification']} {e['version']}  acteur {e['acteur']} ({roles})"
        if e["mission_debut"]:
            line += f"  mission du {_fr_iso(e['mission_debut'])}" + (f" au {_fr_iso(e['mission_fin'])}" if e["mission_fin"] else ", sans fin")
        if e["charge"] is not None:
            line += f"  charge {e['charge']}"
            if e["charge_declaree"] is not None and e["charge_declaree"] != e["charge"]:
                line += f" (le fichier déclare {e['charge_declaree']})"
        print(line)
        if not e["regles"]:
            print("      règles non chargées : constats et prime non établis")
        for k in e["constats"]:
            print(f"      {k['niveau']} {k['code']} — {k['message']}")
    if data["charge"]:
        print("  Charge de tuteur au fil du temps (missions en cours en même temps)")
        for c in data["charge"]:
            end = f"au {_fr_iso(c['au'])}" if c["au"] else "sans fin"
            print(f"    du {_fr_iso(c['du'])} {end} : {c['tutores']} ({', '.join(c['dossiers'])})")
    if data["prime"]:
        print(f"  Lignes comptées sur la mission de tuteur, par année civile, toutes missions (au {_fr_iso(data['date'])})")
        for p in data["prime"]:
            parts = ", ".join(f"{did} {_money(v, p['en'])}" for did, v in p["dossiers"].items())
            year = p["annee"] if p["annee"] is not None else "—"
            print(f"    {year}  {p['libelle']} : {_money(p['montant'], p['en'])} ({parts})")
    return 0


def add_personne(p: argparse.ArgumentParser) -> None:
    """``cqpkit personne show ID``."""
    sub = _actions(p)
    a = sub.add_parser("show", help="une personne nommée par les dossiers (acteurs.personne) : faits, missions, charge, prime par année")
    a.add_argument("personne", metavar="ID", help="identifiant de la personne (acteurs.personne, ex. T-0042)")
    _common(a, json=True, as_of=True)
    a.set_defaults(func=cmd_personne_show)


# ------------------------------------------------------------------------------- report
def _window_fr(days: int) -> str:
    """The window of ``report deadlines`` in words: the next ``days`` days, that day included, and the last ``days``."""
    if days == 0:
        return "celles du jour même"
    if days == 1:
        return "celles du jour et de demain, et celles d'hier"
    return f"dans les {days} jours à venir, et passées depuis {days} jours au plus"


def cmd_report_deadlines(args: argparse.Namespace) -> int:
    day = _as_of(args)
    with _open(args) as store:
        data = store.deadlines(day, args.within, args.certification)
        hint = _hint(store)
    if args.json:
        _print_json(data)
        return _left_out(data, hint)
    print(f"Échéances au {_fr_date(day)} : {_window_fr(args.within)}")
    for title, key in (("À venir", "a_venir"), ("Passées", "passees")):
        rows = data[key]
        print(f"\n{title} ({len(rows)})")
        current = None
        for r in rows:
            if r["certification"] != current:
                current = r["certification"]
                print(f"  {current}")
            d = dt.date.fromisoformat(r["date"])
            dom = f" {r['domaine']}" if r["domaine"] else ""
            when = f"dans {r['jours']} j" if r["jours"] >= 0 else f"depuis {-r['jours']} j"
            since = dt.date.fromisoformat(r["depuis"])
            origin = f"inscription du {_fr_date(since)}" if r["type"] == "premier_passage" else f"acquis au jury du {_fr_date(since)}"
            print(f"    {_fr_date(d)} ({when})  {r['dossier']} (candidat {r['candidat']}, {r['voie']}) : {_TYPES[r['type']]}{dom} — {origin}")
        if not rows:
            print("  aucune")
    return _left_out(data, hint)


def cmd_report_campaign(args: argparse.Namespace) -> int:
    day = _as_of(args)
    with _open(args) as store:
        data = store.campaign(day, args.certification)
        label = store.target.label
        hint = _hint(store)
    if args.json:
        _print_json(data)
        return _left_out(data, hint)
    print(f"Campagne au {_fr_date(day)} — base {label}")
    headers = ["Certification", "Dossiers", "Candidats", "Formation", "VAE", "Certifiés", "Partiels", "Échecs", "Expirés", "En cours", "Délais dépassés", "Coûts", "Financements", "Gratifications"]

    def amount(s: dict, nature: str) -> str:
        text = _money(s[f"{nature}_euro"], "euro")
        return text + (f" + {_num(s[f'{nature}_points'])} pts" if s[f"{nature}_points"] else "")

    rows = []
    for s in [*data["certifications"], data["total"]]:
        rows.append(
            [
                s["certification"] if s["certification"] != "total" else "Total",
                str(s["dossiers"]), str(s["candidats"]), str(s["formation"]), str(s["vae"]), str(s["certifies"]),
                str(s["partiels"]), str(s["echecs"]), str(s["expires"]), str(s["en_cours"] + s["a_venir"]), str(s["delais_depasses"]),
                amount(s, "cout"), amount(s, "financement"), amount(s, "gratification"),
            ]
        )
    print(_table(rows, headers))
    sessions = data["sessions"]
    if sessions:
        coming = sum(1 for s in sessions if s["a_venir"])
        print(f"\nSessions de jury ({len(sessions)}" + (f", dont {coming} à venir après le {_fr_date(day)}" if coming else "") + ")")
        for s in sessions:
            state = ("close" if s["close"] else "ouverte") + (" — à venir" if s["a_venir"] else "")
            print(f"  {s['session']}  {_fr_date(dt.date.fromisoformat(s['date']))}  {', '.join(s['certifications'])}  {state}")
    t = data["total"]
    print(
        f"\n{_plural(t['candidats'], 'candidat')}, {_plural(t['dossiers'], 'dossier')} : {_plural(t['certifies'], 'certification complète', 'certifications complètes')}, "
        f"{_plural(t['partiels'], 'validation partielle', 'validations partielles')}, {_plural(t['echecs'], 'échec')}, "
        f"{_plural(t['delais_depasses'], 'délai de premier passage dépassé', 'délais de premier passage dépassés')} ; "
        f"coûts de formation {amount(t, 'cout')}, financements {amount(t, 'financement')}, gratifications {amount(t, 'gratification')}"
    )
    if t["lignes_sans_bareme"]:
        print(
            f"{_plural(t['lignes_sans_bareme'], 'ligne de financement non calculée', 'lignes de financement non calculées')} "
            "faute de barème à la date de son événement (constat bareme_inconnu : cqpkit dossier show ID ou cqpkit check) : "
            "les totaux ne les comptent pas"
        )
    return _left_out(data, hint)


def add_report(p: argparse.ArgumentParser) -> None:
    """``cqpkit report deadlines | campaign``."""
    sub = _actions(p)
    a = sub.add_parser("deadlines", help="échéances : premier passage devant le jury, fin de validité des acquis partiels")
    a.add_argument("--within", type=_days, required=True, metavar="JOURS", help="fenêtre en jours autour de la date (entier positif ou nul)")
    a.add_argument("--certification", metavar="ID", help="une seule certification")
    _common(a, json=True, as_of=True)
    a.set_defaults(func=cmd_report_deadlines)
    a = sub.add_parser("campaign", help="par certification : candidats, certifications complètes et partielles, échecs, financement")
    a.add_argument("--certification", metavar="ID", help="une seule certification")
    _common(a, json=True, as_of=True)
    a.set_defaults(func=cmd_report_campaign)


# ---------------------------------------------------------------------------- candidate
class _WriteFailed(Exception):
    """The export file could not be written (the export's log entry is rolled back)."""


def cmd_candidate_export(args: argparse.Namespace) -> int:
    import json
    import tempfile

    out = args.output
    tmp = None
    if out:
        # The file is prepared before the database is touched, and written before the export's log
        # entry is committed: a file that cannot be written leaves the log as it was. It is written
        # under a temporary name (readable by its owner only: personal data) and renamed at the end.
        target = os.path.abspath(out)
        try:
            if os.path.isdir(target):
                raise IsADirectoryError(errno.EISDIR, "is a directory", out)
            fd, tmp = tempfile.mkstemp(prefix=".cqpkit-export-", suffix=".json", dir=os.path.dirname(target))
            os.close(fd)
        except OSError as exc:
            print(f"erreur : {out} : écriture impossible ({os_reason(exc)}) ; rien n'a été exporté", file=sys.stderr)
            return 2

    def deliver(data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
        if tmp is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except OSError as exc:
            raise _WriteFailed(os_reason(exc)) from exc

    try:
        with _open(args) as store:
            data = store.export_candidate(args.candidat, _op(args), deliver=deliver)
    except _WriteFailed as exc:
        print(f"erreur : {out} : écriture impossible ({exc}) ; rien n'a été exporté", file=sys.stderr)
        return 2
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    if out:
        print(f"Données du candidat {args.candidat} exportées dans {out} ({_plural(len(data['dossiers']), 'dossier')}).", file=sys.stderr)
    return 0


def cmd_candidate_erase(args: argparse.Namespace) -> int:
    if not args.confirmer:
        print(
            f"erreur : l'effacement des données personnelles de {args.candidat} est définitif : relancez avec --confirmer",
            file=sys.stderr,
        )
        return 2
    with _open(args) as store:
        done = store.erase(args.candidat, _op(args))
    if done.deja_efface:
        print(f"Candidat {args.candidat} : données personnelles déjà effacées le {_fr_date(dt.date.fromisoformat(done.efface_le[:10]))} "
              f"(pseudonyme « {done.pseudonyme} ») ; rien à faire, rien n'a été modifié.")
        return 0
    print(f"Candidat {args.candidat} : données personnelles effacées, remplacées par le pseudonyme « {done.pseudonyme} » ; dossiers, décisions et statistiques conservés.")
    return 0


def add_candidate(p: argparse.ArgumentParser) -> None:
    """``cqpkit candidate export | erase ID`` (RGPD)."""
    sub = _actions(p)
    a = sub.add_parser("export", help="toutes les données personnelles d'un candidat, en JSON (droit d'accès)")
    a.add_argument("candidat", metavar="ID", help="identifiant du candidat (ex. C-0207), pas du dossier")
    a.add_argument("--output", "-o", metavar="FICHIER", help="écrire dans ce fichier (défaut : la sortie standard)")
    _common(a, write=True)
    a.set_defaults(func=cmd_candidate_export)
    a = sub.add_parser("erase", help="remplacer les données personnelles d'un candidat par un pseudonyme (droit à l'effacement)")
    a.add_argument("candidat", metavar="ID", help="identifiant du candidat (ex. C-0207), pas du dossier")
    a.add_argument("--confirmer", action="store_true", help="confirmer l'effacement, définitif")
    _common(a, write=True)
    a.set_defaults(func=cmd_candidate_erase)

