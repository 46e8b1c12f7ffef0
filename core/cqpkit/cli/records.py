"""What the store holds, read back: ``cqpkit dossier show | history``, ``personne show``, ``report deadlines | campaign``.

A report that had to leave out certifications whose plugin is not loaded is printed, says which on
stderr, and exits 1 (:func:`_left_out`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cqpkit.cli.common import as_of, as_of_source, date_said, print_json, statut_text, table
from cqpkit.cli.layout import WIDTH, Labels, candidate, decisions_grouped, fill, large_options
from cqpkit.cli.output import print_lines
from cqpkit.cli.store_common import actions, decisions_text, open_store, store_options
from cqpkit.render.text import accord, date_txt, horodatage_txt, montant_fr, nombre_fr, pluriel

__all__ = ["add_dossier", "add_personne", "add_report"]


def _days(text: str) -> int:
    """``--within``: a whole number of days, zero or more."""
    try:
        n = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre de jours invalide « {text} » : un entier positif ou nul est attendu (ex. 90)") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"nombre de jours invalide « {text} » : un entier positif ou nul est attendu (ex. 90)")
    return n


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
        f"rapport incomplet : {pluriel(n, 'certification')} de la base {accord(n, 'laissée')} de côté "
        "(les règles qu'il faut pour en lire les dossiers ne sont pas chargées) :",
        file=sys.stderr,
    )
    for x in left:
        raison = x["raison"][: -len(hint)] if common else x["raison"]
        print(f"  {x['certification']} ({pluriel(x['dossiers'], 'dossier')}) : {raison}", file=sys.stderr)
    if common:
        print(f"  {hint.strip().removeprefix('(').removesuffix(')')}", file=sys.stderr)
    return 1


def _not_evaluated(data: dict[str, Any]) -> int:
    """Say on stderr which certifications a report could not evaluate (a plugin failed on a dossier); 1 if any."""
    failed = data.get("certifications_non_evaluees") or []
    if not failed:
        return 0
    n = len(failed)
    print(
        f"rapport incomplet : {pluriel(n, 'certification')} non {accord(n, 'évaluée')} (son extension a échoué sur un dossier ; "
        "les autres certifications sont comptées) :",
        file=sys.stderr,
    )
    for x in failed:
        print(
            f"  {x['certification']} ({pluriel(x['dossiers'], 'dossier')}) — extension « {x['extension']} » : {x['raison']} "
            f"— dossier « {x['dossier']} »",
            file=sys.stderr,
        )
    return 1


def _hint(store: Any) -> str:
    from cqpkit.store.store import plugin_hint

    return plugin_hint(store.registry)


# ------------------------------------------------------------------------------ dossier
_TYPES = {"premier_passage": "premier passage devant le jury", "acquis_partiel": "fin de validité d'un acquis partiel"}


def cmd_dossier_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = {**store.show(args.dossier, as_of(args)), "date_source": as_of_source(args)}
        labels = Labels(store.registry, large=args.large)
    if args.json:
        print_json(data)
        if data.get("illisible"):
            print(f"erreur : {data['illisible']}", file=sys.stderr)
            return 1
        return 0
    c = data["candidat"]
    print_lines("\n".join(fill(f"Dossier {data['dossier']} — {data['certification']} {data['version']}, voie {data['voie']}"
                              + (f", mention {data['mention']}" if data["mention"] else "") + f" (version {data['version_dossier']} du dossier)",
                              0, 4, large=args.large)))
    who = c.get("pseudonyme") if c.get("efface") else " ".join(x for x in (c.get("prenom"), c.get("nom")) if x)
    print(f"  Candidat : {c.get('id')}" + (f" — {who}" if who else "") + (" (données personnelles effacées)" if c.get("efface") else ""))
    print(f"  Inscription : {date_txt(data['inscription'])}")
    if data["evaluations"]:
        print(f"  Évaluations ({len(data['evaluations'])})")
        for e in data["evaluations"]:
            print(f"    {date_txt(e['date'])}  {e['epreuve']}" + (f" : {e['verdict']}" if e.get("verdict") else ""))
    if data["passages"]:
        print("  Passages devant le jury")
        for p in data["passages"]:
            decisions = decisions_grouped(dict(sorted(p["decisions"].items())), labels, data["certification"], data["version"])
            state = "" if p["en_vigueur"] else " [remplacé]"
            extra = f" — correction (remplace n° {p['remplace']}) : {p['motif']}" if p["origine"] == "correction" else ""
            absent = " absent" if p["absent"] else (" excusé" if p["excuse"] else "")
            close = " (session close)" if p["session_close"] else ""
            print_lines("\n".join(fill(f"n° {p['id']} {date_txt(p['date'])} {p['session']}{close}{absent} : {decisions}{state}{extra}", 4, 4,
                                        large=args.large)))
    if data.get("illisible"):
        return _unloadable_out(data)
    r = data["resultat"]
    line = f"  Résultat {date_said(args)} : {statut_text(r['statut'], r['restants'])}"
    if r["date_certification"]:
        line += f" le {date_txt(r['date_certification'])}"
    print(line)
    if hint := _last_event_hint(data, args):
        print(hint)
    # The domaines acquired at one jury with the same end of validity, on one line (and so the expired ones, the deadlines).
    out: list[str] = []
    cert, version = data["certification"], data["version"]
    for (day, until), doms in _grouped(r["acquis"], ("date", "valide_jusqua")):
        end = f", {accord(len(doms), 'valable')} jusqu'au {date_txt(until)}" if until else ""
        out += fill(f"acquis   {labels.labels(cert, version, doms)} (jury du {date_txt(day)}{end})", 4, 9, large=args.large)
    for (until,), doms in _grouped(r["expires"], ("valide_jusqua",)):
        out += fill(f"{accord(len(doms), 'expiré'):<8} {labels.labels(cert, version, doms)} (validité échue le {date_txt(until)})", 4, 9,
                    large=args.large)
    if r["restants"]:
        out += fill(f"restants {labels.labels(cert, version, r['restants'])}", 4, 9, large=args.large)
    for k in r["constats"]:
        out += fill(f"{k['niveau']} {k['code']} — {k['message']}", 4, 4, large=args.large)
    for x in data["financement"]:
        out += fill(f"Financement : {x['libelle']} : {x['base']} = {montant_fr(x['montant'], x['en'])}", 2, 4, large=args.large)
    for k in data["constats_financement"]:
        out += fill(f"Financement non calculé : {k['niveau']} {k['code']} — {k['message']}", 2, 4, large=args.large)
    for (kind, day), doms in _grouped(data["echeances"], ("type", "date")):
        doms = [d for d in doms if d]
        what = _TYPES.get(kind, kind) if len(doms) < 2 else "fin de validité des acquis partiels"
        dom = f" {labels.labels(cert, version, doms)}" if doms else ""
        past = " (passée)" if day < data["date"] else ""  # the last day is still in time (ISO dates compare as text)
        out += fill(f"Échéance : {what}{dom} le {date_txt(day)}{past}", 2, 4, large=args.large)
    if out:
        print_lines("\n".join(out))
    return 0


#: The dossier's last event, as the hint of ``dossier show`` names its date (views.EVENEMENTS).
_EVENEMENTS = {"decision_jury": "date de la dernière décision du jury", "evaluation": "date de la dernière évaluation", "inscription": "date d'inscription"}


def _last_event_hint(data: dict[str, Any], args: argparse.Namespace) -> str:
    """With the default date (today), the result at the dossier's last event when it differs: « au 12/10/2020, date de … : … »."""
    last = data.get("dernier_evenement")
    r = data["resultat"]
    if as_of_source(args) != "aujourdhui" or not last or (last["statut"], last["restants"]) == (r["statut"], r["restants"]):
        return ""
    return (f"    au {date_txt(last['date'])}, {_EVENEMENTS.get(last['evenement'], last['evenement'])} : "
            f"{statut_text(last['statut'], last['restants'])} (--as-of {last['date']} pour le détail à cette date)")


def _grouped(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple[tuple[Any, ...], list[str]]]:
    """The ``domaine`` of each item, grouped by the values of ``keys`` (in the order of their first item)."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for x in items:
        groups.setdefault(tuple(x[k] for k in keys), []).append(x["domaine"])
    return list(groups.items())


def _unloadable_out(data: dict[str, Any]) -> int:
    """The end of ``dossier show`` for a stored version the engines cannot read: what it holds, why, exit 1."""
    keys = data["contenu"]["cles"]
    held = ", ".join(k if n is None else f"{k} ({n})" for k, n in keys.items()) or "rien de lisible"
    print(f"  Contenu enregistré (version {data['version_dossier']}, {nombre_fr(data['contenu']['taille'])} caractères) : {held}")
    for e in data["echeances"]:
        dom = f" {e['domaine']}" if e["domaine"] else ""
        print(f"  Échéance enregistrée : {_TYPES.get(e['type'], e['type'])}{dom} le {date_txt(e['date'])}")
    print(
        f"erreur : {data['illisible']}\n  résultat, financement et constats non calculés ; l'historique reste lisible : "
        f"cqpkit dossier history {data['dossier']} ; réimporter le fichier du dossier en enregistre une version lisible",
        file=sys.stderr,
    )
    return 1


def cmd_dossier_history(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.history(args.dossier)
    if args.json:
        print_json(data)
        return 0
    # Dates as `dossier show` writes them (jj/mm/aaaa); the times of recording in UTC, as stored. The JSON keeps ISO.
    large = args.large

    def say(text: str) -> None:
        print_lines("\n".join(fill(text, 4, 4, large=large)))

    print(f"Historique du dossier {data['dossier']}")
    print("  Versions")
    for v in data["versions"]:
        say(f"{v['numero']}  {horodatage_txt(v['enregistre_le'])}  par {v['operateur']}  ({v['certification']} {v['version']}, empreinte {v['empreinte'][:12]}…)")
    if data["evaluations"]:
        print("  Évaluations enregistrées")
        for e in data["evaluations"]:
            say(f"version {e['version_dossier']}  {date_txt(e['date'])}  {e['epreuve']}")
    if data["passages"]:
        print("  Décisions du jury (chaque état ; rien n'est modifié en place)")
        for p in data["passages"]:
            decisions = decisions_text(dict(sorted(p["decisions"].items())))
            link = f", remplace n° {p['remplace']}" if p["remplace"] else ""
            motif = f", motif : {p['motif']}" if p["motif"] else ""
            say(f"n° {p['id']}  {p['session']} ({date_txt(p['date'])})  {decisions}  [{p['origine']}{link}{motif}]  "
                f"{horodatage_txt(p['enregistre_le'])} par {p['operateur']}")
    print("  Journal d'audit")
    for e in data["journal"]:
        say(f"n° {e['numero']}  {horodatage_txt(e['horodatage'])}  {e['operateur']}  {e['action']} {e['objet_id']}")
    return 0


def add_dossier(p: argparse.ArgumentParser) -> None:
    """``cqpkit dossier show | history``."""
    sub = actions(p)
    a = sub.add_parser("show", help="un dossier enregistré : candidat, passages, résultat, financement, échéances")
    a.add_argument("dossier", metavar="DOSSIER", help="identifiant du dossier (ex. OEMM-2017-0207)")
    store_options(a, json=True, as_of=True)
    large_options(a, anonyme=False)
    a.set_defaults(func=cmd_dossier_show)
    a = sub.add_parser("history", help="les versions d'un dossier, chaque état de ses décisions et son journal")
    a.add_argument("dossier", metavar="DOSSIER", help="identifiant du dossier (ex. OEMM-2017-0207)")
    store_options(a, json=True)
    large_options(a, anonyme=False)
    a.set_defaults(func=cmd_dossier_history)


# ----------------------------------------------------------------------------- personne
_FAITS = {
    "organisation": "organisation", "fonction": "fonction", "management_depuis": "manager depuis le",
    "forme_le": "formation de tuteur le", "formation_heures": "heures de formation de tuteur",
}


def cmd_personne_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = {**store.personne(args.personne, as_of(args)), "date_source": as_of_source(args)}
    if args.json:
        print_json(data)
        return 0
    print(f"Personne {data['personne']}, {date_said(args)} — connue de la base depuis le {date_txt(data['connue_depuis'][:10])}")
    faits = [f"{_FAITS[k]} {date_txt(v) if k in ('management_depuis', 'forme_le') else nombre_fr(v) if k == 'formation_heures' else v}"
             for k, v in data["faits"].items() if v is not None]
    out = fill(f"Faits : {' ; '.join(faits) or 'aucun renseigné'}", 2, 4, large=args.large)
    print_lines("\n".join(out))
    print(f"  Dossiers ({len(data['dossiers'])})")
    for e in data["dossiers"]:
        roles = ", ".join([e["role"], *e["roles_secondaires"]])
        line = f"    {e['dossier']}  {e['certification']} {e['version']}  acteur {e['acteur']} ({roles})"
        if e["mission_debut"]:
            line += f"  mission du {date_txt(e['mission_debut'])}" + (f" au {date_txt(e['mission_fin'])}" if e["mission_fin"] else ", sans fin")
        if e["charge"] is not None:
            line += f"  charge {e['charge']}"
            if e["charge_declaree"] is not None and e["charge_declaree"] != e["charge"]:
                line += f" (le fichier déclare {e['charge_declaree']})"
        print_lines("\n".join(fill(line.lstrip(" "), 4, 4, large=args.large)))
        if not e["regles"]:
            print("      règles non chargées : constats et prime non établis")
        for k in e["constats"]:
            print_lines("\n".join(fill(f"{k['niveau']} {k['code']} — {k['message']}", 6, 4, large=args.large)))
    if data["charge"]:
        print("  Charge de tuteur au fil du temps (missions en cours en même temps)")
        for c in data["charge"]:
            end = f"au {date_txt(c['au'])}" if c["au"] else "sans fin"
            print_lines("\n".join(fill(f"du {date_txt(c['du'])} {end} : {c['tutores']} ({', '.join(c['dossiers'])})", 4, 4, large=args.large)))
    if data["prime"]:
        print(f"  Lignes comptées sur la mission de tuteur, par année civile, toutes missions (au {date_txt(data['date'])})")
        for p in data["prime"]:
            parts = ", ".join(f"{did} {montant_fr(v, p['en'])}" for did, v in p["dossiers"].items())
            year = p["annee"] if p["annee"] is not None else "—"
            print_lines("\n".join(fill(f"{year}  {p['libelle']} : {montant_fr(p['montant'], p['en'])} ({parts})", 4, 6, large=args.large)))
    return 0


def add_personne(p: argparse.ArgumentParser) -> None:
    """``cqpkit personne show ID``."""
    sub = actions(p)
    a = sub.add_parser("show", help="une personne nommée par les dossiers (acteurs.personne) : faits, missions, charge, prime par année")
    a.add_argument("personne", metavar="ID", help="identifiant de la personne (acteurs.personne, ex. T-0042)")
    store_options(a, json=True, as_of=True)
    large_options(a, anonyme=False)
    a.set_defaults(func=cmd_personne_show)


# ------------------------------------------------------------------------------- report
def _window_fr(days: int) -> str:
    """The window of ``report deadlines`` in words: the next ``days`` days, that day included, and the last ``days``."""
    if days == 0:
        return "celles du jour même"
    if days == 1:
        return "celles du jour et de demain, et celles d'hier"
    return f"dans les {days} jours à venir, et passées depuis {days} jours au plus"


def _names(store: Any, args: argparse.Namespace, ids: Any) -> dict[str, Any] | None:
    """The candidates' names for the text (``None`` with ``--anonyme``: ids only). The CLI's user is the operator
    of the base, who may see them (``dossier show`` prints them too)."""
    return None if getattr(args, "anonyme", False) else store.candidate_names(ids)


def _deadline_groups(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """The deadlines of one dossier falling on the same day for the same reason, together: (first row, domaines)."""
    out: list[tuple[dict[str, Any], list[str]]] = []
    for r in rows:
        key = (r["certification"], r["date"], r["dossier"], r["type"], r["depuis"])
        if out and (out[-1][0]["certification"], out[-1][0]["date"], out[-1][0]["dossier"], out[-1][0]["type"], out[-1][0]["depuis"]) == key:
            if r["domaine"]:
                out[-1][1].append(r["domaine"])
            continue
        out.append((r, [r["domaine"]] if r["domaine"] else []))
    return out


def cmd_report_deadlines(args: argparse.Namespace) -> int:
    from cqpkit.cli.exports import wants_table

    day = as_of(args)
    to_table = wants_table(args)
    if to_table:
        return to_table
    with open_store(args) as store:
        data = {**store.deadlines(day, args.within, args.certification), "date_source": as_of_source(args)}
        hint = _hint(store)
        if to_table is not None:  # a spreadsheet (--format, -o), built from the JSON output
            from cqpkit.cli.exports import export_table
            from cqpkit.interop.tables import deadlines_table

            export_table(args, deadlines_table, data, "Échéances")
            return _left_out(data, hint)
        if not args.json:
            names = _names(store, args, [r["candidat"] for k in ("a_venir", "passees") for r in data[k]])
            labels = Labels(store.registry, large=args.large)
    if args.json:
        print_json(data)
        return _left_out(data, hint)
    print_lines("\n".join(fill(f"Échéances {date_said(args)} : {_window_fr(args.within)}", large=args.large)))
    for title, key in (("À venir", "a_venir"), ("Passées", "passees")):
        rows = data[key]
        groups = _deadline_groups(rows)
        print()
        print(f"{title} ({len(rows)})")  # the deadlines, however many lines group them
        current = None
        lines: list[str] = []
        for r, domaines in groups:
            if r["certification"] != current:
                current = r["certification"]
                lines.append(f"  {current}")
            when = f"dans {r['jours']} j" if r["jours"] >= 0 else f"depuis {-r['jours']} j"
            since = date_txt(r["depuis"])
            origin = f"inscription du {since}" if r["type"] == "premier_passage" else f"acquis au jury du {since}"
            what = _TYPES[r["type"]] if len(domaines) < 2 else "fin de validité des acquis partiels"
            dom = f" {labels.labels(r['certification'], r.get('version'), domaines)}" if domaines else ""
            who = candidate(r["candidat"], names)
            text = f"{date_txt(r['date'])} ({when})  {r['dossier']} — {who}, {r['voie']} : {what}{dom} — {origin}"
            lines += fill(text, 4, 4, large=args.large)
        if not rows:
            lines.append("  aucune")
        print_lines("\n".join(lines))
    return _left_out(data, hint)


#: The campaign table in 100 columns: its figure columns abbreviated (said under the table), the sums apart.
_COUNTS = [
    ("Doss.", "dossiers", "dossiers"), ("Cand.", "candidats", "candidats"), ("Form.", "formation", "voie formation"),
    ("VAE", "vae", ""), ("Cert.", "certifies", "certifications complètes"), ("Part.", "partiels", "validations partielles"),
    ("Éch.", "echecs", "échecs"), ("Exp.", "expires", "acquis expirés"), ("En cours", "en_cours", "en cours ou à venir"),
    ("Délais dépassés", "delais_depasses", "délais de premier passage dépassés"),
]


def _campaign_table(data: dict[str, Any], large: bool) -> list[str]:
    """The figures per certification: today's wide table (``--large``), or two tables that hold in 100 columns."""

    def amount(s: dict, nature: str) -> str:
        text = montant_fr(s[f"{nature}_euro"], "euro")
        return text + (f" + {nombre_fr(s[f'{nature}_points'])} pts" if s[f"{nature}_points"] else "")

    def count(s: dict, key: str) -> str:
        return str(s["en_cours"] + s["a_venir"]) if key == "en_cours" else str(s[key])

    every = [*data["certifications"], data["total"]]
    names = [s["certification"] if s["certification"] != "total" else "Total" for s in every]
    money = [[amount(s, n) for n in ("cout", "financement", "gratification")] for s in every]
    if large:
        headers = ["Certification", "Dossiers", "Candidats", "Formation", "VAE", "Certifiés", "Partiels", "Échecs", "Expirés", "En cours",
                   "Délais dépassés", "Coûts", "Financements", "Gratifications"]
        rows = [[n, *(count(s, k) for _, k, _ in _COUNTS), *m] for n, s, m in zip(names, every, money, strict=True)]
        return table(rows, headers, width=None).split("\n")
    rows = [[n, *(count(s, k) for _, k, _ in _COUNTS)] for n, s in zip(names, every, strict=True)]
    out = table(rows, ["Certification", *(h for h, _, _ in _COUNTS)], width=WIDTH).split("\n")
    legend = " ; ".join(f"{h} : {w}" for h, _, w in _COUNTS if w)
    out += fill(f"({legend})", 0, 1)
    out.append("")
    out += table([[n, *m] for n, m in zip(names, money, strict=True)], ["Certification", "Coûts de formation", "Financements", "Gratifications"],
                 width=WIDTH).split("\n")
    return out


def cmd_report_campaign(args: argparse.Namespace) -> int:
    from cqpkit.cli.exports import wants_table

    day = as_of(args)
    to_table = wants_table(args)
    if to_table:
        return to_table
    with open_store(args) as store:
        data = {**store.campaign(day, args.certification, refresh=args.refresh), "date_source": as_of_source(args)}
        label = store.target.label
        hint = _hint(store)
    if to_table is not None:  # a spreadsheet (--format, -o), built from the JSON output
        from cqpkit.cli.exports import export_table
        from cqpkit.interop.tables import campaign_table

        export_table(args, campaign_table, data, "Campagne")
        return max(_left_out(data, hint), _not_evaluated(data))
    if args.json:
        print_json(data)
        return max(_left_out(data, hint), _not_evaluated(data))
    large = args.large
    print_lines("\n".join(fill(f"Campagne {date_said(args)} — base {label}", large=large)))

    def amount(s: dict, nature: str) -> str:
        text = montant_fr(s[f"{nature}_euro"], "euro")
        return text + (f" + {nombre_fr(s[f'{nature}_points'])} pts" if s[f"{nature}_points"] else "")

    print_lines("\n".join(_campaign_table(data, large)))
    sessions = data["sessions"]
    if sessions:
        coming = sum(1 for s in sessions if s["a_venir"])
        print()
        print(f"Sessions de jury ({len(sessions)}" + (f", dont {coming} à venir après le {date_txt(day)}" if coming else "") + ")")
        lines: list[str] = []
        for s in sessions:
            state = ("close" if s["close"] else "ouverte") + (" — à venir" if s["a_venir"] else "")
            if large:
                lines.append(f"  {s['session']}  {date_txt(s['date'])}  {', '.join(s['certifications'])}  {state}")
            else:
                head = f"  {s['session']}  {date_txt(s['date'])}  {state} : "
                lines += fill(head + ", ".join(s["certifications"]), 0, len(head))
        print_lines("\n".join(lines))
    t = data["total"]
    print()
    summary = (
        f"{pluriel(t['candidats'], 'candidat')}, {pluriel(t['dossiers'], 'dossier')} : {pluriel(t['certifies'], 'certification complète', 'certifications complètes')}, "
        f"{pluriel(t['partiels'], 'validation partielle', 'validations partielles')}, {pluriel(t['echecs'], 'échec')}, "
        f"{pluriel(t['delais_depasses'], 'délai de premier passage dépassé', 'délais de premier passage dépassés')} ; "
        f"coûts de formation {amount(t, 'cout')}, financements {amount(t, 'financement')}, gratifications {amount(t, 'gratification')}"
    )
    print_lines("\n".join(fill(summary, large=large)))
    if t["lignes_sans_bareme"]:
        line = (
            f"{pluriel(t['lignes_sans_bareme'], 'ligne de financement non calculée', 'lignes de financement non calculées')} "
            + ("faute de barème à la date de son événement" if t["lignes_sans_bareme"] == 1 else "faute de barème à la date de leur événement")
            + " (constat bareme_inconnu : cqpkit dossier show ID ou cqpkit check) : les totaux ne les comptent pas"
        )
        print_lines("\n".join(fill(line, large=large)))
    return max(_left_out(data, hint), _not_evaluated(data))


def add_report(p: argparse.ArgumentParser) -> None:
    """``cqpkit report deadlines | campaign``."""
    from cqpkit.cli.exports import table_options

    sub = actions(p)
    a = sub.add_parser("deadlines", help="échéances : premier passage devant le jury, fin de validité des acquis partiels")
    a.add_argument("--within", type=_days, required=True, metavar="JOURS", help="fenêtre en jours autour de la date (entier positif ou nul)")
    a.add_argument("--certification", metavar="ID", help="une seule certification")
    store_options(a, json=True, as_of=True)
    large_options(a)
    table_options(a)
    a.set_defaults(func=cmd_report_deadlines)
    a = sub.add_parser("campaign", help="par certification : candidats, certifications complètes et partielles, échecs, financement")
    a.add_argument("--certification", metavar="ID", help="une seule certification")
    a.add_argument("--refresh", action="store_true", help="recalculer d'abord les résultats enregistrés périmés (sinon : refus)")
    store_options(a, json=True, as_of=True)
    large_options(a, anonyme=False)
    table_options(a)
    a.set_defaults(func=cmd_report_campaign)
