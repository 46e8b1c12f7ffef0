"""The per-dossier pipeline near its floor and a light start (issue 16, point 3; the `cqpkit list` regression).

What is checked here is that the fast paths change nothing: `cqpkit list` loads neither cattrs nor the
model (a plugin's extension class is a reference, imported when a table is validated), and whatever the
fast paths give, the detailed paths give too (same objects, same errors, same texts). Speed itself is
measured by bench/pipeline.py and bench/startup.py, never asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import types
from typing import Any

import pytest
from attrs import frozen
from cqpkit import hookimpl, load_registry

from tests.conftest import ROOT

# ----------------------------------------------------------------------------------------------- start-up
_PROBE = (
    "import sys, io, contextlib\n"
    "from cqpkit.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try:\n"
    "        main(['list'])\n"
    "    except SystemExit as exc:\n"
    "        assert not exc.code, exc.code\n"
    "heavy = ('cattrs', 'attr', 'attrs', 'cqpkit.model', 'cqpkit_cqp_mo.extension', 'cqpkit.formats.converter', 'tomli', 'tomllib')\n"
    "print(sorted(m for m in sys.modules if m in heavy or m.startswith(tuple(h + '.' for h in heavy))))\n"
)


class TestStartup:
    def test_list_with_a_warm_cache_imports_neither_cattrs_nor_the_model(self, tmp_path):
        """`cqpkit list` run twice in new processes: the second (validation cache warm) imports no model, attrs nor cattrs,
        and parses no TOML (what a référentiel `extends` is kept in the cache)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CQPKIT_")}
        env["CQPKIT_CACHE_DIR"] = str(tmp_path / "cache")
        first = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, env=env)
        assert first.returncode == 0, first.stderr
        assert "cqpkit.model" in first.stdout  # cold: the référentiels were validated (the probe can see the model)
        assert (tmp_path / "cache").is_dir()
        warm = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, env=env)
        assert warm.returncode == 0, warm.stderr
        assert warm.stdout.strip() == "[]"

    def test_bundled_plugin_declares_a_reference(self):
        """The CQP MO declares its class as « module:Classe », so that loading the plugin does not import it."""
        import cqpkit_cqp_mo

        assert cqpkit_cqp_mo.CQPKIT_EXTENSION == "cqpkit_cqp_mo.extension:ExtensionCqpMo"


# ---------------------------------------------------------------------------------- extension references
def _ref_file(tmp_path, table: str = "[extensions.essai]\nseuil = 4\n"):
    path = tmp_path / "ref.toml"
    path.write_text(
        '[certification]\nid = "test.ext"\nintitule = "Test"\nbranche = "test"\ncertificateur = "Test"\nversion = "1"\n'
        + table,
        encoding="utf-8",
    )
    return path


def _plugin(declared: object, ref_path=None) -> types.ModuleType:
    plugin = types.ModuleType("essai")
    plugin.CQPKIT_EXTENSION = declared
    if ref_path is not None:

        @hookimpl
        def cqpkit_referentiels(register):
            register(str(ref_path))

        plugin.cqpkit_referentiels = cqpkit_referentiels
    return plugin


class TestExtensionReference:
    def test_reference_is_resolved_when_the_table_is_validated(self, tmp_path):
        path = _ref_file(tmp_path)
        registry = load_registry(plugins=[("essai", _plugin("tests.test_speed:Seuil", path))], cache=False)
        assert [f.plugin for f in registry.failures] == []
        assert registry.referentiel("test.ext").extension("essai") == Seuil(seuil=4)
        assert registry.extension_classes()["essai"] is Seuil

    def test_reference_gives_the_same_errors_as_the_class(self, tmp_path):
        """A wrong table gets the same path-first messages whether the class is given or referenced."""
        path = _ref_file(tmp_path, '[extensions.essai]\nseuil = "quatre"\nautre = 1\n')
        failures = []
        for declared in (Seuil, "tests.test_speed:Seuil"):
            registry = load_registry(plugins=[("essai", _plugin(declared, path))], cache=False)
            failures.append(sorted(f.raison for f in registry.failures))
        assert failures[0] == failures[1]
        assert any("extensions.essai.seuil" in r and "attendu un entier" in r for r in failures[0]), failures[0]

    def test_module_not_found_is_a_failure_at_load(self):
        """A misspelt module is said when the plugin loads (`cqpkit list`), under the plugin's name, without importing."""
        registry = load_registry(plugins=[("essai", _plugin("cqpkit_nexiste_pas.ext:Classe"))], cache=False)
        assert [(f.plugin, f.raison) for f in registry.failures] == [
            ("essai", "CQPKIT_EXTENSION = « cqpkit_nexiste_pas.ext:Classe » : module « cqpkit_nexiste_pas.ext » introuvable ; ignoré")
        ]
        assert registry.extension_classes()["essai"] is None

    def test_not_a_reference_is_a_failure_at_load(self):
        registry = load_registry(plugins=[("essai", _plugin("ExtensionSansModule"))], cache=False)
        (failure,) = registry.failures
        assert failure.plugin == "essai"
        assert failure.raison.startswith("CQPKIT_EXTENSION = « ExtensionSansModule » : une référence « module:Classe » est attendue")

    @pytest.mark.parametrize(
        ("declared", "why"),
        [
            ("tests.test_speed:Absente", "« Absente » introuvable dans le module « tests.test_speed »"),
            ("os.path:join", "doit désigner une classe attrs, pas function"),
        ],
    )
    def test_unusable_target_is_an_error_of_the_table(self, tmp_path, declared, why):
        """The module exists but the name does not, or is not an attrs class: an error of the référentiel's table, and a
        failure of the plugin once the classes are asked for (`cqpkit schema`)."""
        path = _ref_file(tmp_path)
        registry = load_registry(plugins=[("essai", _plugin(declared, path))], cache=False)
        expected = f"CQPKIT_EXTENSION de l'extension « essai » (« {declared} ») : {why}"
        assert any(expected in f.raison and "extensions.essai" in f.raison for f in registry.failures), registry.failures
        assert registry.extension_classes()["essai"] is None
        assert ("essai", expected) in [(f.plugin, f.raison) for f in registry.failures]

    def test_schema_has_the_referenced_class(self):
        from cqpkit.formats.schema import json_schema

        schema = json_schema("referentiel", {"essai": "tests.test_speed:Seuil", "autre": "os.path:join"})
        props = schema["properties"]["extensions"]["properties"]
        assert list(props) == ["essai"]


@frozen(kw_only=True)
class Seuil:  # what the references of the tests name: tests.test_speed:Seuil
    """Test extension."""

    seuil: int


# ------------------------------------------------------------------------------ structuring's fast path
def _seeds() -> list[tuple[str, dict, type]]:
    """Every dossier and session the project ships (examples, test data, valid or not) and a few generated ones, parsed."""
    import tomllib

    from cqpkit.model import Dossier, SessionJury

    paths = sorted((ROOT / "examples").rglob("*.toml")) + sorted((ROOT / "tests" / "data").rglob("*.toml"))
    out = []
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if "dossier" in data and "scenario" not in data:
            out.append((str(path.relative_to(ROOT)), data, Dossier))
        elif "session" in data:
            out.append((str(path.relative_to(ROOT)), data, SessionJury))
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from decide_batch import dossier_text
    finally:
        sys.path.remove(str(ROOT / "bench"))
    rng = random.Random(20261207)
    out += [(f"généré {i}", tomllib.loads(dossier_text(i, rng)), Dossier) for i in range(40)]
    return out


_ERROR = object()


def _both(data: object, cls: type) -> tuple[object, object]:
    """(what the fast path gives — None: the detailed path runs —, what the detailed converter gives or _ERROR)."""
    import cattrs
    from cqpkit.formats.converter import converter
    from cqpkit.formats.fastpath import fast_structurer

    fast = fast_structurer(converter(), cls)
    assert fast is not None
    got = fast(data)
    try:
        want = converter().structure(data, cls)
    except (cattrs.BaseValidationError, ValueError):
        want = _ERROR
    return got, want


_ODD_VALUES = [
    -1,
    3,
    2.5,
    float("nan"),
    10**40,
    True,
    "",
    "texte",
    "ligne\nsuivante",
    "contrôle \x01",
    "x" * 40_000,
    dt.date(1, 1, 1),
    dt.date(2016, 6, 17),
    dt.datetime(2016, 6, 17, 12, 0),
    [],
    ["a", "b"],
    [1],
    {},
    {"x": "oui"},
    {"clé\x02": "oui"},
]


def _leaves(node: object, path: tuple = ()) -> list[tuple]:
    """The path of every value under ``node`` (tables and arrays included), depth first."""
    found = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _leaves(v, (*path, i))
    return found


def _spot(data: dict, spots: list[tuple], rng: random.Random) -> tuple[dict, Any, Any]:
    """A copy of ``data``, and the table or array holding one of its values drawn from ``spots``, with its key."""
    import copy

    mutant = copy.deepcopy(data)
    path = rng.choice(spots)
    parent = mutant
    for part in path[:-1]:
        parent = parent[part]
    return mutant, parent, path[-1]


def _mutants(data: dict, rng: random.Random, n: int) -> list[dict]:
    """``n`` copies of ``data``, each with one change: a value replaced by one of another kind, a key dropped, a key added."""
    import copy

    spots = _leaves(data)
    out = []
    for _ in range(n):
        mutant, parent, key = _spot(data, spots, rng)
        how = rng.random()
        if how < 0.15 and isinstance(parent, dict):
            del parent[key]
        elif how < 0.25 and isinstance(parent, dict):
            parent["cle_inconnue"] = "x"
        else:
            parent[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
        out.append(mutant)
    return out


class TestFastStructuring:
    def test_every_valid_seed_takes_the_fast_path_and_gets_the_same_object(self):
        fast_count = 0
        for name, data, cls in _seeds():
            got, want = _both(data, cls)
            if want is _ERROR:
                assert got is None, name
            else:
                assert got is not None, f"{name} : le chemin rapide a renoncé à un document sans erreur"
                assert got == want, name
                fast_count += 1
        assert fast_count >= 50

    def test_mutants_same_object_or_detailed_path(self):
        """One change at a time, at every depth: the fast path gives the converter's object, or gives up (None);
        it never accepts what the converter refuses."""
        rng = random.Random(16)
        taken = refused = 0
        for name, data, cls in _seeds():
            for mutant in _mutants(data, rng, 25):
                got, want = _both(mutant, cls)
                if got is None:
                    refused += want is _ERROR
                    continue
                assert want is not _ERROR, (name, mutant)
                assert got == want, name
                taken += 1
        assert taken > 100 and refused > 100, (taken, refused)  # both sides exercised

    def test_text_with_a_line_feed_stays_on_the_fast_path(self):
        from cqpkit.model import Dossier

        data = {
            "dossier": {"id": "D-1", "certification": "c", "version": "1", "voie": "formation", "inscription": dt.date(2020, 1, 6)},
            "candidat": {"id": "C-1", "notes": "première ligne\nseconde ligne\ttabulée"},
        }
        got, want = _both(data, Dossier)
        assert got is not None and got == want
        assert got.candidat.notes == "première ligne\nseconde ligne\ttabulée"


# ------------------------------------------------------------------ the engines' quick constructors
class TestQuickConstructor:
    """`quick_constructor(cls)` (the engines' outputs) builds what `cls(...)` builds, and refuses what it refuses."""

    def test_same_objects(self):
        import datetime as dt

        from cqpkit.model import Constat, DomaineAcquis, Resultat
        from cqpkit.model.invariants import quick_constructor

        make = quick_constructor(Constat)
        assert make is not Constat
        kw = {"code": "x_y", "niveau": "avertissement", "message": "m", "chemin": "passages[0]", "regle": "r"}
        assert make(**kw) == Constat(**kw)
        assert make(**kw).valeurs == {} and make(**kw).valeurs is not make(**kw).valeurs  # a new table each time
        acquis = quick_constructor(DomaineAcquis)(domaine="D1", date=dt.date(2020, 1, 2), session="S", valide_jusqua=None)
        assert acquis == DomaineAcquis(domaine="D1", date=dt.date(2020, 1, 2), session="S", valide_jusqua=None)
        fields = {"dossier": "X", "certification": "c", "version": "1", "date": dt.date(2022, 1, 1), "statut": "en_cours"}
        assert quick_constructor(Resultat)(**fields) == Resultat(**fields)

    @pytest.mark.parametrize(
        "bad",
        [{"code": ""}, {"code": 3}, {"niveau": "warning"}, {"niveau": ["erreur"]}],
    )
    def test_same_errors(self, bad):
        from cqpkit.exceptions import ModelTypeError, ModelValueError
        from cqpkit.model import Constat
        from cqpkit.model.invariants import quick_constructor

        kw = {"code": "x", "niveau": "erreur", "message": "m", **bad}
        with pytest.raises((ModelTypeError, ModelValueError)) as quick:
            quick_constructor(Constat)(**kw)
        with pytest.raises((ModelTypeError, ModelValueError)) as model:
            Constat(**kw)
        assert type(quick.value) is type(model.value) and str(quick.value) == str(model.value)

    def test_other_validators_keep_init(self):
        """A class with a validator that is not one of the model's invariants gets `cls` itself."""
        import attrs
        from cqpkit.model.invariants import invariants, quick_constructor

        @attrs.frozen(kw_only=True, field_transformer=invariants)
        class Own:
            id: str
            n: int = attrs.field(validator=attrs.validators.ge(0))

        assert quick_constructor(Own) is Own
