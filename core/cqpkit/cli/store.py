"""The store commands that create and fill a database, and the candidate's rights: ``db``, ``import``, ``candidate``.

What every store command shares is in :mod:`cqpkit.cli.store_common` (``--db``, ``--operateur``, exit codes).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Any

from cqpkit.cli.common import failures_out, print_json
from cqpkit.cli.output import json_stream, json_text, print_error
from cqpkit.cli.store_common import actions, open_store, operateur, store_options
from cqpkit.exceptions import InvalidFileError, os_reason
from cqpkit.render.text import accord, date_txt, pluriel

__all__ = ["add_candidate", "add_db", "add_import"]


# ----------------------------------------------------------------------------------- db
def cmd_db_init(args: argparse.Namespace) -> int:
    from cqpkit.store.migrations import CURRENT

    with open_store(args, create=True, check=False) as store:
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

    with open_store(args, check=False) as store:
        before = store.version()
        done = store.upgrade()
        label = store.target.label
    if done:
        print(f"Base {label} mise à jour : schéma version {before} → {CURRENT}.")
        for m in done:
            print(f"  migration {m.numero} : {m.description}")
    else:
        print(f"Base {label} déjà à jour (schéma version {CURRENT}).")
    if any(m.numero == 6 for m in done):
        print("Les résultats enregistrés (rapport de campagne) sont à calculer : lancez « cqpkit db refresh ».")
    return 0


def cmd_db_refresh(args: argparse.Namespace) -> int:
    from cqpkit.cli.progress import progress
    from cqpkit.store.refresh import stale_counts

    with open_store(args) as store:
        with store.read() as conn:
            total = sum(stale_counts(conn, store).values())
        with progress(total, quiet=args.quiet) as bar:
            n = store.refresh_results(args.batch, bar)
        label = store.target.label
    if not args.quiet:
        if total:
            print(f"Base {label} : résultats recalculés pour {pluriel(n, 'dossier')} (lots de {args.batch}).")
        else:
            print(f"Base {label} : résultats à jour, rien à recalculer.")
    return 0


def _batch(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"nombre de dossiers par lot entier et positif attendu, pas « {text} »")
    return n


def cmd_db_verify(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        result = store.verify(expect=args.expect)
        label = store.target.label
    lignes = result.lignes or {}
    if args.json:
        from cqpkit.store.answers import verify_answer

        print_json(verify_answer(label, result))
        return 0 if result.ok else 1
    if result.ok:
        checked = ", ".join(f"{table} {n}" for table, n in sorted(lignes.items()) if n)
        print(f"Base {label} : journal d'audit intègre ({pluriel(result.entrees, 'entrée')}, chaîne SHA-256 vérifiée).")
        print(f"Données conformes au journal ({pluriel(sum(lignes.values()), 'ligne vérifiée', 'lignes vérifiées')}"
              f"{' : ' + checked if checked else ''}) ; déclencheurs de protection en place.")
        print(f"Tête du journal : n° {result.entrees}, empreinte {result.tete}")
        if result.attendue is not None:
            where = "la tête actuelle" if result.attendue_numero == result.entrees else f"l'entrée n° {result.attendue_numero}"
            print(f"Empreinte attendue retrouvée : {where} (le journal n'a pas été réécrit jusque-là).")
        else:
            print("(notez cette empreinte ailleurs — procès-verbal, courriel — et vérifiez-la plus tard avec --expect)")
        return 0
    print(f"Base {label} : NON intègre ({pluriel(len(result.problemes), 'problème')}) :", file=sys.stderr)
    for p in result.problemes:
        print(f"  {p}", file=sys.stderr)
    return 1


def cmd_db_recount(args: argparse.Namespace) -> int:
    from cqpkit.store.countercheck import recount

    with open_store(args) as store:
        recount(store)
        label = store.target.label
    print(f"Base {label} : compteurs du rapport de campagne recalculés depuis les dossiers et les résultats.")
    return 0


def add_db(p: argparse.ArgumentParser) -> None:
    """``cqpkit db init | upgrade | refresh | verify``."""
    sub = actions(p)
    a = sub.add_parser("init", help="créer la base (ou vérifier qu'elle est à jour)")
    store_options(a)
    a.set_defaults(func=cmd_db_init)
    a = sub.add_parser("upgrade", help="appliquer les migrations du schéma en attente")
    store_options(a)
    a.set_defaults(func=cmd_db_upgrade)
    a = sub.add_parser("refresh", help="recalculer les résultats enregistrés périmés ou manquants (par lots, reprenable)")
    a.add_argument("--batch", type=_batch, default=500, metavar="N", help="dossiers par lot, chaque lot sa transaction (500 par défaut)")
    a.add_argument("--quiet", "-q", action="store_true", help="ni barre de progression ni résumé")
    store_options(a)
    a.set_defaults(func=cmd_db_refresh)
    a = sub.add_parser("verify", help="vérifier la chaîne du journal d'audit, les données contre le journal, les déclencheurs")
    a.add_argument(
        "--expect", metavar="EMPREINTE",
        help="empreinte du journal notée ailleurs (procès-verbal) : le journal doit toujours la contenir",
    )
    store_options(a, json=True)
    a.set_defaults(func=cmd_db_verify)
    a = sub.add_parser("recount", help="recalculer les compteurs du rapport de campagne (quand db verify les trouve faux)")
    store_options(a)
    a.set_defaults(func=cmd_db_recount)


# ------------------------------------------------------------------------------- import
#: Up to this many files, ``cqpkit import`` lists each file by default (a person reads them); beyond, the summary alone.
_LIST_UP_TO = 50


def cmd_import(args: argparse.Namespace) -> int:
    from cqpkit.cli.progress import progress
    from cqpkit.plugins.registry import load_registry
    from cqpkit.store.engine import resolve
    from cqpkit.store.reading import ImportErrors
    from cqpkit.store.store import Store
    from cqpkit.store.streaming import StreamingImport

    target = resolve(args.db)  # a bad address is a usage error before any file is read
    # Every file is validated before the database is even opened: an invalid import changes nothing.
    registry = load_registry()
    failures_out(registry)
    quiet = args.quiet and not args.json
    with StreamingImport(args.paths, registry) as imp:
        n_files = len(imp.paths)
        listed = args.json or args.verbose or (n_files <= _LIST_UP_TO and not quiet)
        with progress(n_files, quiet=quiet) as bar:
            imp.progress = bar
            try:
                imp.validate()
                if imp.empty:
                    _nothing_to_import(args.paths, imp.paths)
                    return 2
                with Store.open(args.db, create=True, check=False, registry=registry) as store:
                    created = store.version() is None
                    if created:
                        store.init()
                    else:
                        store.check_schema()
                    report = imp.store(store, operateur(args), detail=listed)
            except ImportErrors as exc:
                _print_problems(exc.problems)
                n = len(exc.problems)
                print(f"import refusé : {pluriel(n, 'fichier')} en erreur, rien n'a été enregistré", file=sys.stderr)
                return exc.exit_code
    if args.json:
        from cqpkit.store.answers import import_answer

        print_json(import_answer(target.label, created, report))
        return 0
    if quiet:
        return 0
    if created:
        print(f"Base {target.label} créée (schéma à jour).")
    if listed:
        for f in report.fichiers:
            kind = "session" if f["type"] == "session" else "dossier"
            print(f"{f['fichier']} : {kind} {f['id']} {f['statut']}")
    for note in report.notes:
        print(f"note : {note}")
    d_new, d_ver, d_same = (report.count("dossier", x) for x in ("nouveau", "version", "inchangé"))
    s_new, s_ver, s_same = (report.count("session", x) for x in ("nouvelle", "version", "inchangée"))
    print(
        f"Import dans {target.label} : {pluriel(d_new + d_ver + d_same, 'dossier')} ({d_new} {accord(d_new, 'nouveau', 'nouveaux')}, "
        f"{pluriel(d_ver, 'nouvelle version', 'nouvelles versions')}, {pluriel(d_same, 'inchangé')}), "
        f"{pluriel(s_new + s_ver + s_same, 'session')} ({pluriel(s_new, 'nouvelle')}, {pluriel(s_ver, 'nouvelle version', 'nouvelles versions')}, "
        f"{pluriel(s_same, 'inchangée')}) ; {pluriel(report.audit, 'entrée')} au journal"
    )
    return 0


def _nothing_to_import(given: Any, read: Any) -> None:
    """Why an import found nothing: each table read holds no dossier; each other path given, no file to import."""
    from cqpkit.interop.spreadsheets import empty_table_message, is_table

    tables = [p for p in read if is_table(p)]
    if tables:
        for path in tables:
            print(f"erreur : {empty_table_message(path)} : rien à importer", file=sys.stderr)
    rest = [p for p in dict.fromkeys(given) if p not in tables and not any(t.startswith(os.path.join(p, "")) for t in tables)]
    if rest:
        print(
            f"erreur : aucun fichier .toml dans {', '.join(rest)} : rien à importer (des fichiers .toml de dossiers ou de sessions "
            "de jury, ou des tables de dossiers .csv / .xlsx, sont attendus)",
            file=sys.stderr,
        )


def _print_problems(problems: Any) -> None:
    for exc in problems:
        # an invalid file: its name and count, then its errors (capped); anything else: « erreur : … »
        print_error(exc, prefix="" if isinstance(exc, InvalidFileError) else "erreur : ")


def add_import(p: argparse.ArgumentParser) -> None:
    """``cqpkit import FILE…|DIR``."""
    p.add_argument("paths", nargs="+", metavar="FICHIER", help="fichiers de dossiers et de sessions de jury (TOML), ou répertoires ; tables de dossiers (.csv, .xlsx : docs/interop.md)")
    store_options(p, write=True, json=True, debug=False)
    volume = p.add_mutually_exclusive_group()
    volume.add_argument(
        "--verbose", "-v", action="store_true",
        help=f"une ligne par fichier (le défaut jusqu'à {_LIST_UP_TO} fichiers ; au-delà, le résumé seul)",
    )
    volume.add_argument("--quiet", "-q", action="store_true", help="rien que les erreurs (ni barre de progression, ni résumé)")
    p.set_defaults(func=cmd_import)


# ---------------------------------------------------------------------------- candidate
class _WriteFailed(Exception):
    """The export file could not be written (the export's log entry is rolled back)."""


def cmd_candidate_export(args: argparse.Namespace) -> int:
    import json
    import tempfile

    out = args.output
    tmp = None
    direct: str | None = None
    if out:
        # The file is prepared before the database is touched, and written before the export's log
        # entry is committed: a file that cannot be written leaves the log as it was. It is written
        # under a temporary name (readable by its owner only: personal data) and renamed at the end.
        # A target that exists and is not a regular file (/dev/stdout, /dev/null, a named pipe) is
        # written to directly: renaming over it would replace the device or the pipe with a file.
        target = os.path.abspath(out)
        try:
            if os.path.isdir(target):
                raise IsADirectoryError(errno.EISDIR, "is a directory", out)
            if os.path.exists(target) and not os.path.isfile(target):
                direct = target
            else:
                fd, tmp = tempfile.mkstemp(prefix=".cqpkit-export-", suffix=".json", dir=os.path.dirname(target))
                os.close(fd)
        except OSError as exc:
            print(f"erreur : {out} : écriture impossible ({os_reason(exc)}) ; rien n'a été exporté", file=sys.stderr)
            return 2

    def deliver(data: dict[str, Any]) -> None:
        text = json_text(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n"
        if direct is not None:
            try:
                with open(direct, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise _WriteFailed(os_reason(exc)) from exc
            return
        if tmp is None:
            out = json_stream()
            out.write(text)
            out.flush()
            return
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except OSError as exc:
            raise _WriteFailed(os_reason(exc)) from exc

    try:
        with open_store(args) as store:
            data = store.export_candidat(args.candidat, operateur(args), deliver=deliver)
    except _WriteFailed as exc:
        print(f"erreur : {out} : écriture impossible ({exc}) ; rien n'a été exporté", file=sys.stderr)
        return 2
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    if out:
        print(f"Données du candidat {args.candidat} exportées dans {out} ({pluriel(len(data['dossiers']), 'dossier')}).", file=sys.stderr)
    return 0


def cmd_candidate_erase(args: argparse.Namespace) -> int:
    if not args.confirmer:
        print(
            f"erreur : l'effacement des données personnelles de {args.candidat} est définitif : relancez avec --confirmer",
            file=sys.stderr,
        )
        return 2
    with open_store(args) as store:
        done = store.erase(args.candidat, operateur(args))
    if done.deja_efface:
        print(f"Candidat {args.candidat} : données personnelles déjà effacées le {date_txt(done.efface_le[:10])} "
              f"(pseudonyme « {done.pseudonyme} ») ; rien à faire, rien n'a été modifié.")
        return 0
    print(f"Candidat {args.candidat} : données personnelles effacées, remplacées par le pseudonyme « {done.pseudonyme} » ; dossiers, décisions et statistiques conservés.")
    # The erasure is done (the key destroyed); what the role could not do to drop the old row versions is said.
    for note in done.nettoyage:
        print(f"note : nettoyage après effacement : {note}", file=sys.stderr)
    return 0


def add_candidate(p: argparse.ArgumentParser) -> None:
    """``cqpkit candidate export | erase ID`` (RGPD); ``list`` and ``show`` (:mod:`cqpkit.cli.candidats`)."""
    sub = actions(p)
    a = sub.add_parser("export", help="toutes les données personnelles d'un candidat, en JSON (droit d'accès)")
    a.add_argument("candidat", metavar="ID", help="identifiant du candidat (ex. C-0207), pas du dossier")
    a.add_argument("--output", "-o", metavar="FICHIER", help="écrire dans ce fichier (défaut : la sortie standard)")
    store_options(a, write=True)
    a.set_defaults(func=cmd_candidate_export)
    a = sub.add_parser("erase", help="remplacer les données personnelles d'un candidat par un pseudonyme (droit à l'effacement)")
    a.add_argument("candidat", metavar="ID", help="identifiant du candidat (ex. C-0207), pas du dossier")
    a.add_argument("--confirmer", action="store_true", help="confirmer l'effacement, définitif")
    store_options(a, write=True)
    a.set_defaults(func=cmd_candidate_erase)
    from cqpkit.cli.candidats import add_candidate_reads

    add_candidate_reads(sub)
