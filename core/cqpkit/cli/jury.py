"""The jury commands: ``cqpkit jury open | add | decide | close | list | show``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cqpkit.cli.common import as_of, as_of_source, date_said, parse_date, print_json, statut_text, table
from cqpkit.cli.layout import WIDTH, Labels, candidate, decisions_grouped, fill, large_options
from cqpkit.cli.output import print_lines
from cqpkit.cli.store_common import (
    actions,
    decision_label,
    decision_value,
    decisions_text,
    open_store,
    operateur,
    store_options,
)
from cqpkit.render.text import date_txt, pluriel

__all__ = ["add_jury"]


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


#: The option of ``jury open`` that gives each field of the session (for a value the model refuses).
_OPTIONS = {"id": "SESSION", "date": "--date", "certifications": "--certification", "president": "--president",
            "precedente": "--precedente", "lieu": "--lieu", "membres": "--membre"}


def cmd_jury_open(args: argparse.Namespace) -> int:
    from cqpkit.exceptions import InvalidArgumentError, ModelError
    from cqpkit.model import Membre, SessionInfo, SessionJury

    try:
        session = SessionJury(
            session=SessionInfo(
                id=args.session, date=args.date, certifications=tuple(args.certifications), president=args.president,
                precedente=args.precedente, lieu=args.lieu or "",
            ),
            membres=tuple(Membre(id=i, college=c, organisation=o) for i, c, o in args.membres or ()),
        )
    except ModelError as exc:  # a value of the command line the model refuses (an id with a space…): a usage error
        option = _OPTIONS.get(exc.champ.partition("[")[0], "--membre" if exc.classe == "Membre" else exc.champ)
        error = InvalidArgumentError(f"{option} : {exc.raison}")
        error.exit_code = 2
        raise error from None
    with open_store(args) as store:
        constats = store.open_session(session, operateur(args))
        label = store.target.label
    if args.json:
        from cqpkit.store.answers import session_opened

        print_json(session_opened(label, args.session, args.date, constats))
    else:
        print(f"Session {args.session} du {date_txt(args.date)} ouverte dans {label} ({', '.join(args.certifications)} ; {pluriel(len(session.membres), 'membre')}).")
    _warn(args.session, constats)
    return 0


def cmd_jury_add(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        done = store.add_to_session(args.session, args.dossiers, operateur(args), absent=args.absent, excuse=args.excuse, present=args.present)
        constats = store.session_warnings(args.session)
        label = store.target.label
    if args.json:
        from cqpkit.store.answers import session_added

        print_json(session_added(label, args.session, done, constats))
    else:
        for did, statut in done:
            print(f"{did} : {statut} à la session {args.session}")
    _warn(args.session, constats)
    return 0


def _warn(session_id: str, constats: list[Any]) -> None:
    """Say on stderr, as warnings, the engine's findings on a session just opened or changed (exit 0 all the same)."""
    for c in constats:
        why = " [bloquant à la clôture]" if c.niveau == "erreur" else ""
        print(f"avertissement : {c.code} — {c.message}{why}", file=sys.stderr)
    if any(c.niveau == "erreur" for c in constats):
        print(f"  session {session_id} enregistrée ; jury close la refusera tant que ces constats bloquants demeurent "
              "(un fichier de la session importé avec cqpkit import en enregistre une nouvelle version)", file=sys.stderr)


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
    with open_store(args) as store:
        out = store.decide(args.session, args.dossier, decisions, operateur(args), motif=args.motif or "")
        resultat = at_session = None
        if out["statut"] != "inchangé":
            dossier = store.dossier(args.dossier)
            resultat = store.registry.decide(dossier, as_of(args))
            # With the default date (today), the result at the session's date too when it differs (issue 20, point 4).
            day = next((p.date for p in dossier.passages if p.session == args.session), None)
            if as_of_source(args) == "aujourdhui" and day is not None and day < as_of(args):
                at_session = (day, store.registry.decide(dossier, day))
    what = decisions_text(decisions)
    if out["statut"] == "inchangé":
        print(f"{args.dossier} à la session {args.session} : décisions déjà enregistrées ({what}), rien à faire.")
        return 0
    if out["statut"] == "corrigé":
        print(f"{args.dossier} à la session {args.session} : correction enregistrée ({what}) — remplace l'enregistrement n° {out['remplace']} ; motif : {args.motif}")
    else:
        print(f"{args.dossier} à la session {args.session} : décisions enregistrées ({what}).")
    if resultat is not None:
        print(f"  résultat {date_said(args)} : {statut_text(resultat.statut, resultat.restants)}"
              + (f" le {date_txt(resultat.date_certification)}" if resultat.date_certification else ""))
        if at_session is not None and (at_session[1].statut, at_session[1].restants) != (resultat.statut, resultat.restants):
            day, then = at_session
            print(f"  au {date_txt(day)}, date de la session : {statut_text(then.statut, then.restants)}"
                  + (f" le {date_txt(then.date_certification)}" if then.date_certification else ""))
    return 0


def cmd_jury_close(args: argparse.Namespace) -> int:
    from cqpkit.store.answers import session_closed

    with open_store(args) as store:
        from cqpkit.store.jury import ClosingRefused

        label = store.target.label
        try:
            constats = store.close_session(args.session, operateur(args), force=args.forcer)
        except ClosingRefused as exc:
            if not args.json:
                raise
            # the findings on stdout for a program, the refusal on stderr as without --json (exit 1)
            print_json(session_closed(label, args.session, exc.constats, closed=False))
            print(f"erreur : {str(exc).splitlines()[0]}", file=sys.stderr)
            return exc.exit_code
    if args.json:
        print_json(session_closed(label, args.session, constats))
        return 0
    print(f"Session {args.session} close : ses décisions ne changeront plus que par des corrections motivées.")
    for c in constats:
        print(f"  {c.niveau} {c.code} — {c.message}")
    return 0


def _membre_text(m: dict[str, Any]) -> str:
    parts = [m["college"]] + [x for x in (m["organisation"], m["fonction"]) if x]
    return f"{m['id']} ({', '.join(parts)})"


def cmd_jury_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        sessions = store.jury_sessions(args.certification)
        label = store.target.label
    if args.json:
        print_json({"base": label, "certification": args.certification, "sessions": sessions})
        return 0
    scope = f" pour {args.certification}" if args.certification else ""
    if not sessions:
        print_lines("\n".join(fill(f"Aucune session de jury{scope} dans la base {label}.", large=args.large)))
        return 0
    print_lines("\n".join(fill(f"Sessions de jury{scope} — base {label} ({len(sessions)})", large=args.large)))
    rows = [
        [
            s["session"], date_txt(s["date"]), "close" if s["close"] else "ouverte", s["president"] or "—",
            str(s["membres"]), str(s["dossiers"]), ", ".join(s["certifications"]),
        ]
        for s in sessions
    ]
    headers = ["Session", "Date", "État", "Président", "Membres", "Candidats", "Certifications"]
    if not args.large:  # in 100 columns, the certifications wrap at their commas
        headers[4:6] = ["Memb.", "Cand."]
    print_lines(table(rows, headers, width=None if args.large else WIDTH))
    return 0


def cmd_jury_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.jury_session(args.session)
        names = None if args.anonyme or args.json else store.candidate_names([c["candidat"] for c in data["candidats"]])
        labels = Labels(store.registry, large=args.large)
    missing = data["constats_non_etablis"]
    if missing:  # what the base holds is shown; the engine's findings cannot be (exit 1, as the reports)
        print(f"erreur : session « {data['session']} » : constats du moteur non établis ici", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
    if args.json:
        print_json(data)
        return 1 if missing else 0
    large = args.large
    out: list[str] = []

    def say(text: str, indent: int, hang: int = 4) -> None:
        out.extend(fill(text, indent, hang, large=large))

    state = f"close le {date_txt(data['cloturee_le'][:10])}" if data["close"] else "ouverte"
    say(f"Session {data['session']} du {date_txt(data['date'])} — {state}", 0)
    if data["lieu"]:
        say(f"Lieu : {data['lieu']}", 2)
    say(f"Certifications : {', '.join(data['certifications'])}", 2, 17)
    if data["precedente"]:
        say(f"Session précédente : {data['precedente']}", 2)
    pres = next((m for m in data["membres"] if m["president"]), None)
    if pres is not None:
        say(f"Président : {_membre_text(pres)}", 2)
    elif data["president"]:
        say(f"Président : {data['president']} (pas parmi les membres)", 2)
    else:
        say("Président : aucun", 2)
    say(f"Membres ({len(data['membres'])})", 2)
    for m in data["membres"]:
        say(_membre_text(m) + (" — président" if m["president"] else ""), 4)
    if not data["membres"]:
        say("aucun", 4)
    cands = data["candidats"]
    say(f"Candidats présentés ({len(cands)})", 2)
    for c in cands:
        grouped = decisions_grouped(c["decisions"], labels, c["certification"], c["version"])
        if c["absent"] or c["excuse"]:
            what = "absent" if c["absent"] else "excusé"
            what += f" ({grouped})" if c["decisions"] else ""
        else:
            what = grouped
        head = f"{c['dossier']} — {candidate(c['candidat'], names)}, {c['certification']} {c['version']}, {c['voie']}"
        if large:
            say(f"{head} : {what}", 4)
        else:  # the dossier on one line, its decisions grouped under it
            say(head, 4, 2)
            say(what, 8)
        for r in c["enregistrements"]:
            if r["origine"] != "correction":
                continue
            changes = ", ".join(
                f"{decision_label(k) if k == 'certification' else labels.label(c['certification'], c['version'], k)} "
                f"{decision_value(k, v['avant'] or 'sans décision')} → {decision_value(k, v['apres'] or 'sans décision')}"
                for k, v in r["modifie"].items()
            ) or "aucun changement de décision"
            say(f"correction n° {r['id']} du {date_txt(r['enregistre_le'][:10])} par {r['operateur']} "
                f"(remplace n° {r['remplace']}) : {changes} — motif : {r['motif']}", 6)
    if not cands:
        say("aucun", 4)
    constats = data["constats"]
    if missing:
        say("Constats : non établis (extension manquante : voir le message d’erreur)", 2)
        print_lines("\n".join(out))
        return 1
    if constats:
        say(f"Constats ({len(constats)})", 2)
        for k in constats:
            say(f"{k['niveau']} {k['code']} — {k['message']}", 4)
    else:
        say("Constats : aucun", 2)
    print_lines("\n".join(out))
    return 0


def add_jury(p: argparse.ArgumentParser) -> None:
    """``cqpkit jury open | add | decide | close | list | show``."""
    sub = actions(p)
    a = sub.add_parser("open", help="ouvrir une session de jury")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session (ex. OEMM-JURY-2020-01)")
    a.add_argument("--date", type=parse_date, required=True, metavar="DATE", help="date de la session (AAAA-MM-JJ)")
    a.add_argument("--certification", dest="certifications", action="append", required=True, metavar="ID", help="certification couverte (répétable)")
    a.add_argument("--membre", dest="membres", action="append", type=_membre, metavar="ID:COLLEGE[:ORGANISATION]", help="membre du jury (répétable)")
    a.add_argument("--president", metavar="ID", help="le membre qui préside")
    a.add_argument("--precedente", metavar="SESSION", help="la session précédente du même jury (alternance de la présidence)")
    a.add_argument("--lieu", metavar="LIEU", help="lieu de la session")
    store_options(a, write=True, json=True)
    a.set_defaults(func=cmd_jury_open)
    a = sub.add_parser(
        "add", help="présenter des dossiers à une session ouverte",
        description=(
            "Présente des dossiers à une session ouverte. --absent et --excuse enregistrent le seul fait : un candidat absent "
            "ou excusé n'est pas passé devant le jury (aucune décision pour lui à cette session). Les documents de la branche "
            "ne prévoient ni report ni effet d'une excuse sur les délais : rien de plus n'est appliqué."
        ),
    )
    a.add_argument("session", metavar="SESSION", help="identifiant de la session (ouverte)")
    a.add_argument("dossiers", nargs="+", metavar="DOSSIER", help="identifiants des dossiers")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--absent", action="store_true", help="le candidat ne s'est pas présenté")
    g.add_argument("--excuse", action="store_true", help="le candidat, absent, s'est excusé")
    g.add_argument(
        "--present", action="store_true",
        help="le candidat est venu (déjà présenté absent ou excusé : sa présence est mise à jour, par un nouvel enregistrement)",
    )
    store_options(a, write=True, json=True)
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
    a.add_argument(
        "--motif", metavar="TEXTE",
        help="motif de la décision : obligatoire pour une correction (session close) et pour une décision contraire à l'évaluation finale",
    )
    store_options(a, write=True, as_of=True)
    a.set_defaults(func=cmd_jury_decide)
    a = sub.add_parser("close", help="clore une session après l'avoir vérifiée")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session à clore")
    a.add_argument("--forcer", action="store_true", help="clore malgré des constats bloquants")
    store_options(a, write=True, json=True)
    a.set_defaults(func=cmd_jury_close)
    a = sub.add_parser("list", help="les sessions de jury enregistrées, par date")
    a.add_argument("--certification", metavar="ID", help="les seules sessions qui couvrent cette certification")
    store_options(a, json=True)
    large_options(a, anonyme=False)
    a.set_defaults(func=cmd_jury_list)
    a = sub.add_parser("show", help="une session : membres, président, candidats et décisions (corrections comprises), constats")
    a.add_argument("session", metavar="SESSION", help="identifiant de la session")
    store_options(a, json=True)
    large_options(a)
    a.set_defaults(func=cmd_jury_show)
