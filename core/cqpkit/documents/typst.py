"""Render a :class:`~cqpkit.documents.Document` to PDF with the Typst compiler (the ``typst`` package).

The compiler ships inside the ``typst`` wheel (extra ``cqpkit[documents]``): no system dependency. It is
imported here only, when a document is rendered; without it :class:`DocumentsUnavailable` says in French which
extra to install. The data reach the template as one JSON text in ``sys.inputs.data``
(``#let data = json(bytes(sys.inputs.data))``); templates import their shared layout from ``commun.typ``.
Only the fonts shipped with the compiler are used (system fonts are ignored), so a PDF is the same on every
machine; the creation date is fixed by ``timestamp`` so that the same data give the same bytes.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from cqpkit.exceptions import CqpkitError

__all__ = ["DocumentsUnavailable", "RenderError", "render_pdf", "require_compiler", "templates_dir"]

_EXTRA = "pip install 'cqpkit[documents]'"


class DocumentsUnavailable(CqpkitError):
    """The Typst compiler is not installed (the ``documents`` extra is missing): exit 2, as an unusable environment."""

    exit_code = 2


class RenderError(CqpkitError):
    """The Typst compiler refused a template (a bug of cqpkit or of a plugin's template, never of the user's data)."""


def templates_dir() -> Path:
    """The folder of the bundled templates (a real folder: the package is installed unzipped)."""
    return Path(str(resources.files("cqpkit.documents") / "templates"))


def _compiler() -> Any:
    try:
        import typst  # the compiler, in the wheel of the ``documents`` extra
    except ImportError:
        raise DocumentsUnavailable(
            f"l'impression des documents demande le compilateur Typst, qui n'est pas installé : {_EXTRA}"
        ) from None
    return typst


def require_compiler() -> None:
    """Raise :class:`DocumentsUnavailable` when the compiler is missing (a command says so before reading anything)."""
    _compiler()


def render_pdf(template: str, data: Any, *, root: Path | None = None, timestamp: int = 0) -> bytes:
    """The PDF of ``templates/<template>.typ`` given ``data`` (anything :func:`json.dumps` takes).

    ``root`` is the folder the template is looked up in (the bundled templates by default; a plugin may ship
    its own). ``timestamp`` (seconds since the epoch) is the document's creation date in its metadata.
    """
    typst = _compiler()
    folder = root if root is not None else templates_dir()
    source = folder / f"{template}.typ"
    if not source.is_file():
        raise RenderError(f"modèle de document introuvable : {source}")
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        pdf: bytes = typst.compile(
            str(source), root=str(folder), sys_inputs={"data": text}, ignore_system_fonts=True, timestamp=timestamp
        )
    except typst.TypstError as exc:
        raise RenderError(f"le modèle « {template} » n'a pas pu être mis en page : {exc}") from exc
    return pdf
