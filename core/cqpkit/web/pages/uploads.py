"""The import page's work: the files sent (TOML, or zip archives of them) imported as ``cqpkit import`` does.

The files are written to a private temporary folder (an archive's members checked first: no absolute path,
no ``..``, at most :data:`MAX_MEMBERS` members and :data:`MAX_UNPACKED` bytes unpacked), then imported by
:class:`~cqpkit.store.streaming.StreamingImport` — validated whole first, nothing stored on any error. The
errors name the file as sent (``archive.zip/dossiers/x.toml``), its line and key.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

__all__ = ["MAX_MEMBERS", "MAX_UNPACKED", "import_upload"]

MAX_MEMBERS = 20_000
MAX_UNPACKED = 512 * 1024 * 1024


def _error(fichier: str, message: str, ligne: int | None = None, cle: str = "", usage: bool = False) -> dict[str, Any]:
    return {"fichier": fichier, "ligne": ligne, "cle": cle, "message": message, "usage": usage}


def _safe_name(name: str) -> str | None:
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or name.startswith(("/", "\\")) or ":" in parts[0]:
        return None
    return "/".join(parts)


def _unpack(root: str, uploads: Sequence[tuple[str, bytes]]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for i, (filename, content) in enumerate(uploads):
        base = _safe_name(os.path.basename(filename.replace("\\", "/"))) or f"fichier-{i + 1}"
        if base.lower().endswith(".zip"):
            import io

            try:
                archive = zipfile.ZipFile(io.BytesIO(content))
                members = [m for m in archive.infolist() if not m.is_dir()]
            except zipfile.BadZipFile:
                errors.append(_error(base, "archive zip illisible", usage=True))
                continue
            if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
                errors.append(_error(base, f"archive trop grande : au plus {MAX_MEMBERS} fichiers et {MAX_UNPACKED // 2**20} Mio décompressés", usage=True))
                continue
            for m in members:
                name = _safe_name(m.filename)
                if name is None:
                    errors.append(_error(f"{base}/{m.filename}", "chemin refusé dans l'archive (absolu ou avec « .. »)", usage=True))
                    continue
                if not name.endswith(".toml"):
                    continue
                target = os.path.join(root, base, *name.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                # an archive sent in the request's body (in memory, within the body limit), not a file: read
                # whole, each member bounded by its declared size, checked above (zipfile stops there and checks the CRC)
                with open(target, "wb") as out:
                    out.write(archive.read(m))
        elif base.endswith(".toml"):
            target = os.path.join(root, f"{i:04d}", base)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(content)
        else:
            errors.append(_error(base, "fichier refusé : des fichiers .toml ou une archive .zip sont attendus", usage=True))
    return errors


def _shown(root: str, path: str) -> str:
    """The name of a file as the user sent it (the temporary folder, and the numbering of loose files, removed)."""
    rel = os.path.relpath(path, root) if os.path.isabs(path) or path.startswith(root) else path
    parts = rel.replace(os.sep, "/").split("/")
    if len(parts) == 2 and parts[0].isdigit():
        return parts[1]
    return "/".join(parts)


def _problems(root: str, problems: Sequence[BaseException]) -> list[dict[str, Any]]:
    from cqpkit.exceptions import InvalidFileError

    out: list[dict[str, Any]] = []
    for exc in problems:
        if isinstance(exc, InvalidFileError):
            for e in exc.erreurs:
                out.append(_error(_shown(root, e.fichier or exc.fichier), e.message, e.ligne, e.chemin))
        else:
            text = str(exc).replace(root + os.sep, "")
            out.append(_error(_shown(root, getattr(exc, "fichier", "") or ""), text))
    return out


def import_upload(store: Any, uploads: Sequence[tuple[str, bytes]], user: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Import the files sent, all or nothing; the report (files, notes, counts) or the errors (nothing stored)."""
    from cqpkit.exceptions import CqpkitError
    from cqpkit.store.reading import ImportErrors
    from cqpkit.store.streaming import StreamingImport
    from cqpkit.store.users import acting

    with tempfile.TemporaryDirectory(prefix="cqpkit-import-") as root:
        errors = _unpack(root, uploads)
        if errors:
            return None, errors
        try:
            with StreamingImport([root], store.registry, workers=1) as imp:
                imp.validate()
                if imp.empty:
                    return None, [_error("", "aucun fichier .toml reçu : rien à importer", usage=True)]
                report = imp.store(store, acting(user), detail=True)
        except ImportErrors as exc:
            return None, _problems(root, exc.problems)
        except CqpkitError as exc:
            return None, [_error("", str(exc).replace(root + os.sep, ""))]
        fichiers = [{**f, "fichier": _shown(root, f["fichier"])} for f in report.fichiers]
    return {"fichiers": fichiers, "notes": list(report.notes), "journal": report.audit,
            "constats": {sid: list(found) for sid, found in report.constats.items()}}, []
