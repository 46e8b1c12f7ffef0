"""Issue 14: the dossier hooks reach only the plugin that supplied the référentiel, plus the builtins;
the builtin engine is one plugin per rule family, each blockable by name; ``register()`` takes a directory."""

from __future__ import annotations

import datetime as dt

import pytest

import cqpkit
from cqpkit import hookimpl
from cqpkit.exceptions import PluginError
from cqpkit.plugins.manager import DEFAULT_PLUGINS
from tests.conftest import ROOT
from tests.test_registry import FilesPlugin, Supplier, ref_text, write

EXAMPLE = ROOT / "examples" / "dossier-specialiste-prestations-formation.toml"
DAY = dt.date(2014, 7, 1)  # after the example's certifying jury of 30/06/2014


def _dossier():
    from cqpkit.formats.dossiers import load_dossier

    return load_dossier(EXAMPLE, cqpkit.load_registry())


class Recorder:
    """A plugin with every dossier hook and no guard at all: it records each call's certification."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def cqpkit_check_dossier(self, referentiel, dossier, date):
        self.calls.append(("cqpkit_check_dossier", referentiel.id))
        return []

    @hookimpl
    def cqpkit_decide(self, referentiel, dossier, date):
        self.calls.append(("cqpkit_decide", referentiel.id))

    @hookimpl
    def cqpkit_plan_parcours(self, referentiel, dossier, date):
        self.calls.append(("cqpkit_plan_parcours", referentiel.id))

    @hookimpl
    def cqpkit_funding(self, referentiel, dossier, date):
        self.calls.append(("cqpkit_funding", referentiel.id))
        return []

    @hookimpl
    def cqpkit_check_session(self, referentiel, session, dossiers, historique):
        self.calls.append(("cqpkit_check_session", referentiel.id))
        return []


class OwnRecorder(Recorder, Supplier):
    """The same hooks, in the plugin that supplies the Mutualité référentiels."""


class TestRouting:
    def test_guardless_hooks_never_called_for_a_bundled_certification(self, tmp_path):
        """A plugin whose hooks have no « is this my certification? » guard is not called for the Mutualité dossier."""
        from cqpkit.formats.dossiers import load_session

        dossier = _dossier()
        stranger = Recorder()
        own = FilesPlugin(write(tmp_path, "a.toml", ref_text("demo.essai")))
        stranger.cqpkit_referentiels = own.cqpkit_referentiels  # it supplies a certification of its own
        registry = cqpkit.load_registry(plugins=[("etranger", stranger)])
        assert registry.plugin_of("demo.essai") == "etranger"
        explication = registry.explain(dossier, DAY)
        registry.plan(dossier, dt.date(2013, 3, 1))
        session = load_session(ROOT / "tests" / "scenarios" / "sessions" / "jury-2014-05-trois-membres.toml")
        registry.check_session(session, [dossier])
        assert stranger.calls == []
        # and the generic engine still answered (the gratification of guide 1.4: 120 × 7,99 € = 958,80 €)
        assert explication.resultat.statut == "certifie" and [x.montant for x in explication.financement] == [958.80]

    def test_supplier_hooks_are_called(self, monkeypatch):
        """The same hooks in the plugin that supplies the référentiel are called, each once per call."""
        from cqpkit.formats.dossiers import load_session

        dossier = _dossier()
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")
        plugin = OwnRecorder()
        registry = cqpkit.load_registry(plugins=[("maison", plugin)])
        registry.explain(dossier, DAY)
        registry.plan(dossier, dt.date(2013, 3, 1))
        session = load_session(ROOT / "tests" / "scenarios" / "sessions" / "jury-2014-05-trois-membres.toml")
        registry.check_session(session, [dossier])
        cid = "mutualite.specialiste-prestations"
        assert plugin.calls == [
            ("cqpkit_decide", cid),
            ("cqpkit_check_dossier", cid),
            ("cqpkit_funding", cid),
            ("cqpkit_plan_parcours", cid),
            ("cqpkit_check_session", cid),
        ]

    def test_referentiels_path_served_by_builtins_only(self, monkeypatch):
        """A référentiel of CQPKIT_REFERENTIELS_PATH is served by the builtins: an installed plugin is not called."""
        dossier = _dossier()
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")
        monkeypatch.setenv("CQPKIT_REFERENTIELS_PATH", str(ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "referentiels"))
        stranger = Recorder()
        registry = cqpkit.load_registry(plugins=[("etranger", stranger)])
        assert registry.plugin_of("mutualite.specialiste-prestations") == "cqpkit.plugins.default_referentiels"
        assert registry.decide(dossier, DAY).statut == "certifie"
        assert registry.check(dossier, DAY) is not None and stranger.calls == []


class TestBuiltinFamilies:
    def test_one_plugin_per_family_listed(self, capsys):
        """`cqpkit plugins` lists every builtin rule family, marked builtin (in-process CLI)."""
        import json

        from cqpkit.cli import main

        capsys.readouterr()
        assert main(["plugins", "--json"]) == 0
        builtins = [p["nom"] for p in json.loads(capsys.readouterr().out)["plugins"] if p["integre"]]
        assert builtins == list(DEFAULT_PLUGINS)
        assert "cqpkit.plugins.default_tutorat" in builtins and "cqpkit.plugins.default_funding" in builtins

    @pytest.mark.parametrize("name", ["default_funding", "cqpkit.plugins.default_funding"])
    def test_disable_one_family_by_name(self, monkeypatch, name):
        """Blocking the funding family: no gratification line; the other families still decide."""
        dossier = _dossier()
        assert [x.montant for x in cqpkit.load_registry().funding(dossier, DAY)] == [958.80]
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", name)
        registry = cqpkit.load_registry()
        assert registry.failures == []
        assert "cqpkit.plugins.default_funding" not in [p.name for p in registry.plugins()]
        assert registry.funding(dossier, DAY) == []
        assert registry.decide(dossier, DAY).statut == "certifie"

    def test_disable_the_tutor_family(self, monkeypatch):
        """Blocking default_tutorat removes the tutor findings of a CQP MO dossier, and only them."""
        from attrs import evolve

        from cqpkit.formats.dossiers import load_dossier

        dossier = load_dossier(ROOT / "examples" / "dossier-manager-operationnel.toml", cqpkit.load_registry())
        [i] = [i for i, a in enumerate(dossier.acteurs) if a.role == "tuteur"]
        acteurs = list(dossier.acteurs)
        acteurs[i] = evolve(acteurs[i], tutores_simultanes=99)  # far above any load the référentiel allows
        dossier = evolve(dossier, acteurs=tuple(acteurs))
        day = dt.date(2030, 1, 1)
        with_tutor = [c.code for c in cqpkit.load_registry().check(dossier, day)]
        assert "tuteur_charge_max" in with_tutor
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "default_tutorat")
        without = [c.code for c in cqpkit.load_registry().check(dossier, day)]
        assert without == [c for c in with_tutor if not c.startswith("tut")]

    def test_disable_decision_is_a_clear_error(self, monkeypatch):
        """Without the generic decision and no plugin deciding, `decide` says so in French (no None, no traceback)."""
        dossier = _dossier()
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "default_decision")
        with pytest.raises(PluginError) as info:
            cqpkit.load_registry().decide(dossier, DAY)
        assert "aucune réponse à cqpkit_decide" in str(info.value) and "« default_decision » est bloquée" in str(info.value)

    def test_unknown_builtin_name_is_a_failure(self, monkeypatch):
        """A misspelt family name in CQPKIT_DISABLE_PLUGINS is reported like any unknown plugin name."""
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "default_tutora")
        [failure] = cqpkit.load_registry(cache=False).failures
        assert failure.plugin == "default_tutora"
        assert "nommée dans CQPKIT_DISABLE_PLUGINS" in failure.raison
        assert failure.raison.endswith(" ; vouliez-vous dire « default_tutorat » ?")

    def test_plugin_blocks_a_family_for_its_own_referentiels(self, monkeypatch):
        """A plugin's CQPKIT_BLOCKS removes a builtin family for its référentiels only."""
        dossier = _dossier()
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")

        class NoFunding(Supplier):
            CQPKIT_BLOCKS = ("default_funding",)

        registry = cqpkit.load_registry(plugins=[("sans_financement", NoFunding())])
        assert registry.failures == []
        assert registry.funding(dossier, DAY) == []
        assert "cqpkit.plugins.default_funding" in [p.name for p in registry.plugins()]  # still there for the others

    def test_plugin_blocks_an_unknown_name(self, monkeypatch):
        """A wrong name in CQPKIT_BLOCKS is a failure naming the plugin, with the close name."""

        class Typo(Supplier):
            CQPKIT_BLOCKS = ("default_fundin",)

        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")
        [failure] = cqpkit.load_registry(plugins=[("faute", Typo())], cache=False).failures
        assert failure.plugin == "faute"
        assert failure.raison.startswith("CQPKIT_BLOCKS nomme « default_fundin », qui n'est pas une extension intégrée")
        assert failure.raison.endswith("vouliez-vous dire « default_funding » ?")


class TestRegisterDirectory:
    def test_directory_registers_its_toml_files_sorted(self, tmp_path, monkeypatch):
        """register(dir): every *.toml of the directory, sorted by name; a subdirectory is not walked."""
        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        d = tmp_path / "referentiels"
        (d / "sous").mkdir(parents=True)
        write(d, "b.toml", ref_text("demo.b"))
        write(d, "a.toml", ref_text("demo.a"))
        write(d, "notes.txt", "pas un référentiel")
        write(d / "sous", "c.toml", ref_text("demo.c"))
        registry = cqpkit.load_registry(plugins=[("p", FilesPlugin(d))], cache=False)
        assert registry.failures == []
        assert [(r.id, r.plugin) for r in registry.fiches()] == [("demo.a", "p"), ("demo.b", "p")]
        assert registry.files_of("p") == [str(d / "a.toml"), str(d / "b.toml")]

    def test_directory_without_toml_is_a_failure(self, tmp_path, monkeypatch):
        """A directory with no *.toml file is reported, naming it (a wrong directory would otherwise add nothing silently)."""
        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        d = tmp_path / "vide"
        d.mkdir()
        [failure] = cqpkit.load_registry(plugins=[("p", FilesPlugin(d))], cache=False).failures
        assert failure.plugin == "p"
        assert failure.raison == (
            f"{d} : répertoire sans fichier .toml : register() y enregistre chaque fichier *.toml (les sous-répertoires "
            "ne sont pas parcourus)"
        )
