"""Public names (issue 14, point 3): none shadows a standard name; the renamed ones keep their old name, deprecated."""

from __future__ import annotations

import builtins
import collections.abc
import importlib
import typing

import cqpkit
import pytest

PUBLIC_MODULES = [
    "cqpkit",
    "cqpkit.model",
    "cqpkit.plugins.registry",
    "cqpkit.formats.dossiers",
    "cqpkit.formats.jsonfile",
    "cqpkit.formats.referentiels",
    "cqpkit.store",
]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_no_public_name_shadows_typing_or_builtins(module):
    """`from cqpkit.model import *` must not replace `typing.Sequence` (or any typing, collections.abc, builtin name)."""
    exported = set(getattr(importlib.import_module(module), "__all__", ()))
    standard = set(dir(typing)) | set(dir(collections.abc)) | set(dir(builtins))
    assert exported, module
    assert sorted(exported & standard) == []


def test_phase_jury_is_the_jury_format_class():
    """The `[jury] format` key keeps its name; each entry is a PhaseJury. Guide Mutualité, Partie 1, 2.5:
    « autour d'une présentation [...] (10 minutes), d'un entretien avec le jury (10 minutes) et d'une phase
    de délibération »."""
    from cqpkit.model import PhaseJury

    ref = cqpkit.load_registry().referentiel("mutualite.specialiste-prestations")
    assert all(isinstance(p, PhaseJury) for p in ref.jury.format)
    assert [p.minutes for p in ref.jury.format] == [10, 10, None]
    assert ref.jury.format[-1] == PhaseJury(libelle="Délibération")


def test_fiches_is_what_list_shows(capsys):
    """Registry.fiches() gives one FicheReferentiel per référentiel that `cqpkit list --json` prints."""
    import json

    from cqpkit.cli import main
    from cqpkit.plugins.registry import FicheReferentiel

    fiches = cqpkit.load_registry().fiches()
    assert fiches and all(isinstance(f, FicheReferentiel) for f in fiches)
    main(["list", "--json"])
    listed = json.loads(capsys.readouterr().out)["referentiels"]
    assert [(r["id"], r["version"]) for r in listed] == [(f.id, f.version) for f in fiches]


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("cqpkit.model", "Sequence", "PhaseJury"),
        ("cqpkit.model.referentiel", "Sequence", "PhaseJury"),
        ("cqpkit.plugins.registry", "Resume", "FicheReferentiel"),
    ],
)
def test_old_names_are_deprecated_aliases(module, old, new):
    """The old names still import for one release, with a DeprecationWarning naming the new one."""
    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        assert getattr(mod, old) is getattr(mod, new)
    assert old not in mod.__all__
    with pytest.raises(AttributeError):
        mod.PasUnNom  # noqa: B018


def test_resumes_is_a_deprecated_alias_of_fiches():
    registry = cqpkit.load_registry()
    with pytest.warns(DeprecationWarning, match=r"fiches\(\)"):
        assert registry.resumes() == registry.fiches()


def test_store_candidat_methods_keep_the_domain_noun():
    """`Store.export_candidat` / `erase_candidat` (domain noun French, like `load_referentiel`); the old English names warn."""
    import warnings

    from cqpkit.store.store import Store

    assert hasattr(Store, "export_candidat") and hasattr(Store, "erase_candidat")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            Store.export_candidate(None, "C-1")  # type: ignore[arg-type]
        except Exception:  # no store behind None: only the warning matters here
            pass
    assert any(issubclass(w.category, DeprecationWarning) and "export_candidat()" in str(w.message) for w in caught)
