"""The plugin surface: every hook of DESIGN.md exists, is typed and documented in the fixed order."""

from __future__ import annotations

import inspect

import pytest

from cqpkit import hookspecs

# DESIGN.md, "Hooks": name → (parameters, firstresult)
HOOKS = {
    "cqpkit_referentiels": (["register"], False),
    "cqpkit_check_dossier": (["referentiel", "dossier", "date", "resultat"], False),
    "cqpkit_check_session": (["referentiel", "session", "dossiers", "historique"], False),
    "cqpkit_plan_parcours": (["referentiel", "dossier", "date"], True),
    "cqpkit_decide": (["referentiel", "dossier", "date"], True),
    "cqpkit_funding": (["referentiel", "dossier", "date", "resultat"], False),
    # issue 17 (printed documents): a plugin's own template; DESIGN.md's table predates it
    "cqpkit_document_template": (["referentiel", "kind"], True),
}


def _specs():
    return {n: f for n, f in vars(hookspecs).items() if n.startswith("cqpkit_") and callable(f)}


class TestHookspecs:
    """hookspecs.py holds exactly the hooks of DESIGN.md."""

    def test_same_hooks(self):
        """No hook missing, none extra."""
        assert sorted(_specs()) == sorted(HOOKS)

    @pytest.mark.parametrize("name", sorted(HOOKS))
    def test_hook_signature(self, name):
        """Each hook has the parameters DESIGN.md gives, annotated, and the right firstresult flag."""
        func = _specs()[name]
        params, firstresult = HOOKS[name]
        sig = inspect.signature(func)
        assert list(sig.parameters) == params
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())
        assert sig.return_annotation is not inspect.Signature.empty
        assert func.cqpkit_spec["firstresult"] is firstresult

    @pytest.mark.parametrize("name", sorted(HOOKS))
    def test_hook_docstring_order(self, name):
        """Each docstring says, in order: what for; when called; what it returns (and None); firstresult; parameters."""
        doc = inspect.getdoc(_specs()[name])
        assert doc
        positions = [doc.find(marker) for marker in ("Called", "Returns", "irstresult", ":param")]
        assert -1 not in positions, positions
        assert positions == sorted(positions)
        for param in HOOKS[name][0]:
            assert f":param {param}:" in doc
        if name != "cqpkit_referentiels":
            assert "None" in doc

    def test_hookimpl_reexported(self):
        """Plugin authors import the marker from the package root."""
        import cqpkit

        assert cqpkit.hookimpl is hookspecs.hookimpl
