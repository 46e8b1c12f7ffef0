"""The typed, validating API (issue 14, point 4): py.typed, typed hookspecs, model invariants, engines that
validate a dossier built in Python, dossiers as JSON, and ``mypy --strict`` on an embedding example."""

# ruff: noqa: F811  (the `wheel` fixture imported from tests.test_packaging and used as a parameter)

from __future__ import annotations

import datetime as dt
import importlib.resources
import inspect
import json
import shutil
import subprocess
import sys
import typing

import attrs
import cqpkit
import pytest
from cqpkit import hookimpl, hookspecs
from cqpkit.exceptions import InvalidFileError, ModelTypeError, ModelValueError, PluginError
from cqpkit.formats.dossiers import load_dossier, load_session, loads_dossier
from cqpkit.formats.jsonfile import dump_json, loads_dossier_json, loads_session_json, to_json
from cqpkit.model import (
    Acteur,
    Candidat,
    Constat,
    Decision,
    Dossier,
    DossierInfo,
    Evaluateurs,
    LigneFinancement,
    Parcours,
    PassageJury,
    Referentiel,
    Resultat,
    SessionJury,
)

from tests.conftest import ROOT, run_cli
from tests.test_packaging import wheel  # noqa: F401 (the built wheel, a module fixture)

EXAMPLE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
SESSION = ROOT / "examples" / "session-oemm-jury-2014-01.toml"
SP = "mutualite.specialiste-prestations"
DAY = dt.date(2014, 7, 1)
ENGINES = ["check", "decide", "plan", "funding", "explain"]


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    reg = cqpkit.load_registry()
    reg.validate_dossiers = True  # off by default for now (docs/engine.md)
    return reg


def _bare(**info: object) -> Dossier:
    """A dossier built in Python: the Spécialiste prestations, training route (valid unless ``info`` says otherwise)."""
    fields = {"id": "PY-1", "certification": SP, "version": "2014", "voie": "formation", "mention": "sante", "inscription": dt.date(2013, 3, 4)}
    return Dossier(dossier=DossierInfo(**{**fields, **info}), candidat=Candidat(id="C-PY1"))  # type: ignore[arg-type]


class TestPyTyped:
    """The package says it is typed, so that mypy reads its annotations."""

    def test_marker_in_the_package(self):
        """`py.typed` is a file of the installed package (PEP 561)."""
        assert importlib.resources.files("cqpkit").joinpath("py.typed").is_file()

    @pytest.mark.slow
    def test_marker_in_the_wheel(self, wheel):  # type: ignore[no-untyped-def]
        """The built wheel ships `cqpkit/py.typed`."""
        assert "cqpkit/py.typed" in wheel.namelist()


class TestHookspecTypes:
    """The hookspecs name the model's classes, never `Any`."""

    EXPECTED: typing.ClassVar = {
        "cqpkit_check_dossier": ({"dossier": Dossier, "resultat": Resultat}, "Sequence[Constat] | None"),
        "cqpkit_check_session": ({"session": SessionJury}, "Sequence[Constat] | None"),
        "cqpkit_plan_parcours": ({"dossier": Dossier}, "Parcours | None"),
        "cqpkit_decide": ({"dossier": Dossier}, "Resultat | None"),
        "cqpkit_funding": ({"dossier": Dossier, "resultat": Resultat}, "Sequence[LigneFinancement] | None"),
    }

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_annotations_are_model_classes(self, name):
        """Resolved with the model's names, each argument is the model class, and the answer is typed."""
        import collections.abc

        namespace = {
            "Referentiel": Referentiel, "Dossier": Dossier, "SessionJury": SessionJury, "Constat": Constat, "Parcours": Parcours,
            "Resultat": Resultat, "LigneFinancement": LigneFinancement, "dt": dt, "Sequence": collections.abc.Sequence,
            "Callable": collections.abc.Callable,
        }
        func = getattr(hookspecs, name)
        hints = typing.get_type_hints(func, globalns=namespace)
        args, answer = self.EXPECTED[name]
        for arg, cls in args.items():
            assert hints[arg] is cls
        assert hints["referentiel"] is Referentiel
        assert inspect.signature(func).return_annotation == answer
        assert "Any" not in str(inspect.signature(func))


class TestInvariants:
    """A model object with a value its class refuses is refused where it is built, in French."""

    def test_constat_niveau_outside_the_closed_set(self):
        """The issue's example: `Constat(niveau="warning")`."""
        with pytest.raises(ModelValueError) as info:
            Constat(code="x", niveau="warning", message="m")  # type: ignore[arg-type]
        assert str(info.value) == (
            "Constat.niveau : valeur « warning » non admise ; valeurs possibles : « erreur », « avertissement », « information »"
        )
        assert isinstance(info.value, ValueError) and (info.value.classe, info.value.champ) == ("Constat", "niveau")

    def test_statut_role_decision_unit_and_non_text(self):
        """Every kind of closed set: a status, a role in a tuple, a decision in a dict, a unit; a number is a TypeError."""
        with pytest.raises(ModelValueError, match=r"^Resultat.statut : valeur « admis » non admise"):
            Resultat(dossier="d", certification=SP, version="2014", date=DAY, statut="admis")  # type: ignore[arg-type]
        with pytest.raises(ModelValueError, match=r"^Evaluateurs.roles_requis\[1\] : valeur « chef » non admise"):
            Evaluateurs(roles_requis=("tuteur", "chef"))  # type: ignore[arg-type]
        with pytest.raises(ModelValueError, match=r"^PassageJury.decisions.D1 : valeur « ok » non admise ; valeurs possibles : « acquis », « non_acquis »"):
            PassageJury(session="J", date=DAY, decisions={"D1": "ok"})  # type: ignore[dict-item]
        with pytest.raises(ModelValueError, match=r"^LigneFinancement.en : valeur « eur » non admise"):
            LigneFinancement(code="c", libelle="l", base="b", quantite=1, unite="heure", taux=1, montant=1, en="eur")  # type: ignore[arg-type]
        with pytest.raises(ModelTypeError, match=r"^Constat.niveau : valeur int 3 non admise"):
            Constat(code="x", niveau=3, message="m")  # type: ignore[arg-type]

    def test_ids_are_not_empty(self):
        """An empty id (or a finding's empty code) is refused; a non-text id is a TypeError."""
        with pytest.raises(ModelValueError, match=r"^Acteur.id : identifiant « » invalide|^Acteur.id : identifiant «  » invalide"):
            Acteur(id="", role="tuteur")
        with pytest.raises(ModelValueError, match=r"^Constat.code : identifiant"):
            Constat(code="", niveau="erreur", message="m")
        with pytest.raises(ModelTypeError, match=r"^Candidat.id : un identifiant \(texte\) est attendu, pas int 7"):
            Candidat(id=7)  # type: ignore[arg-type]

    def test_dates_are_dates(self):
        """A datetime or a text where a date is expected says what to pass; None only where the date is optional."""
        with pytest.raises(ModelTypeError, match=r"^Decision.date : une date \(datetime.date\) est attendue, pas une date et heure \(2014-07-01T12:00:00\) ; passez-en le jour : .date\(\)$"):
            Decision(domaine="D1", decision="acquis", session="J", date=dt.datetime(2014, 7, 1, 12))
        with pytest.raises(ModelTypeError, match=r"lisez-le avec datetime.date.fromisoformat\(« 2014-07-01 »\)"):
            Decision(domaine="D1", decision="acquis", session="J", date="2014-07-01")  # type: ignore[arg-type]
        with pytest.raises(ModelTypeError, match=r"^Decision.date : une date"):
            Decision(domaine="D1", decision="acquis", session="J", date=None)  # type: ignore[arg-type]
        assert Resultat(dossier="d", certification=SP, version="2014", date=DAY, statut="en_cours", date_certification=None).date == DAY

    def test_every_literal_field_has_its_validator(self):
        """No closed-set field of the model is left unchecked (the transformer resolved every annotation)."""
        import cqpkit.model as model

        unchecked = []
        for name in model.__all__:
            cls = getattr(model, name)
            if not (isinstance(cls, type) and attrs.has(cls)):
                continue
            hints = typing.get_type_hints(cls)
            for f in attrs.fields(cls):
                if "Literal" in str(hints[f.name]) and f.validator is None:
                    unchecked.append(f"{name}.{f.name}")
        assert unchecked == []

    def test_a_plugin_building_a_wrong_constat_is_named_with_its_line(self, registry, monkeypatch):
        """Inside a hook, the refusal is the plugin's error, naming the plugin, the hook, this file and the line.

        The plugin supplies the Mutualité référentiels itself (the bundled plugin disabled): the dossier hooks
        reach only the plugin that supplied the dossier's référentiel.
        """
        from tests.test_registry import Supplier

        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")

        class Warns(Supplier):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date, resultat):  # type: ignore[no-untyped-def]
                return [Constat(code="mien", niveau="warning", message="m")]  # type: ignore[arg-type]

        line = inspect.getsourcelines(Warns.cqpkit_check_dossier)[1] + 2
        reg = cqpkit.load_registry(plugins=[("avertisseur", Warns())])
        with pytest.raises(PluginError) as info:
            reg.check(load_dossier(EXAMPLE, reg), DAY)
        assert info.value.plugin == "avertisseur"
        assert info.value.lieu == f"{__file__}:{line}"  # type: ignore[attr-defined]
        assert str(info.value).startswith(
            "extension « avertisseur » : erreur dans cqpkit_check_dossier : ModelValueError: Constat.niveau : valeur « warning » non admise"
        )

    def test_an_empty_id_in_a_file_is_one_error(self, registry):
        """A file's empty id keeps the format layer's one message (the model's refusal is the same, said once)."""
        text = EXAMPLE.read_text(encoding="utf-8").replace('id = "C-0042"', 'id = ""', 1)
        with pytest.raises(InvalidFileError) as info:
            loads_dossier(text, "d.toml", registry)
        assert [str(e) for e in info.value.erreurs] == [
            "d.toml:17: candidat.id: identifiant «  » invalide : lettres ASCII, chiffres, « - », « _ » ou « . », sans espace ni accent"
        ]


class TestEnginesValidate:
    """`Registry.check/decide/plan/funding/explain` validate a dossier built in Python as `validate_dossier` does."""

    def test_on_by_default_off_for_the_conformance_suite(self):
        """A registry as loaded refuses an invalid dossier built in Python; the suite's registry (generated dossiers) answers."""
        from cqpkit.testing.fixtures import load_plugin

        reg = cqpkit.load_registry()
        assert reg.validate_dossiers is True
        with pytest.raises(InvalidFileError):
            reg.decide(_bare(voie="alternance"), DAY)
        suite = load_plugin("mutualite").registry
        assert suite.validate_dossiers is False
        assert suite.decide(_bare(voie="alternance"), DAY).statut == "en_cours"

    @pytest.mark.parametrize("method", ENGINES)
    def test_an_invalid_dossier_is_refused_with_its_key_paths(self, registry, method):
        """An unknown route and a missing mention: every error, with its key path, before any plugin answers."""
        with pytest.raises(InvalidFileError) as info:
            getattr(registry, method)(_bare(voie="alternance", mention=None), DAY)
        assert [(e.fichier, e.ligne, e.chemin) for e in info.value.erreurs] == [
            ("<dossier « PY-1 »>", 0, "dossier.mention"),
            ("<dossier « PY-1 »>", 0, "dossier.voie"),
        ]
        assert "voie « alternance » inconnue (voies définies : formation, vae)" in str(info.value)
        assert "Traceback" not in str(info.value) and "ClassValidationError" not in str(info.value)

    def test_same_errors_as_validate_dossier(self, registry):
        """The errors are those `validate_dossier(dossier, registry)` returns (line 0: there is no file)."""
        from cqpkit.formats.dossiers import validate_dossier

        bad = _bare(voie="alternance")
        with pytest.raises(InvalidFileError) as info:
            registry.decide(bad, DAY)
        expected = [(e.chemin, e.message) for e in validate_dossier(bad, registry)]
        assert expected and [(e.chemin, e.message) for e in info.value.erreurs] == expected

    def test_a_valid_dossier_is_validated_once(self, registry, monkeypatch):
        """Built in Python and valid: checked once, then check, funding and explain answer without checking again."""
        import cqpkit.formats.dossiers as dossiers

        calls = []
        real = dossiers.validate_dossier
        monkeypatch.setattr(dossiers, "validate_dossier", lambda *a, **k: calls.append(a) or real(*a, **k))
        d = _bare()
        assert registry.decide(d, DAY).statut == "en_cours"
        registry.check(d, DAY)
        registry.funding(d, DAY)
        registry.explain(d, DAY)
        assert len(calls) == 1

    def test_a_file_read_with_the_registry_is_not_validated_twice(self, registry, monkeypatch):
        """`load_dossier(path, registry)` already checked it: the engines do not check it again."""
        import cqpkit.formats.dossiers as dossiers

        d = load_dossier(EXAMPLE, registry)
        monkeypatch.setattr(dossiers, "validate_dossier", lambda *a, **k: pytest.fail("validated twice"))
        assert registry.explain(d, DAY).resultat.statut == "certifie"

    def test_a_file_read_without_a_referentiel_is_validated_by_the_engine(self, registry):
        """Read without a registry, the dossier was not checked against its référentiel: the engine does it."""
        text = EXAMPLE.read_text(encoding="utf-8").replace('voie = "formation"', 'voie = "alternance"', 1)
        d = loads_dossier(text, "d.toml")
        with pytest.raises(InvalidFileError, match="voie « alternance » inconnue"):
            registry.decide(d, DAY)


class TestJson:
    """Dossiers and sessions as JSON: the checks of a file, French messages with lines, results JSON-ready."""

    def test_round_trip(self, registry):
        """A dossier and a session written with `dump_json` load back equal."""
        d = load_dossier(EXAMPLE, registry)
        assert loads_dossier_json(dump_json(d), registry) == d
        s = load_session(SESSION, registry)
        assert loads_session_json(dump_json(s).encode("utf-8"), registry) == s

    def test_errors_have_lines_and_paths_in_french(self, registry):
        """A wrong date, a role outside the set and an unknown épreuve: every error, at its JSON line."""
        data = json.loads(dump_json(load_dossier(EXAMPLE, registry)))
        data["dossier"]["inscription"] = "2013-13-04"
        data["acteurs"][0]["role"] = "chef"
        data["evaluations"][0]["epreuve"] = "inconnue"
        text = json.dumps(data, indent=2, ensure_ascii=False)
        lines = text.splitlines()
        at = {key: lines.index(next(x for x in lines if x.strip().startswith(key))) + 1 for key in ('"inscription"', '"role"', '"epreuve"')}
        with pytest.raises(InvalidFileError) as info:
            loads_dossier_json(text, registry, fichier="d.json")
        assert [(e.ligne, e.chemin) for e in info.value.erreurs] == [
            (at['"inscription"'], "dossier.inscription"),
            (at['"role"'], "acteurs[0].role"),
            (at['"epreuve"'], "evaluations[0].epreuve"),
        ]
        messages = [e.message for e in info.value.erreurs]
        assert messages[0] == "date invalide « 2013-13-04 » : forme attendue AAAA-MM-JJ"
        assert messages[1].startswith("valeur « chef » non admise ; valeurs possibles : « tuteur »")
        assert messages[2].startswith("épreuve « inconnue » inconnue")
        assert "ClassValidationError" not in str(info.value) and "While structuring" not in str(info.value)

    def test_syntax_and_shape_errors(self, registry):
        """JSON syntax in French with line and column; not an object; a session given as a dossier."""
        with pytest.raises(InvalidFileError) as info:
            loads_dossier_json('{\n  "dossier": {\n    "id": "X",\n  }\n}', registry, fichier="s.json")
        assert str(info.value.erreurs[0]) == "s.json:4: syntaxe JSON invalide : nom de clé entre guillemets droits attendu (colonne 3)"
        with pytest.raises(InvalidFileError, match=r"s.json:1: un objet JSON \(\{ … \}\) est attendu"):
            loads_dossier_json("[]", registry, fichier="s.json")
        with pytest.raises(InvalidFileError, match=r"ce fichier est une session de jury \(table \[session\]\), pas un dossier"):
            loads_dossier_json('{"session": {"id": "J"}}', registry, fichier="s.json")

    def test_to_json_is_the_cli_contract(self, registry):
        """`to_json(resultat)` is what `cqpkit decide --json` prints for it (every key, ISO dates)."""
        result = run_cli("decide", str(EXAMPLE), "--as-of", DAY.isoformat(), "--json")
        (printed,) = json.loads(result.stdout)["resultats"]
        printed.pop("fichier")
        resultat = registry.decide(load_dossier(EXAMPLE, registry), DAY)
        assert to_json(resultat) == printed
        assert to_json(resultat)["date_certification"] == "2014-06-30"  # the second passage of the example file (ISO text)
        explained = json.loads(dump_json(registry.explain(load_dossier(EXAMPLE, registry), DAY)))
        assert set(explained) == {"dossier", "date", "constats", "resultat", "financement"}
        assert explained["resultat"] == to_json(resultat)

    def test_exported_at_the_root(self):
        """The loaders are reachable from `cqpkit` itself, as the docs show them."""
        assert cqpkit.loads_dossier_json is loads_dossier_json and cqpkit.to_json is to_json
        assert cqpkit.load_dossier is load_dossier


class TestMypy:
    """`mypy --strict` checks an embedding application and a plugin's typed hooks against the model."""

    def _mypy(self, tmp_path, target):  # type: ignore[no-untyped-def]
        pytest.importorskip("mypy", reason="mypy n'est pas installé (pip install -e '.[test]')")
        return subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(target)],
            capture_output=True, text=True, cwd=ROOT, timeout=600,
        )

    def test_embedding_example_passes(self, tmp_path):
        """tests/typing/embedding_example.py: load_registry, load_dossier, decide, statut, a plugin with typed hooks."""
        result = self._mypy(tmp_path, ROOT / "tests" / "typing" / "embedding_example.py")
        assert result.returncode == 0, result.stdout + result.stderr

    def test_mypy_sees_the_model_types(self, tmp_path):
        """The control: a wrong `niveau` and a status read as a number are caught (the API is not `Any`)."""
        bad = tmp_path / "bad_example.py"
        shutil.copy(ROOT / "tests" / "typing" / "embedding_example.py", bad)
        bad.write_text(
            bad.read_text(encoding="utf-8")
            .replace('niveau="information"', 'niveau="warning"')
            .replace("    return resultat.statut\n", "    nombre: int = resultat.statut\n    return str(nombre)\n"),
            encoding="utf-8",
        )
        result = self._mypy(tmp_path, bad)
        assert result.returncode == 1
        assert 'Argument "niveau" to "Constat" has incompatible type "Literal[\'warning\']"' in result.stdout
        assert 'expression has type "Literal[\'certifie\', \'partiel\', \'en_cours\', \'non_acquis\', \'expire\']", variable has type "int"' in result.stdout
