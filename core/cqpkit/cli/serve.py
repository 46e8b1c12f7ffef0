"""``cqpkit serve``: the HTTP service (:mod:`cqpkit.web`, extra ``cqpkit[serve]``), served by uvicorn.

Litestar and uvicorn are imported here only, when the command runs (``cqpkit list`` never loads them); without
the extra, a French message names it (exit 2). The options reach each uvicorn worker through the environment
(:data:`cqpkit.web.app.CONFIG_VARIABLE`), so that ``--workers N`` starts N processes of the same app.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys

__all__ = ["add_serve", "cmd_serve"]

_MISSING = (
    "cqpkit serve : le service HTTP demande l'extra [serve] (Litestar et uvicorn), absent de cet environnement : "
    "pip install 'cqpkit[serve]'"
)


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu : « {text} »") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"nombre entier positif attendu : « {text} »")
    return n


def _seconds(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"durée en secondes attendue : « {text} »") from None
    if not 0 < n <= 3600:
        raise argparse.ArgumentTypeError(f"durée en secondes attendue, de 0 à 3600 : « {text} »")
    return n


def _port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in French), or None."""
    import socket

    from cqpkit.exceptions import os_reason

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return f"adresse « {host} » introuvable"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            return os_reason(exc)
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("litestar") is None or importlib.util.find_spec("uvicorn") is None:
        print(_MISSING, file=sys.stderr)
        return 2
    from cqpkit.web.limits import Limits

    limits = Limits(max_body=args.max_body * 1024, max_dossiers=args.max_dossiers, timeout=args.timeout)
    if args.openapi:
        from cqpkit.cli.output import json_stream
        from cqpkit.web.app import create_app
        from cqpkit.web.openapi import document_text

        json_stream().write(document_text(create_app(public_engine=args.public_engine, limits=limits, access_log=False)))
        return 0
    if args.db is not None:  # a base that cannot be opened is said now, in French, not by each worker
        from cqpkit.store.store import Store

        with Store.open(args.db):
            pass
    why = _port_taken(args.host, args.port)
    if why is not None:
        print(f"cqpkit serve : impossible d'écouter sur {args.host}:{args.port} : {why}", file=sys.stderr)
        return 2
    import logging

    import uvicorn

    from cqpkit.web.app import CONFIG_VARIABLE
    from cqpkit.web.limits import ACCESS_LOGGER

    config = {
        "db": args.db,
        "public_engine": args.public_engine,
        "limits": {"max_body": limits.max_body, "max_dossiers": limits.max_dossiers, "timeout": limits.timeout},
    }
    os.environ[CONFIG_VARIABLE] = json.dumps(config)
    access = logging.getLogger(ACCESS_LOGGER)
    if not access.handlers:
        # Past the CLI's escaping writer (cqpkit.cli.output), which would show each line's newline as « \n »:
        # the lines are JSON in ASCII, nothing in them can act on a terminal.
        handler = logging.StreamHandler(getattr(sys.stderr, "raw", sys.stderr))
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO if not args.quiet else logging.WARNING)
        access.propagate = False
    engine = "sans jeton (--public-engine)" if args.public_engine else "réservés aux jetons (--public-engine pour les ouvrir)"
    if args.db is not None:
        from cqpkit.store.engine import resolve

        engine += f" ; base {resolve(args.db).label} sous /api/v1/base"
    print(
        f"cqpkit serve : http://{args.host}:{args.port}/api/v1 ({args.workers} processus ; calculs {engine} ; "
        f"documentation /api/docs, /api/openapi.json) ; Ctrl-C pour arrêter",
        file=sys.stderr,
        flush=True,
    )
    # uvicorn's own messages are English: only its warnings and errors are let through, the access log is ours.
    uvicorn.run(
        "cqpkit.web.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return 0


def add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="la base (fichier SQLite ou postgresql://…) : les points d'accès /api/v1/base/… et les jetons de ses utilisateurs")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1, cette machine seulement)")
    p.add_argument("--port", type=_positive, default=8000, help="port d'écoute (défaut : 8000)")
    p.add_argument("--workers", type=_positive, default=1, help="nombre de processus (défaut : 1)")
    p.add_argument(
        "--public-engine", dest="public_engine", action="store_true",
        help="ouvrir sans jeton les calculs (référentiels, check, plan, decide, funding, explain)",
    )
    p.add_argument("--max-body", dest="max_body", type=_positive, default=2048, metavar="KIO", help="taille maximale d'un corps de requête, en Kio (défaut : 2048)")
    p.add_argument("--max-dossiers", dest="max_dossiers", type=_positive, default=100, metavar="N", help="dossiers au plus par requête (défaut : 100)")
    p.add_argument("--timeout", type=_seconds, default=30.0, metavar="S", help="durée maximale d'un calcul, en secondes (défaut : 30)")
    p.add_argument("--quiet", action="store_true", help="pas de journal des requêtes")
    p.add_argument("--openapi", action="store_true", help="écrire le document OpenAPI du service et quitter")
    p.set_defaults(func=cmd_serve)
