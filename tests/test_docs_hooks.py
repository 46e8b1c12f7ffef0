"""The plugin surface stays honest: every hook is documented in docs/writing-a-plugin.md and has a test.

For each hook of ``cqpkit/hookspecs.py`` (datasette's ``tests/test_docs.py`` habit):

- ``docs/writing-a-plugin.md`` has a section headed with its call (``### `cqpkit_decide(referentiel, dossier,
  date)` ``) giving its exact signature (the ``def`` line of the hookspec, annotations included), when it is
  called, each argument, what it returns, and an example implementing it with ``@hookimpl``;
- some test of the project is named ``test_hook_<name>…``.

The documentation's Python examples compile, and it documents every capability of the suite.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re

import pytest
from cqpkit import hookspecs
from cqpkit.testing import Capability

from tests.conftest import ROOT

DOC = ROOT / "docs" / "writing-a-plugin.md"
HOOKS = {n: f for n, f in vars(hookspecs).items() if n.startswith("cqpkit_") and callable(f)}


def _sections() -> dict[str, str]:
    """Each ``### `cqpkit_…(…)` `` section of the guide: its heading's call → its text up to the next heading."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^(#{1,3} .*)$", text, flags=re.MULTILINE)
    out = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        m = re.fullmatch(r"### `(cqpkit_\w+\(.*\))`", heading)
        if m:
            out[m.group(1)] = body
    return out


def _call(name: str) -> str:
    return f"{name}({', '.join(inspect.signature(HOOKS[name]).parameters)})"


@functools.cache
def _test_names() -> frozenset[str]:
    """Every test function or method name in tests/ and plugins/*/tests/."""
    names = set()
    for path in [*ROOT.joinpath("tests").rglob("test_*.py"), *ROOT.joinpath("plugins").glob("*/tests/test_*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return frozenset(names)


class TestHookDocs:
    """docs/writing-a-plugin.md documents every hook, and only hooks that exist."""

    def test_no_unknown_hook_documented(self):
        """Every hook section names a hook of hookspecs.py, with its parameters in order."""
        assert sorted(_sections()) == sorted(_call(n) for n in HOOKS)

    @pytest.mark.parametrize("name", sorted(HOOKS))
    def test_hook_is_documented(self, name):
        """The section gives the exact signature, when it is called, each argument, the return value and an example."""
        section = _sections().get(_call(name))
        assert section is not None, f"docs/writing-a-plugin.md : ajoutez une section « ### `{_call(name)}` »"
        signature = f"def {name}{inspect.signature(HOOKS[name])}".replace("'", "")
        assert f"```python\n{signature}\n```" in section, f"signature exacte attendue : {signature}"
        for part in ("**When it is called.**", "**Arguments.**", "**Returns.**", "**Example.**"):
            assert part in section, f"{name} : {part} manquant"
        for param in inspect.signature(HOOKS[name]).parameters:
            assert f"| `{param}` |" in section, f"{name} : l'argument {param} n'est pas décrit"
        firstresult = HOOKS[name].cqpkit_spec["firstresult"]
        assert ("Not `firstresult`" in section) is not firstresult
        examples = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
        assert any("@hookimpl" in e and f"def {name}(" in e for e in examples), f"{name} : pas d'exemple avec @hookimpl"

    def test_python_examples_compile(self):
        """Every ``python`` block of the guide (except the bare signatures) is valid Python."""
        for block in re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL):
            if block.startswith("def cqpkit_") and block.count("\n") == 1:
                continue  # a signature line, not a program
            ast.parse(block)

    def test_capabilities_documented(self):
        """Every capability of the conformance suite is in the guide's table."""
        text = DOC.read_text(encoding="utf-8")
        for cap in Capability:
            assert f"| `Capability.{cap.name}` |" in text


class TestHookTests:
    @pytest.mark.parametrize("name", sorted(HOOKS))
    def test_hook_has_a_test(self, name):
        """Some test is named ``test_hook_<name>…`` (datasette's rule: every hook is exercised by name)."""
        assert any(t.startswith(f"test_hook_{name}") for t in _test_names()), (
            f"ajoutez un test nommé test_hook_{name}_… qui appelle ce hook"
        )
