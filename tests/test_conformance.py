"""``cqpkit.testing``: the référentiel checks, the fixtures and each test of the conformance suite.

The suite's tests are called directly on small plugin objects (``load_plugin(name,
plugin=obj)``), so that each way of failing is pinned with its message; the whole suite on
real, installed plugins is in ``tests/test_conformance_example.py`` (the third-party example,
intact and broken), ``tests/test_scaffold.py`` (a scaffolded plugin) and
``plugins/*/tests/test_conformance.py`` (the bundled plugins).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import cqpkit
import pytest
from cqpkit import hookimpl
from cqpkit.plugins.manager import DEFAULT_PLUGINS
from cqpkit.model import (
    Bareme,
    Certification,
    Constat,
    Critere,
    Domaine,
    Duree,
    Echelle,
    Epreuve,
    Evaluateurs,
    ExperienceRequise,
    Financement,
    LigneFinancement,
    Niveau,
    Referentiel,
    RegleJury,
    Source,
    Voie,
    Volume,
)
from cqpkit.testing import (
    ALL,
    Capability,
    EngineTests,
    PluginTests,
    ReferentielTests,
    ScenarioTests,
    checks,
    load_plugin,
)
from cqpkit.testing.strategies import referentiels
from hypothesis import HealthCheck, given, settings

from tests.factories import regle

SRC = Source(document="guide.md", section="§ 2")
FAILED = pytest.fail.Exception
SKIPPED = pytest.skip.Exception


def ref(**fields: Any) -> Referentiel:
    """A complete référentiel ``essai.cqp`` with D1 and D2, an épreuve on both, a VAE route and a barème; ``fields`` replace."""
    base = {
        "certification": Certification(
            id="essai.cqp", intitule="CQP d'essai", branche="essai", certificateur="C", version="1", sources=(SRC,)
        ),
        "domaines": (Domaine(id="D1", intitule="Un"), Domaine(id="D2", intitule="Deux")),
        "echelles": {"ok": Echelle(libelle="OK", valeurs=(Niveau(id="non", libelle="Non"), Niveau(id="oui", libelle="Oui", favorable=True)))},
        "epreuves": (Epreuve(id="E1", intitule="Finale", type="finale_entreprise", domaines=("D1", "D2"), echelle="ok", verdict="ok"),),
        "voies": (
            Voie(id="formation", intitule="Formation"),
            Voie(id="vae", intitule="VAE", experience=ExperienceRequise(duree=Duree(annees=1), source=SRC)),
        ),
        "jury": RegleJury(validite_acquis_partiels=Duree(annees=5), sources=(SRC,)),
        "financement": {
            "cout": Financement(intitule="Coût", unite="forfait", valeurs=(Bareme(depuis=dt.date(2020, 1, 1), valeur=100, source=SRC),))
        },
    }
    return Referentiel(**{**base, **fields})


class RefPlugin:
    """A plugin object that registers référentiel objects, and any hooks given as methods of a subclass."""

    def __init__(self, *refs: Referentiel) -> None:
        self.refs = refs or (ref(),)

    @hookimpl
    def cqpkit_referentiels(self, register):
        for r in self.refs:
            register(r)


def put_of(plugin: object, *, declared: tuple[str, ...] = ("essai.cqp",), caps: set[Capability] | None = None):
    """The plugin object loaded alone, as the suite sees it."""
    return load_plugin("essai", declared, {ALL: frozenset(caps or ())}, plugin=plugin)


class Suite(PluginTests, ReferentielTests, EngineTests, ScenarioTests):
    """The suite's tests without the fixtures, to call them directly."""

    max_examples = 15


S = Suite()


def write(tmp_path: Path, text: str, name: str = "r.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- checks
DATED = """\
    [certification]
    id = "essai.cqp"
    intitule = "CQP"
    branche = "essai"
    certificateur = "C"
    version = "1"

    [financement.cout]
    intitule = "Coût"
    unite = "forfait"

    [[financement.cout.valeurs]]
    depuis = 2020-01-01
    valeur = 100
    {first}

    [[financement.cout.valeurs]]
    depuis = {second}
    valeur = 110
    source = {{ document = "guide.md", section = "§ 3" }}
    """


class TestDatedValues:
    """Every dated value has a source with document and section; values follow each other without gap or overlap."""

    def test_sourced_and_contiguous(self, tmp_path):
        """A barème whose values each cite a source and follow each other: no problem."""
        path = write(tmp_path, DATED.format(first='source = { document = "guide.md", section = "§ 2" }', second="2021-01-01"))
        assert checks.dated_value_problems_in_file(path) == []

    def test_missing_source_with_line(self, tmp_path):
        """A value without ``source`` is named with its file, line and key, and the line to add."""
        path = write(tmp_path, DATED.format(first="", second="2021-01-01"))
        assert checks.dated_value_problems_in_file(path) == [
            f"{path}:12: financement.cout.valeurs[0]: valeur datée sans source : ajoutez "
            '`source = { document = "…", section = "…" }` : le document et la section d\'où vient cette valeur.'
        ]

    def test_source_without_section(self, tmp_path):
        """A source must say the section as well as the document."""
        path = write(tmp_path, DATED.format(first='source = { document = "guide.md" }', second="2021-01-01"))
        [problem] = checks.dated_value_problems_in_file(path)
        assert "financement.cout.valeurs[0].source: source sans section : précisez la section" in problem

    def test_gap(self, tmp_path):
        """A ``jusqua`` more than a day before the next start leaves days without a value: the days are named."""
        first = 'jusqua = 2020-06-30\n    source = { document = "guide.md", section = "§ 2" }'
        path = write(tmp_path, DATED.format(first=first, second="2020-09-01"))
        [problem] = checks.dated_value_problems_in_file(path)
        assert "financement.cout.valeurs[0].jusqua: trou : aucune valeur ne s'applique du 2020-07-01 au 2020-08-31" in problem
        assert "retirez `jusqua`" in problem

    def test_jusqua_the_day_before_is_no_gap(self, tmp_path):
        """Ending the day before the next value starts is contiguous (both sides of the boundary)."""
        first = 'jusqua = 2020-12-31\n    source = { document = "guide.md", section = "§ 2" }'
        assert checks.dated_value_problems_in_file(write(tmp_path, DATED.format(first=first, second="2021-01-01"))) == []
        first = 'jusqua = 2021-01-01\n    source = { document = "guide.md", section = "§ 2" }'
        [problem] = checks.dated_value_problems_in_file(write(tmp_path, DATED.format(first=first, second="2021-01-01")))
        assert "chevauchement" in problem and "mettez `jusqua = 2020-12-31` (la veille)" in problem

    def test_same_start(self, tmp_path):
        """Two values starting the same day are ambiguous."""
        path = write(tmp_path, DATED.format(first='source = { document = "guide.md", section = "§ 2" }', second="2020-01-01"))
        [problem] = checks.dated_value_problems_in_file(path)
        assert "deux valeurs commencent le même jour (2020-01-01)" in problem

    def test_unparsable_file_is_left_to_validation(self, tmp_path):
        """A file that is not TOML gives no problem here: the validation test reports it."""
        assert checks.dated_value_problems_in_file(write(tmp_path, "[certification\n")) == []

    def test_object_referentiel(self):
        """A référentiel built in Python is checked on the model."""
        gap = Financement(
            intitule="C",
            unite="forfait",
            valeurs=(
                Bareme(depuis=dt.date(2020, 1, 1), jusqua=dt.date(2020, 3, 31), valeur=1, source=Source(document="g.md")),
                Bareme(depuis=dt.date(2020, 6, 1), valeur=2, source=SRC),
            ),
        )
        problems = checks.dated_value_problems(ref(financement={"cout": gap}), "<essai.cqp 1>")
        assert problems[0] == "<essai.cqp 1>: financement.cout.valeurs[0].source: source sans section : précisez la section d'où vient cette valeur."
        assert problems[1].startswith("<essai.cqp 1>: financement.cout.valeurs[0].jusqua: trou : aucune valeur ne s'applique du 2020-04-01 au 2020-05-31")

    def test_versions(self):
        """Versions: an open one is superseded by the next; same start or an end past the next start is a problem."""
        def version(v: str, start: dt.date | None, end: dt.date | None = None) -> Referentiel:
            return ref(certification=attrs.evolve(ref().certification, version=v, en_vigueur_depuis=start, en_vigueur_jusqua=end))

        assert checks.version_overlaps([version("1", dt.date(2016, 1, 1)), version("2", dt.date(2022, 1, 1))]) == []
        [same] = checks.version_overlaps([version("1", dt.date(2016, 1, 1)), version("2", dt.date(2016, 1, 1))])
        assert "les versions « 1 » et « 2 » entrent toutes deux en vigueur le 2016-01-01" in same
        [past] = checks.version_overlaps([version("1", dt.date(2016, 1, 1), dt.date(2022, 6, 30)), version("2", dt.date(2022, 1, 1))])
        assert "mettez `en_vigueur_jusqua = 2021-12-31` à la version « 1 »" in past


class TestRoundTrip:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(referentiels())
    def test_generated_referentiels_round_trip(self, r):
        """Any valid référentiel survives TOML writing and reading (no problem)."""
        assert checks.round_trip_problems(r, "<r>") == []

    def test_value_without_toml_form(self):
        """A value TOML cannot hold is reported, not raised."""
        bad = ref(domaines=(Domaine(id="D1", intitule="Un", jours_tuteur=float("nan")),))
        [problem] = checks.round_trip_problems(bad, "<r>")
        assert problem.startswith("<r> : ") and "TOML" in problem


class TestReferences:
    """Épreuves and critères reference what exists; a critère can be rated."""

    def test_dangling(self):
        """An unknown domaine, échelle, verdict, mention, and a critère without échelle, each with the fix."""
        ep = Epreuve(
            id="E1",
            intitule="E",
            type="finale_entreprise",
            domaines=("D1", "D9"),
            verdict="absente",
            mention="sante",
            criteres=(Critere(id="C1", libelle="c", domaine="D8"),),
        )
        problems = checks.reference_problems(ref(epreuves=(ep,)), "f.toml")
        assert problems == [
            "f.toml: epreuves[0] (E1).domaines : domaine « D9 » inconnu (définis : D1, D2) ; ajoutez-le à [[domaines]] ou corrigez l'identifiant.",
            "f.toml: epreuves[0] (E1).verdict : échelle « absente » inconnu (définis : ok) ; définissez [echelles.absente] ou corrigez le nom.",
            "f.toml: epreuves[0] (E1).mention : mention « sante » inconnu (définis : aucun) ; ajoutez-la à certification.mentions.",
            "f.toml: epreuves[0] (E1).criteres[0] (C1).domaine : domaine « D8 » inconnu (définis : D1, D2).",
            "f.toml: epreuves[0] (E1).criteres[0] (C1) : critère sans échelle : donnez `echelle = \"…\"` à l'épreuve (ou au critère) pour que ses valeurs puissent être vérifiées.",
        ]

    def test_complete_referentiel(self):
        """The reference référentiel has no problem."""
        assert checks.reference_problems(ref(), "f.toml") == []


class TestParameters:
    """What the engine cannot use is named, with what to change."""

    def fin(self, **fields: Any) -> Referentiel:
        values = fields.pop("valeurs", (Bareme(depuis=dt.date(2020, 1, 1), valeur=10, source=SRC),))
        return ref(financement={"f": Financement(intitule="F", valeurs=values, **fields)})

    def test_usable(self):
        """The reference référentiel is usable."""
        assert checks.parameter_problems(ref(), "f") == []

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"unite": "heure"}, "financement.f : ni `quantite` ni `quantite_de` pour une ligne par heure : le moteur ne produit jamais cette ligne"),
            ({"unite": "jour", "quantite_de": "mission_tuteur"}, "« mission_tuteur » se compte en « mois » ou « mois_commence », pas en « jour »"),
            ({"unite": "heure", "quantite_de": "tutorat.formation_heures"}, "« tutorat.formation_heures » sans `[tutorat] formation_heures`"),
            ({"unite": "heure", "quantite_de": "parcours.jours_tuteur"}, "« parcours.jours_tuteur » compte des jours"),
            ({"unite": "forfait", "valeurs": (Bareme(depuis=dt.date(2020, 1, 1), valeur=-5, source=SRC),)}, "valeur négative (-5"),
            ({"unite": "forfait", "valeurs": (Bareme(depuis=dt.date(2020, 1, 1), valeur=5, source=SRC, plafond_montant=-1),)}, "plafond_montant : plafond négatif"),
        ],
    )
    def test_funding(self, fields, message):
        """A funding line whose quantity cannot be known, or with a negative value or cap."""
        problems = checks.parameter_problems(self.fin(**fields), "f")
        assert any(message in p for p in problems), problems

    def test_volumes_units(self):
        """Volumes in days for a line per hour need ``heures_par_jour``; volumes of two units do not add up."""
        days = (Volume(id="v", libelle="V", valeur=3, unite="jour"), Volume(id="w", libelle="W", valeur=2, unite="heure"))
        base = self.fin(unite="heure", quantite_de="volumes:v")
        [problem] = checks.parameter_problems(attrs.evolve(base, volumes=days), "f")
        assert "des volumes en « jour » pour une ligne par « heure » avec `heures_par_jour`" in problem
        fixed = attrs.evolve(self.fin(unite="heure", quantite_de="volumes:v", heures_par_jour=7.0), volumes=days)
        assert checks.parameter_problems(fixed, "f") == []
        [mixed] = checks.parameter_problems(attrs.evolve(self.fin(unite="heure", quantite_de="volumes:v+w"), volumes=days), "f")
        assert "volumes d'unités différentes (heure, jour)" in mixed

    def test_verdict_without_favourable_value(self):
        """An épreuve whose verdict échelle has no favourable value can never be favourable."""
        never = Echelle(libelle="N", valeurs=(Niveau(id="non", libelle="Non"),))
        [problem] = checks.parameter_problems(ref(echelles={"ok": never}), "f")
        assert "l'échelle « ok » n'a aucune valeur `favorable = true`" in problem

    def test_jury_condition_and_durations(self):
        """A final-evaluation condition no épreuve can meet, and zero durations (unless the référentiel is incomplete)."""
        jury = RegleJury(conditions_passage=("evaluation_finale_favorable",), delai_premier_passage=Duree(), sources=(SRC,))
        r = ref(jury=jury, epreuves=())
        problems = checks.parameter_problems(r, "f")
        assert any("« evaluation_finale_favorable » mais aucune épreuve de type « finale_entreprise »" in p for p in problems)
        assert any("jury.delai_premier_passage : durée nulle" in p for p in problems)
        assert not any("conditions_passage" in p for p in checks.parameter_problems(r, "f", incomplete=True))

    def test_roles_and_rules(self):
        """A role both admitted and excluded; an ``ordre`` rule from a module to itself; a zero maximum delay."""
        ep = attrs.evolve(ref().epreuves[0], evaluateurs=Evaluateurs(roles_admis=("tuteur",), roles_exclus=("tuteur",)))
        rules = (regle("R1", "ordre", avant="M1", apres="M1"), regle("R2", "delai", de="inscription", a="passage", max=Duree()))
        problems = checks.parameter_problems(ref(epreuves=(ep,), regles=rules), "f")
        assert any("rôle(s) à la fois admis et exclus : tuteur" in p for p in problems)
        assert any("regles[0] (R1) : `avant` et `apres` désignent le même module « M1 »" in p for p in problems)
        assert any("regles[1] (R2).max : délai maximal nul" in p for p in problems)


class TestDomainesAndRoutes:
    def test_unreachable(self):
        """A domaine in no épreuve's domaines nor any critère's is unreachable; a critère's domaine counts."""
        ep = Epreuve(id="E", intitule="E", type="formative", criteres=(Critere(id="C", libelle="c", domaine="D2"),), echelle="ok")
        assert [d.id for d in checks.unreachable_domaines(ref(epreuves=(ep,)))] == ["D1"]
        assert checks.unreachable_domaines(ref()) == []

    def test_incomplete_and_vae(self):
        """``complet = false`` on the référentiel or a domaine; VAE routes as the engine reads them."""
        assert not checks.incomplete(ref())
        assert checks.incomplete(ref(domaines=(Domaine(id="D1", intitule="Un", complet=False),)))
        assert [v.id for v in checks.vae_routes(ref())] == ["vae"]
        assert [v.id for v in checks.vae_routes(ref(voies=(Voie(id="vae", intitule="VAE"),)))] == ["vae"]


# ------------------------------------------------------------------------- the suite's tests
class TestPluginTests:
    """The plugin loads, supplies what it declares and keeps to its own certifications."""

    def test_a_good_plugin_passes(self):
        """The reference plugin passes every plugin and référentiel test."""
        put = put_of(RefPlugin())
        for test in (S.test_plugin_loads, S.test_supplies_declared_certifications, S.test_hooks_reach_only_own_certifications):
            test(put)
        for test in (
            S.test_referentiels_validate,
            S.test_referentiels_round_trip,
            S.test_dated_values_are_sourced_without_gaps_or_overlaps,
            S.test_epreuves_reference_existing_echelles_and_domaines,
            S.test_rule_parameters_are_usable,
            S.test_every_domaine_is_reachable,
            S.test_completeness_is_declared,
            S.test_vae_route,
            S.test_funding_is_declared,
        ):
            test(put)

    def test_referentiels_hook_raising(self):
        """A ``cqpkit_referentiels`` that raises fails the loading test with the exception."""

        class Broken:
            @hookimpl
            def cqpkit_referentiels(self, register):
                raise OSError("répertoire introuvable")

        with pytest.raises(FAILED, match=r"(?s)ne se charge pas.*erreur dans cqpkit_referentiels : OSError: répertoire introuvable"):
            S.test_plugin_loads(put_of(Broken()))

    def test_registers_nothing(self):
        """A plugin that registers nothing is told to call ``register``."""

        class Silent:
            @hookimpl
            def cqpkit_referentiels(self, register):
                pass  # forgot to register its files

        with pytest.raises(FAILED, match=r"n'enregistre aucun référentiel : son hook cqpkit_referentiels doit appeler `register\("):
            S.test_supplies_declared_certifications(put_of(Silent()))

    def test_declared_and_supplied_differ(self):
        """Each certification declared but not supplied, and supplied but not declared, is named."""
        put = put_of(RefPlugin(), declared=("essai.autre",))
        with pytest.raises(FAILED) as info:
            S.test_supplies_declared_certifications(put)
        assert "« essai.autre » est déclarée dans `certifications` mais l'extension ne la fournit pas" in str(info.value)
        assert "« essai.cqp » est fournie par l'extension : ajoutez-la à `certifications`" in str(info.value)

    def test_guardless_hooks_pass_the_routing_test(self):
        """A hook without any « is this my certification? » guard passes: the registry routes it to the plugin's own référentiels."""

        class Greedy(RefPlugin):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                return [Constat(code="toujours", niveau="information", message="Toujours.")]

        put = put_of(Greedy())
        S.test_hooks_reach_only_own_certifications(put)
        other = put.registry.hook_caller("cqpkit_check_dossier", "cqpkit.plugins.default_referentiels")
        assert put.name not in {i.plugin_name for i in other.get_hookimpls()}
        assert put.name in {i.plugin_name for i in put.registry.hook_caller("cqpkit_check_dossier", put.name).get_hookimpls()}


class TestPluginMistakes:
    """A plugin author's mistakes at loading are named with the hook, its file and line, and the fix."""

    def test_unmarked_hook(self):
        """A function named like a hook but without ``@hookimpl`` is never called: the loading test says so."""

        class Unmarked(RefPlugin):
            def cqpkit_check_dossier(self, referentiel, dossier, date):  # forgot @hookimpl
                return []

        line = Unmarked.cqpkit_check_dossier.__code__.co_firstlineno
        with pytest.raises(FAILED) as info:
            S.test_plugin_loads(put_of(Unmarked()))
        assert (
            f"cqpkit_check_dossier ({__file__}:{line}) n'a pas le marqueur @hookimpl : cqpkit ne l'appelle jamais ; "
            "écrivez `@hookimpl`"
        ) in str(info.value)

    def test_wrong_signature_of_a_plugin_object(self):
        """A hook argument the hookspec lacks, on a plugin object not yet packaged: named in French, not a traceback."""

        class Renamed(RefPlugin):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, jour):
                return None

        with pytest.raises(FAILED) as info:
            S.test_plugin_loads(put_of(Renamed()))
        assert (
            "enregistrement refusé : le hook cqpkit_decide (" in str(info.value)
            and "déclare « jour », que cqpkit ne fournit pas : sa signature est cqpkit_decide(referentiel, dossier, date)"
            in str(info.value)
        )

    def test_referentiels_hook_raising_gives_the_line(self):
        """The exception of ``cqpkit_referentiels`` is shown with the file and line that raised it."""

        class Broken:
            @hookimpl
            def cqpkit_referentiels(self, register):
                raise OSError("répertoire introuvable")

        line = Broken.cqpkit_referentiels.__code__.co_firstlineno + 2
        with pytest.raises(FAILED) as info:
            S.test_plugin_loads(put_of(Broken()))
        assert f"erreur dans cqpkit_referentiels : OSError: répertoire introuvable (levée à {__file__}:{line})" in str(info.value)


class TestReferentielTests:
    """Each référentiel test fails on what it is about."""

    def test_invalid_object_referentiel(self):
        """A référentiel object with a dangling reference fails validation with the key path."""
        bad = ref(epreuves=(attrs.evolve(ref().epreuves[0], domaines=("D1", "D9")),))
        with pytest.raises(FAILED, match=r"(?s)sont invalides.*epreuves\[0\]\.domaines\[1\]: domaine « D9 » inconnu"):
            S.test_referentiels_validate(put_of(RefPlugin(bad)))

    def test_unreachable_domaine(self):
        """A domaine no épreuve evaluates fails, saying how to reach it or declare the référentiel incomplete."""
        r = ref(domaines=(*ref().domaines, Domaine(id="D3", intitule="Trois")))
        with pytest.raises(FAILED, match="le domaine « D3 » n'est évalué par aucune épreuve : ajoutez « D3 » aux `domaines` d'une épreuve"):
            S.test_every_domaine_is_reachable(put_of(RefPlugin(r)))

    def test_incomplete_capability_excuses_incomplete_domaines_only(self):
        """With Capability.INCOMPLETE, an unreachable domaine marked incomplete is skipped with its name as the reason."""
        r = ref(domaines=(*ref().domaines, Domaine(id="D3", intitule="Trois", complet=False)))
        put = put_of(RefPlugin(r), caps={Capability.INCOMPLETE})
        with pytest.raises(SKIPPED, match=r"non applicable \(Capability.INCOMPLETE\) : domaines sans épreuve essai.cqp 1 D3"):
            S.test_every_domaine_is_reachable(put)
        S.test_completeness_is_declared(put)

    def test_completeness_must_match_the_capability(self):
        """INCOMPLETE declared on a complete référentiel, or missing on an incomplete one, fails."""
        with pytest.raises(FAILED, match=r"Capability.INCOMPLETE est déclarée mais le référentiel et ses domaines sont complets : retirez la capacité"):
            S.test_completeness_is_declared(put_of(RefPlugin(), caps={Capability.INCOMPLETE}))
        incomplete = ref(certification=attrs.evolve(ref().certification, complet=False))
        with pytest.raises(FAILED, match=r"marqué incomplet .* déclarez Capability.INCOMPLETE pour « essai.cqp »"):
            S.test_completeness_is_declared(put_of(RefPlugin(incomplete)))

    def test_vae(self):
        """No VAE route without NO_VAE fails; NO_VAE with a VAE route fails; NO_VAE without one is a skip with the reason."""
        no_vae = ref(voies=(Voie(id="formation", intitule="Formation"),))
        with pytest.raises(FAILED, match=r"aucune voie VAE : ajoutez une \[\[voies\]\] `id = \"vae\"` avec sa condition `experience`, ou déclarez Capability.NO_VAE"):
            S.test_vae_route(put_of(RefPlugin(no_vae)))
        with pytest.raises(FAILED, match=r"Capability.NO_VAE est déclarée mais le référentiel a une VAE \(voie « vae »\) : retirez la capacité"):
            S.test_vae_route(put_of(RefPlugin(), caps={Capability.NO_VAE}))
        with pytest.raises(SKIPPED, match=r"non applicable \(Capability.NO_VAE\) : essai.cqp 1"):
            S.test_vae_route(put_of(RefPlugin(no_vae), caps={Capability.NO_VAE}))

    def test_vae_route_without_experience(self):
        """A voie ``vae`` without an experience condition cannot be checked for admissibility."""
        r = ref(voies=(Voie(id="vae", intitule="VAE"),))
        with pytest.raises(FAILED, match="la voie « vae » n'énonce pas de condition d'expérience"):
            S.test_vae_route(put_of(RefPlugin(r)))

    def test_vae_findings_hidden(self):
        """A check hook cannot hide admissibility: here a hookwrapper that drops every finding is caught."""

        class Hide(RefPlugin):
            @hookimpl(hookwrapper=True)
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                outcome = yield
                outcome.force_result([])

        with pytest.raises(FAILED, match="sans aucune expérience n'a aucun constat d'erreur"):
            S.test_vae_route(put_of(Hide()))

    def test_funding(self):
        """No barème without NO_FUNDING fails; NO_FUNDING with a barème fails; declared and true is a skip."""
        bare = ref(financement={})
        with pytest.raises(FAILED, match=r"aucun financement : ajoutez un barème \[financement.<id>\]"):
            S.test_funding_is_declared(put_of(RefPlugin(bare)))
        with pytest.raises(FAILED, match=r"Capability.NO_FUNDING est déclarée mais le référentiel a \[financement.cout\]"):
            S.test_funding_is_declared(put_of(RefPlugin(), caps={Capability.NO_FUNDING}))
        with pytest.raises(SKIPPED, match=r"non applicable \(Capability.NO_FUNDING\)"):
            S.test_funding_is_declared(put_of(RefPlugin(bare), caps={Capability.NO_FUNDING}))


class TestEngineTests:
    """Each engine property fails on a plugin that breaks it, with the dossier as TOML."""

    def test_a_good_plugin_passes(self):
        """The generic engine on the reference référentiel keeps every property."""
        put = put_of(RefPlugin())
        S.test_no_hook_raises_on_valid_dossiers(put)
        S.test_engine_is_deterministic(put)
        S.test_decide_is_monotonic(put)
        S.test_funding_is_non_negative_and_within_caps(put)

    def test_wrong_return_type(self):
        """A check hook returning text instead of Constat is named with what it should return."""

        class Texts(RefPlugin):
            @hookimpl
            def cqpkit_funding(self, referentiel, dossier, date):
                return ["120 €"]

        with pytest.raises(FAILED, match=r"cqpkit_funding renvoie .* au lieu d'une liste de LigneFinancement"):
            S.test_no_hook_raises_on_valid_dossiers(put_of(Texts()))

    def test_raising_hook_gives_the_line(self):
        """A hook raising on a valid dossier is shown with the file and line of the plugin's code that raised."""

        class Raising(RefPlugin):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                if referentiel.id != "essai.cqp":
                    return None
                ratio = len(dossier.acteurs) / len(dossier.evaluations)
                return [] if ratio >= 0 else None

        line = Raising.cqpkit_check_dossier.__code__.co_firstlineno + 4
        with pytest.raises(FAILED) as info:
            S.test_no_hook_raises_on_valid_dossiers(put_of(Raising()))
        assert f"ZeroDivisionError: division by zero (levée à {__file__}:{line})" in str(info.value)

    def test_several_distinct_failures(self):
        """Two different failures found on generated dossiers are both shown, without a traceback."""

        class TwoBugs(RefPlugin):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                if referentiel.id != "essai.cqp":
                    return None
                return [len(dossier.acteurs) / len(dossier.evaluations)]  # raises, or returns a float

        with pytest.raises(FAILED) as info:
            S.test_no_hook_raises_on_valid_dossiers(put_of(TwoBugs()))
        text = str(info.value)
        assert text.startswith("2 problèmes distincts :")
        assert "ZeroDivisionError: division by zero" in text and "renvoie [" in text and "au lieu d'une liste de Constat" in text

    def test_lone_constat_is_a_wrong_return(self):
        """A check hook returning one Constat, not a list: the plugin, what it returned and the fix."""

        class Lone(RefPlugin):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                if referentiel.id != "essai.cqp":
                    return None
                return Constat(code="essai_seul", niveau="information", message="Seul.")

        with pytest.raises(FAILED) as info:
            S.test_no_hook_raises_on_valid_dossiers(put_of(Lone()))
        assert (
            "extension « essai » : cqpkit_check_dossier renvoie un Constat seul au lieu d'une liste de Constat : "
            "`return [constat]` (ou None)."
        ) in str(info.value)
        assert "lève une exception" not in str(info.value)

    def test_decide_returning_a_list(self):
        """A decide hook answering a list instead of one Resultat: the plugin and what it returned are named."""

        class Listing(RefPlugin):
            @hookimpl(tryfirst=True)
            def cqpkit_decide(self, referentiel, dossier, date):
                if referentiel.id != "essai.cqp":
                    return None
                return ["pas un résultat"]

        with pytest.raises(FAILED) as info:
            S.test_no_hook_raises_on_valid_dossiers(put_of(Listing()))
        assert "extension « essai » : cqpkit_decide renvoie ['pas un résultat'] au lieu d'un Resultat (ou None)" in str(info.value)

    def test_non_deterministic(self):
        """A decide hook that counts its calls is not deterministic."""

        class Counter(RefPlugin):
            calls = 0

            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                from cqpkit.rules.decision import decide

                Counter.calls += 1
                return attrs.evolve(decide(referentiel, dossier, date), dossier=f"{dossier.id}-{Counter.calls}")

        with pytest.raises(FAILED, match=r"(?s)cqpkit_decide n'est pas déterministe : deux appels.*\[dossier\]"):
            S.test_engine_is_deterministic(put_of(Counter()))

    def test_unknown_status(self):
        """A status outside the engine's list is named, with the list, and where the plugin built it.

        Since issue 14 the model refuses the object where it is built (``Resultat.statut`` is a closed set).
        """

        class Odd(RefPlugin):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                from cqpkit.rules.decision import decide

                return attrs.evolve(decide(referentiel, dossier, date), statut="admis")

        with pytest.raises(
            FAILED,
            match=r"extension « essai » : erreur dans cqpkit_decide : ModelValueError: Resultat.statut : valeur « admis » non admise ; "
            r"valeurs possibles : « certifie », « partiel », « en_cours », « non_acquis », « expire » \(levée à .*test_conformance.py:\d+\)",
        ):
            S.test_decide_is_monotonic(put_of(Odd()))

    def test_negative_funding(self):
        """A funding hook returning a negative amount is named with the line."""

        class Refund(RefPlugin):
            @hookimpl
            def cqpkit_funding(self, referentiel, dossier, date):
                if referentiel.id != "essai.cqp":
                    return None
                return [LigneFinancement(code="remboursement", libelle="R", base="—", quantite=1, unite="forfait", taux=-10, montant=-10)]

        with pytest.raises(FAILED, match=r"Ligne de financement « remboursement » au .* : montant négatif \(-10\)"):
            S.test_funding_is_non_negative_and_within_caps(put_of(Refund()))

    def test_no_funding_declared_but_lines(self):
        """NO_FUNDING declared while the funding hook adds lines fails."""

        class Adds(RefPlugin):
            @hookimpl
            def cqpkit_funding(self, referentiel, dossier, date):
                return [LigneFinancement(code="prime", libelle="P", base="—", quantite=1, unite="forfait", taux=5, montant=5)]

        with pytest.raises(FAILED, match=r"déclare Capability.NO_FUNDING mais funding renvoie 1 ligne\(s\) \(prime\)"):
            S.test_funding_is_non_negative_and_within_caps(put_of(Adds(ref(financement={})), caps={Capability.NO_FUNDING}))


class TestScenarioTests:
    def test_no_scenario(self):
        """No scenario: fail and say where to put them, unless NO_SCENARIOS (a skip); NO_SCENARIOS with scenarios fails."""
        with pytest.raises(FAILED, match="Aucun scénario pour « essai » : ajoutez des fichiers de scénario"):
            S.test_scenarios_pass(put_of(RefPlugin()), [])
        with pytest.raises(SKIPPED, match=r"non applicable \(Capability.NO_SCENARIOS\)"):
            S.test_scenarios_pass(put_of(RefPlugin(), caps={Capability.NO_SCENARIOS}), [])
        with pytest.raises(FAILED, match=r"Capability.NO_SCENARIOS est déclarée mais 1 scénario\(s\) existent"):
            S.test_scenarios_pass(put_of(RefPlugin(), caps={Capability.NO_SCENARIOS}), ["s.toml"])

    def test_invalid_scenario(self, tmp_path):
        """An invalid scenario file is reported with its errors."""
        path = write(tmp_path, '[scenario]\ndescription = "x"\n', "s.toml")
        with pytest.raises(FAILED, match=r"(?s)1 scénario\(s\) sur 1 échouent.*scénario illisible ou invalide"):
            S.test_scenarios_pass(put_of(RefPlugin()), [str(path)])


    def test_hook_raising_in_a_scenario_is_not_an_invalid_scenario(self, tmp_path):
        """A hook that raises while a valid scenario runs is reported as the plugin's failure, with its line."""

        class Raising(RefPlugin):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                raise RuntimeError("règle absente")

        line = Raising.cqpkit_decide.__code__.co_firstlineno + 2
        path = write(
            tmp_path,
            """\
            [scenario]
            description = "Un dossier sans passage"
            date = 2021-01-01

            [attendu]
            statut = "en_cours"

            [dossier]
            id = "ESSAI-1"
            certification = "essai.cqp"
            version = "1"
            voie = "formation"
            inscription = 2020-06-01

            [candidat]
            id = "C-1"
            """,
            "s.toml",
        )
        with pytest.raises(FAILED) as info:
            S.test_scenarios_pass(put_of(Raising()), [str(path)])
        text = str(info.value)
        assert "scénario illisible ou invalide" not in text
        assert (
            f"{path} : une extension échoue en jouant ce scénario : extension « essai » : erreur dans cqpkit_decide : "
            f"RuntimeError: règle absente (levée à {__file__}:{line})"
        ) in text


# --------------------------------------------------------------------------- fixtures
FIXTURES_MODULE = '''
from cqpkit.testing import ConformanceSuite, PluginTests, PluginFixtures, ScenarioTests


class TestSansPlugin(ConformanceSuite):
    certifications = ["x.y"]


class TestSansCertifications(ConformanceSuite):
    plugin = "cqp_mo"


class TestCapaciteInconnue(ConformanceSuite):
    plugin = "cqp_mo"
    certifications = ["secu.manager-operationnel"]
    capabilities = {"no_vea"}


class TestCapaciteTiret(ConformanceSuite):
    plugin = "cqp_mo"
    certifications = ["secu.manager-operationnel"]
    capabilities = ("no-vae",)


class TestCapaciteSansVoisine(ConformanceSuite):
    plugin = "cqp_mo"
    certifications = ["secu.manager-operationnel"]
    capabilities = {"*": ["tout"]}


class TestCapaciteAutreCertification(PluginFixtures, PluginTests):
    plugin = "cqp_mo"
    certifications = ["secu.manager-operationnel"]
    capabilities = {"x.z": {"no_vae"}}


class TestNonInstallee(PluginFixtures, PluginTests):
    plugin = "inexistante"
    certifications = ["x.y"]


class TestScenariosAbsents(PluginFixtures, ScenarioTests):
    plugin = "mutualite"
    certifications = ["mutualite.specialiste-prestations"]
    scenarios = ["nulle-part"]
'''


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The output of pytest on a module of suites with fixtures left unset or wrong."""
    folder = tmp_path_factory.mktemp("fixtures")
    (folder / "test_fixtures_suite.py").write_text(FIXTURES_MODULE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CQPKIT_")}
    proc = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_fixtures_suite.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.stdout + proc.stderr


class TestFixtures:
    """A required fixture left unset raises NotImplementedError with a sentence saying what to provide."""

    def test_plugin(self, output):
        """Without ``plugin``: what to write and where the name comes from."""
        assert (
            "NotImplementedError: Donnez le nom de l'extension à tester : `plugin = \"<nom>\"` dans la classe de test, "
            "le nom de son point d'entrée sous [project.entry-points.cqpkit] dans pyproject.toml."
        ) in output

    def test_certifications(self, output):
        """Without ``certifications``: the list to write."""
        assert "NotImplementedError: Donnez la liste des certifications que fournit l'extension" in output

    def test_unknown_capability(self, output):
        """A capability that does not exist is named with the close one meant and the possible ones."""
        assert (
            "NotImplementedError: capacité inconnue 'no_vea' dans `capabilities` : vouliez-vous dire Capability.NO_VAE "
            "(« no_vae ») ? Les capacités possibles sont Capability.NO_VAE, Capability.NO_FUNDING, "
            "Capability.INCOMPLETE, Capability.NO_SCENARIOS."
        ) in output

    def test_unknown_capability_with_a_hyphen(self, output):
        """``"no-vae"`` (a hyphen for the underscore) gets the capability meant."""
        assert (
            "NotImplementedError: capacité inconnue 'no-vae' dans `capabilities` : vouliez-vous dire Capability.NO_VAE "
            "(« no_vae ») ? Les capacités possibles sont "
        ) in output

    def test_unknown_capability_without_a_close_one(self, output):
        """A name close to none (here in the mapping form) gets the possible ones only, no guess."""
        assert (
            "NotImplementedError: capacité inconnue 'tout' dans `capabilities` : les capacités possibles sont "
            "Capability.NO_VAE, Capability.NO_FUNDING, Capability.INCOMPLETE, Capability.NO_SCENARIOS."
        ) in output
        assert "'tout' dans `capabilities` : vouliez-vous dire" not in output

    def test_capability_of_an_undeclared_certification(self, output):
        """The mapping form names only declared certifications."""
        assert "NotImplementedError: `capabilities` nomme « x.z », qui n'est pas dans `certifications`" in output

    def test_not_installed(self, output):
        """A plugin that is not installed: the entry points found and how to install it."""
        assert "extension « inexistante » introuvable : aucun point d'entrée « inexistante » dans le groupe « cqpkit »" in output
        assert "Installez la distribution de l'extension (`pip install -e .` dans son répertoire)" in output


class TestFixturesWithoutTraceback:
    """A fixture left unset or wrong shows its sentence alone: no Python traceback into cqpkit's code."""

    def test_no_traceback(self, output):
        """pytest prints the sentence for each test, and no traceback nor cqpkit source line."""
        assert "Traceback" not in output and "fixtures.py:" not in output and "raise " not in output

    def test_still_a_not_implemented_error(self):
        """The error is a NotImplementedError (fsspec's convention) that pytest reports without traceback."""
        from cqpkit.testing import FixtureNotSet

        err = FixtureNotSet("Donnez le nom.")
        assert isinstance(err, NotImplementedError) and isinstance(err, FAILED) and err.pytrace is False
        assert str(err) == "NotImplementedError: Donnez le nom."

    def test_missing_scenarios_path(self, output):
        """A `scenarios` path that does not exist is named with where it was looked for (next to the test module)."""
        assert "NotImplementedError: `scenarios` nomme « nulle-part », qui n'existe pas (" in output
        assert "un chemin relatif part du répertoire du module de test" in output


class TestRelativeScenarios:
    def test_relative_to_the_test_module(self, tmp_path):
        """A relative `scenarios` path is found next to the test module, whatever directory pytest runs from."""
        folder = tmp_path / "extension" / "tests"
        (folder / "mes-scenarios").mkdir(parents=True)
        good = (Path(__file__).parent / "scenarios" / "vae-certification-complete.toml").read_text(encoding="utf-8")
        (folder / "mes-scenarios" / "faux.toml").write_text(good.replace('statut = "certifie"', 'statut = "expire"'), encoding="utf-8")
        (folder / "test_relatif.py").write_text(
            "from cqpkit.testing import PluginFixtures, ScenarioTests\n\n\n"
            "class TestRelatif(PluginFixtures, ScenarioTests):\n"
            '    plugin = "mutualite"\n'
            '    certifications = ["mutualite.specialiste-prestations"]\n'
            '    scenarios = ["mes-scenarios"]\n',
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("CQPKIT_")}
        proc = subprocess.run(
            [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "test_relatif.py")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = proc.stdout + proc.stderr
        assert "1 failed" in output, output
        assert f"{folder / 'mes-scenarios' / 'faux.toml'} — « VAE : les cinq domaines acquis" in output
        assert "statut : attendu « expire », obtenu « certifie »" in output


class TestLoadPlugin:
    def test_installed_plugin_alone(self, monkeypatch):
        """``load_plugin`` loads the builtin plugins and the named one, whatever the environment switches say."""
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")
        put = load_plugin("mutualite", ["mutualite.specialiste-prestations"])
        assert {p.name for p in put.registry.plugins()} == {*DEFAULT_PLUGINS, "mutualite"}
        assert "mutualite.specialiste-prestations" in put.certifications()
        assert put.module_dir() is not None and (put.module_dir() / "referentiels").is_dir()
        assert os.environ["CQPKIT_DISABLE_PLUGINS"] == "mutualite"  # restored

    def test_capabilities_per_certification(self):
        """Capabilities declared for all certifications and for one add up."""
        put = load_plugin("essai", ["a.b", "a.c"], {ALL: frozenset({Capability.NO_SCENARIOS}), "a.b": frozenset({Capability.NO_VAE})}, plugin=RefPlugin())
        assert put.capabilities("a.b") == {Capability.NO_SCENARIOS, Capability.NO_VAE}
        assert put.declares(Capability.NO_SCENARIOS, "a.c") and not put.declares(Capability.NO_VAE, "a.c")


# -------------------------------------------------------------------------------- hooks
class TestHooks:
    def test_hook_cqpkit_check_session_plugin_findings_are_added_once(self, monkeypatch):
        """A plugin's ``cqpkit_check_session`` is called per certification of the session; its findings are kept once.

        The plugin supplies the Mutualité référentiels itself (the bundled plugin left out): a session
        hook reaches only the plugin of the certification checked.
        """
        from cqpkit.formats.dossiers import load_dossier, load_session

        from tests.conftest import ROOT
        from tests.test_registry import Supplier

        calls = []
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")

        class Session(Supplier):
            @hookimpl
            def cqpkit_check_session(self, referentiel, session, dossiers, historique):
                calls.append((referentiel.id, len(dossiers), list(historique)))
                return [Constat(code="regle_de_session", niveau="avertissement", message="Règle de la branche.")]

        registry = cqpkit.load_registry(plugins=[("session", Session())])
        session = load_session(ROOT / "examples" / "session-oemm-jury-2014-01.toml", registry)
        dossier = load_dossier(ROOT / "examples" / "dossier-specialiste-prestations-formation.toml", registry)
        found = registry.check_session(session, [dossier])
        assert [c.code for c in found].count("regle_de_session") == 1
        assert calls == [(cid, 1, []) for cid in session.session.certifications]
