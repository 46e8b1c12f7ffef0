"""``cqpkit credential keygen | issue | verify``: Open Badges 3.0 credentials of the awards, signed (VC-JWT, Ed25519).

The work is in :mod:`cqpkit.interop.credentials`; PyJWT (the ``interop`` extra) is imported
only when one of these commands runs. A key or issuer file that cannot be used raises a
:class:`~cqpkit.exceptions.CqpkitError`, printed by :func:`cqpkit.cli.main` with its exit code. docs/interop.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cqpkit.cli.common import as_of, failures_out, parse_date, print_json
from cqpkit.cli.output import print_error
from cqpkit.cli.store_common import actions
from cqpkit.exceptions import InvalidFileError, UnreadableFileError, os_reason
from cqpkit.render.text import pluriel

__all__ = ["add_credential"]

def _need_libraries() -> bool:
    """PyJWT (the ``interop`` extra) is there; else print how to install it and answer ``False`` (exit 2)."""
    from cqpkit.interop import InteropUnavailable, require

    try:
        require("jwt", "l'émission ou la vérification d'attestations Open Badges")
    except InteropUnavailable as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return False
    return True


# ------------------------------------------------------------------------------ keygen
def cmd_keygen(args: argparse.Namespace) -> int:
    from cqpkit.interop.credentials import generate_keys

    try:
        private, public = generate_keys(args.fichier, force=args.force)
    except FileExistsError as exc:
        print(f"erreur : {exc.args[0]} existe déjà : rien n'a été écrit (--force pour remplacer la paire de clés)", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"erreur : {exc.filename or args.fichier} : écriture impossible ({os_reason(exc)})", file=sys.stderr)
        return 2
    print(f"Clé privée Ed25519 écrite dans {private} (lisible par vous seul : mode 0600 ; à garder secrète).")
    print(f"Clé publique écrite dans {public} (à donner à qui vérifie les attestations).")
    return 0


# ------------------------------------------------------------------------------- issue
def _emetteur(args: argparse.Namespace) -> Any:
    """The issuer of ``--config`` with the options over it; ``None`` after printing why there is none."""
    from cqpkit.interop.credentials import Emetteur, load_emetteur

    base = load_emetteur(args.config) if args.config else None
    values: dict[str, Any] = {
        "id": args.issuer_id or (base.id if base else None),
        "nom": args.issuer_name or (base.nom if base else None),
        "url": args.issuer_url or (base.url if base else ""),
        "email": args.issuer_email or (base.email if base else ""),
        "cle": getattr(args, "cle", None) or (base.cle if base else None),
        "cle_publique": getattr(args, "cle_publique", None) or (base.cle_publique if base else None),
    }
    return Emetteur(**values) if values["id"] and values["nom"] else values


def cmd_issue(args: argparse.Namespace) -> int:
    if not _need_libraries():
        return 2
    from cqpkit.interop.credentials import issue, load_private_key

    emetteur = _emetteur(args)
    if not hasattr(emetteur, "id"):
        missing = [o for o, k in (("--issuer-id", "id"), ("--issuer-name", "nom")) if not emetteur[k]]
        print(f"erreur : émetteur incomplet : {' et '.join(missing)} manquant (ou --config FICHIER avec [emetteur] id et nom)", file=sys.stderr)
        return 2
    if not emetteur.cle:
        print("erreur : clé de signature manquante : --key FICHIER (écrit par « cqpkit credential keygen »), ou cle = … dans [emetteur]", file=sys.stderr)
        return 2
    if bool(args.fichiers) == bool(args.session or args.candidat):
        print("erreur : donner des fichiers de dossiers, ou --session ID ou --candidat ID avec --db (l'un ou l'autre)", file=sys.stderr)
        return 2
    key = load_private_key(emetteur.cle)
    day = as_of(args)
    if args.fichiers:
        from cqpkit.formats.dossiers import load_dossier
        from cqpkit.plugins.registry import load_registry

        registry = load_registry()
        failures_out(registry)
        dossiers, problems = [], []
        for path in args.fichiers:
            try:
                dossiers.append(load_dossier(path, registry))
            except (InvalidFileError, UnreadableFileError) as exc:
                problems.append(exc)
        if problems:
            for problem in problems:
                print_error(problem, prefix="" if isinstance(problem, InvalidFileError) else "erreur : ")
            print(f"aucune attestation émise : {pluriel(len(problems), 'fichier')} en erreur", file=sys.stderr)
            return 2 if any(isinstance(p, UnreadableFileError) for p in problems) else 1
        issued = issue(registry, dossiers, emetteur, key, day)
    else:
        from cqpkit.cli.store_common import open_store

        with open_store(args) as store:
            ids = _stored_ids(store, args)
            dossiers = [store.dossier(i) for i in ids]
            issued = issue(store.registry, dossiers, emetteur, key, day)
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        print(f"erreur : {out} : ce n'est pas un répertoire (-o nomme le répertoire des attestations) ; rien n'a été écrit", file=sys.stderr)
        return 2
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for award, _credential, token in issued:
            name = f"{award.dossier}-{award.domaine or 'certification'}.jwt"
            target = out / "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_text(token + "\n", encoding="ascii")
            os.replace(tmp, target)
            written.append((award, target))
    except OSError as exc:
        print(f"erreur : {exc.filename or out} : écriture impossible ({os_reason(exc)})", file=sys.stderr)
        return 2
    if args.json:
        print_json({"date": day.isoformat(), "attestations": [
            {"dossier": a.dossier, "domaine": a.domaine, "fichier": str(p), "valide_depuis": a.date.isoformat(),
             "valide_jusqua": a.valide_jusqua.isoformat() if a.valide_jusqua else None, "credential": c}
            for (a, p), (_, c, _) in zip(written, issued, strict=True)
        ]})
        return 0
    for award, target in written:
        what = "certification" if award.domaine is None else f"domaine {award.domaine}"
        until = f", valable jusqu'au {award.valide_jusqua.strftime('%d/%m/%Y')}" if award.valide_jusqua else ""
        print(f"{award.dossier} : {what} (délivré le {award.date.strftime('%d/%m/%Y')}{until}) → {target}")
    print(f"{pluriel(len(written), 'attestation émise', 'attestations émises')} au {day.strftime('%d/%m/%Y')} pour "
          f"{pluriel(len(dossiers), 'dossier')} (Open Badges 3.0, VC-JWT signé EdDSA)")
    return 0


def _stored_ids(store: Any, args: argparse.Namespace) -> list[str]:
    """The dossiers of ``--session`` (presented to it) or of ``--candidat`` in the base."""
    from cqpkit.store.errors import NotFoundError

    if args.session:
        return [c["dossier"] for c in store.jury_session(args.session)["candidats"]]
    import sqlalchemy as sa

    from cqpkit.store import schema as t

    with store.read() as conn:
        ids = [r.id for r in conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.candidat_id == args.candidat).order_by(t.dossiers.c.id))]
        if not ids:
            from cqpkit.store.errors import near_match

            hint = near_match(args.candidat, conn.execute(sa.select(t.candidats.c.id)).scalars())
            raise NotFoundError(f"candidat « {args.candidat} » inconnu dans {store.target.label} : aucun dossier{hint}")
    return ids


# ------------------------------------------------------------------------------ verify
def cmd_verify(args: argparse.Namespace) -> int:
    if not _need_libraries():
        return 2
    from cqpkit.formats.tomlfile import read_bytes
    from cqpkit.interop.credentials import load_public_key, verify

    emetteur = _emetteur(args)
    get = emetteur.get if isinstance(emetteur, dict) else lambda k: getattr(emetteur, k)
    key_file = get("cle_publique") or get("cle")
    if not key_file:
        print("erreur : clé publique de l'émetteur manquante : --public-key FICHIER (ou --config avec cle_publique)", file=sys.stderr)
        return 2
    public = load_public_key(key_file)
    try:
        data = read_bytes(args.fichier, limit=1024 * 1024)
    except UnreadableFileError as exc:
        print_error(exc)
        return 2
    token = data.decode("ascii", errors="replace")
    day = as_of(args)
    result = verify(token, public, day, get("id") or None)
    if args.json:
        print_json({"fichier": args.fichier, "date": day.isoformat(), "valide": result.ok, "problemes": list(result.problemes),
                    "verifications": list(result.verifications), "credential": result.credential})
        return 0 if result.ok else 1
    if result.ok:
        c = result.credential or {}
        print(f"{args.fichier} : attestation valide — {c.get('name', '')}")
        for line in result.verifications:
            print(f"  ✓ {line}")
        return 0
    print(f"{args.fichier} : attestation NON valide ({pluriel(len(result.problemes), 'problème')}) :", file=sys.stderr)
    for line in result.problemes:
        print(f"  ✗ {line}", file=sys.stderr)
    return 1


# -------------------------------------------------------------------------------- parser
def _issuer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FICHIER", help="fichier TOML de l'émetteur ([emetteur] id, nom, url, email, cle, cle_publique)")
    p.add_argument("--issuer-id", metavar="URI", help="identifiant de l'émetteur (adresse web ou did:), prioritaire sur --config")
    p.add_argument("--issuer-name", metavar="NOM", help="nom de l'émetteur")
    p.add_argument("--issuer-url", metavar="URL", help="site de l'émetteur")
    p.add_argument("--issuer-email", metavar="EMAIL", help="adresse de contact de l'émetteur")
    p.add_argument("--as-of", dest="as_of", type=parse_date, metavar="DATE", help="date d'évaluation (AAAA-MM-JJ ; défaut : aujourd'hui)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="afficher la trace Python en cas d'erreur")


def add_credential(p: argparse.ArgumentParser) -> None:
    """``cqpkit credential keygen | issue | verify``."""
    sub = actions(p)
    a = sub.add_parser("keygen", help="créer la paire de clés Ed25519 de l'émetteur (FICHIER et FICHIER.pub)")
    a.add_argument("fichier", metavar="FICHIER", help="fichier de la clé privée (la clé publique va dans FICHIER.pub)")
    a.add_argument("--force", action="store_true", help="remplacer une paire de clés existante")
    a.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="afficher la trace Python en cas d'erreur")
    a.set_defaults(func=cmd_keygen)

    a = sub.add_parser("issue", help="émettre les attestations Open Badges 3.0 des certifications et domaines acquis")
    a.add_argument("fichiers", nargs="*", metavar="DOSSIER", help="fichiers de dossiers (TOML) ; ou --db avec --session / --candidat")
    a.add_argument("--db", metavar="BASE", help="la base (avec --session ou --candidat)")
    which = a.add_mutually_exclusive_group()
    which.add_argument("--session", metavar="ID", help="les dossiers présentés à cette session de jury (dans la base)")
    which.add_argument("--candidat", metavar="ID", help="les dossiers de ce candidat (dans la base)")
    a.add_argument("--key", dest="cle", metavar="FICHIER", help="clé privée de l'émetteur (cqpkit credential keygen)")
    a.add_argument("--output", "-o", metavar="REPERTOIRE", required=True, help="répertoire où écrire les attestations (un fichier .jwt chacune)")
    _issuer_options(a)
    a.set_defaults(func=cmd_issue)

    a = sub.add_parser("verify", help="vérifier une attestation : signature, dates de validité, émetteur")
    a.add_argument("fichier", metavar="FICHIER", help="attestation (fichier .jwt écrit par « credential issue »)")
    a.add_argument("--public-key", dest="cle_publique", metavar="FICHIER", help="clé publique de l'émetteur (FICHIER.pub de keygen)")
    _issuer_options(a)
    a.set_defaults(func=cmd_verify)

