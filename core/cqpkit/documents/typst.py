"""Render a :class:`~cqpkit.documents.Document` to PDF with the Typst compiler (the ``typst`` package).

The compiler ships inside the ``typst`` wheel (extra ``cqpkit[documents]``): no system dependency. It is
imported here only, when a document is rendered; without it :class:`DocumentsUnavailable` says in French which
extra to install. The data reach the template as one JSON text in ``sys.inputs.data``
(``#let data = json(bytes(sys.inputs.data))``); templates import their shared layout from ``commun.typ``.
Only the fonts shipped with the compiler are used (system fonts are ignored), so a PDF is the same on every
machine; the creation date is fixed by ``timestamp`` so that the same data give the same bytes.

:class:`Renderer` prints many documents with one compiler per template folder (the fonts are read once, the
templates parsed once) and takes each document's template where the registry says: a plugin's
(hook ``cqpkit_document_template``) or the bundled one. A plugin's template is compiled in a staging folder
holding the bundled templates and the files of the plugin's template folder (its logo…), so that it can
``#import "papiers.typ": *`` like the bundled ones.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from cqpkit.exceptions import CqpkitError

__all__ = ["DocumentsUnavailable", "RenderError", "Renderer", "render_pdf", "require_compiler", "templates_dir"]

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


def _ignored(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".py", ".pyc"))}


class Renderer:
    """Renders documents one after another: one compiler per template folder, each template where the registry says.

    ``registry`` (a :class:`~cqpkit.plugins.registry.Registry`, or ``None`` for the bundled templates only) is
    asked for a plugin's template of each document (:meth:`template`). ``timestamp`` is the creation date put
    in every PDF's metadata (seconds since the epoch; 0 by default: the same data give the same bytes).
    Use it as a context manager, or call :meth:`close`, to remove the staging folders of plugins' templates.
    """

    def __init__(self, registry: Any = None, *, timestamp: int = 0) -> None:
        self._typst = _compiler()
        self.registry = registry
        self.timestamp = timestamp
        self._compilers: dict[Path, Any] = {}
        self._staged: dict[Path, Path] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the staging folders (the compilers are dropped with them)."""
        self._compilers.clear()
        self._staged.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def template(self, doc: Any) -> Path:
        """The ``.typ`` file ``doc`` is compiled from: a plugin's (staged beside the bundled ones), else the bundled one."""
        given = self.registry.document_template(doc.kind, doc.referentiels) if self.registry is not None else None
        if given is None:
            if ":" in doc.kind:
                names = ", ".join(f"{c} {v}" for c, v in doc.referentiels) or "aucun"
                raise RenderError(f"document « {doc.kind} » : aucune extension ne le fournit pour ce référentiel ({names})")
            source = templates_dir() / f"{doc.template}.typ"
            if not source.is_file():
                raise RenderError(f"modèle de document introuvable : {source}")
            return source
        return self._stage(Path(given).resolve())

    def _stage(self, given: Path) -> Path:
        folder = self._staged.get(given.parent)
        if folder is None:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="cqpkit-modeles-")
                atexit.register(self.close)
            folder = Path(self._tmp.name) / str(len(self._staged))
            shutil.copytree(templates_dir(), folder, ignore=_ignored)
            shutil.copytree(given.parent, folder, ignore=_ignored, dirs_exist_ok=True)
            self._staged[given.parent] = folder
        return folder / given.name

    def render(self, doc: Any, *, format: str = "pdf", ppi: float | None = None) -> bytes:
        """The bytes of ``doc`` (a :class:`~cqpkit.documents.Document`): PDF, or ``format="png"`` (the first page)."""
        source = self.template(doc)
        folder = source.parent
        compiler = self._compilers.get(folder)
        if compiler is None:
            compiler = self._compilers[folder] = self._typst.Compiler(root=str(folder), ignore_system_fonts=True)
        text = json.dumps(doc.data, ensure_ascii=False, default=str)
        try:
            out: bytes | list[bytes] = compiler.compile(
                input=str(source), sys_inputs={"data": text}, format=format, ppi=ppi, timestamp=self.timestamp
            )
        except self._typst.TypstError as exc:
            raise RenderError(f"le modèle « {source.name} » n'a pas pu être mis en page : {exc}") from exc
        return out[0] if isinstance(out, list) else out
