"""The Registry facade: plugins contribute référentiels; problems are isolated and named."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

import cqpkit
from cqpkit import hookimpl
from cqpkit.exceptions import DuplicateReferentielError, UnknownCertificationError
from cqpkit.formats.referentiels import loads_referentiel
from tests.conftest import run_cli


def ref_text(cid: str = "demo.essai", version: str = "1", depuis: str | None = None, jusqua: str | None = None, domaines: int = 2) -> str:
    branche = cid.partition(".")[0]
    dates = (f"en_vigueur_depuis = {depuis}\n" if depuis else "") + (f"en_vigueur_jusqua = {jusqua}\n" if jusqua else "")
    doms = "".join(f'\n[[domaines]]\nid = "D{i + 1}"\nintitule = "Domaine {i + 1}"\n' for i in range(domaines))
    return textwrap.dedent(
        f"""\
        [certification]
        id = "{cid}"
        intitule = "CQP d'essai"
        branche = "{branche}"
        certificateur = "Commission d'essai"
        version = "{version}"
        """
    ) + dates + doms


class FilesPlugin:
    """A plugin object registering the given files."""

    def __init__(self, *paths: Path) -> None:
        self.paths = paths

    @hookimpl
    def cqpkit_referentiels(self, register):
        for p in self.paths:
            register(p)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def only_test_plugins(monkeypatch):
    """No installed plugin: only what the test registers."""
    monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")


class TestContributions:
    """What plugins register becomes available by id and version."""

    def test_file_and_object(self, tmp_path, only_test_plugins):
        """A file path and a Referentiel object are both accepted."""
        obj = loads_referentiel(ref_text("demo.objet"))

        class ObjPlugin:
            @hookimpl
            def cqpkit_referentiels(self, register):
                register(obj)

        registry = cqpkit.load_registry(
            plugins=[("fichiers", FilesPlugin(write(tmp_path, "a.toml", ref_text(domaines=3)))), ("objet", ObjPlugin())]
        )
        assert registry.failures == []
        assert [(r.id, r.version, r.domaines, r.plugin) for r in registry.fiches()] == [
            ("demo.essai", "1", 3, "fichiers"),
            ("demo.objet", "1", 2, "objet"),
        ]
        assert registry.referentiel("demo.objet") is obj
        assert [c.id for c in registry.certifications()] == ["demo.essai", "demo.objet"]

    def test_invalid_file_is_isolated(self, tmp_path, only_test_plugins):
        """An invalid référentiel is reported under its plugin's name with its errors; the others load."""
        # Lines: 6 of [certification], then two domaines (7-14), a blank line, [[modules]] on 16.
        bad = write(tmp_path, "bad.toml", ref_text("demo.mauvais") + "\n[[modules]]\nid = 3\n")
        registry = cqpkit.load_registry(
            plugins=[("bon", FilesPlugin(write(tmp_path, "ok.toml", ref_text()))), ("mauvais", FilesPlugin(bad))]
        )
        assert [r.id for r in registry.fiches()] == ["demo.essai"]
        (failure,) = registry.failures
        assert failure.plugin == "mauvais"
        assert f"{bad}:17: modules[0].id: type incorrect : attendu un texte, trouvé un entier (3)" in failure.raison
        assert f"{bad}:16: modules[0].intitule: clé obligatoire manquante" in failure.raison

    def test_raising_hook_is_isolated(self, tmp_path, only_test_plugins):
        """A plugin whose hook raises is named with the exception and the line that raised it; the others load."""

        class Boom:
            @hookimpl
            def cqpkit_referentiels(self, register):
                raise RuntimeError("disque absent")

        line = Boom.cqpkit_referentiels.__code__.co_firstlineno + 2
        registry = cqpkit.load_registry(plugins=[("boum", Boom()), ("bon", FilesPlugin(write(tmp_path, "ok.toml", ref_text())))])
        assert [r.id for r in registry.fiches()] == ["demo.essai"]
        assert [(f.plugin, f.raison) for f in registry.failures] == [
            ("boum", f"erreur dans cqpkit_referentiels : RuntimeError: disque absent (levée à {__file__}:{line})")
        ]

    def test_wrong_registration(self, only_test_plugins):
        """Registering something that is neither a path nor a Referentiel is named."""

        class Odd:
            @hookimpl
            def cqpkit_referentiels(self, register):
                register(42)

        registry = cqpkit.load_registry(plugins=[("bizarre", Odd())])
        assert registry.failures[0].raison == "register() attend un chemin de fichier ou un Referentiel, pas int"

    def test_unknown_hook_is_named(self, only_test_plugins):
        """A plugin implementing a hook that does not exist (a typo) is set aside by name."""

        class Typo:
            @hookimpl
            def cqpkit_referentiel(self, register):  # missing "s"
                pass

        registry = cqpkit.load_registry(plugins=[("faute", Typo())])
        assert registry.failures[0].plugin == "faute"
        assert registry.failures[0].raison.startswith("hook inconnu")
        assert "faute" not in [p.name for p in registry.plugins()]

    def test_duplicate_names_both(self, tmp_path, only_test_plugins):
        """Two plugins supplying the same id and version: an error naming both; that version is unavailable."""
        a = write(tmp_path, "a.toml", ref_text())
        b = write(tmp_path, "b.toml", ref_text())
        registry = cqpkit.load_registry(plugins=[("premier", FilesPlugin(a)), ("second", FilesPlugin(b))])
        assert registry.fiches() == []
        (failure,) = registry.failures
        assert failure.raison == (
            f"la certification « demo.essai » version « 1 » est fournie deux fois : « premier » ({a}) et « second » ({b}) ; "
            "cette version est ignorée"
        )
        with pytest.raises(DuplicateReferentielError, match="premier.*second"):
            registry.referentiel("demo.essai")


class TestVersions:
    """A version is chosen by label, by date in force, or the most recent."""

    @pytest.fixture
    def registry(self, tmp_path, only_test_plugins):
        files = [
            write(tmp_path, "v2016.toml", ref_text("secu.mo", "2016", depuis="2016-12-16", jusqua="2019-12-31", domaines=5)),
            write(tmp_path, "v2020.toml", ref_text("secu.mo", "2020", depuis="2020-01-01", domaines=4)),
        ]
        return cqpkit.load_registry(plugins=[("mo", FilesPlugin(*files))])

    def test_by_label(self, registry):
        """`version=` picks that version."""
        assert len(registry.referentiel("secu.mo", version="2016").domaines) == 5

    def test_most_recent_by_default(self, registry):
        """Without version or date, the latest in force wins."""
        assert registry.referentiel("secu.mo").version == "2020"

    @pytest.mark.parametrize(
        ("day", "version"),
        [
            (dt.date(2016, 12, 16), "2016"),  # first day of 2016
            (dt.date(2019, 12, 31), "2016"),  # last day of 2016 (inclusive)
            (dt.date(2020, 1, 1), "2020"),  # first day of 2020
        ],
    )
    def test_as_of(self, registry, day, version):
        """`as_of=` picks the version in force that day, on both sides of each boundary."""
        assert registry.referentiel("secu.mo", as_of=day).version == version

    def test_nothing_in_force(self, registry):
        """Before the first version, a clear French error lists the versions."""
        with pytest.raises(UnknownCertificationError) as info:
            registry.referentiel("secu.mo", as_of=dt.date(2016, 12, 15))
        assert str(info.value) == (
            "aucune version de « secu.mo » en vigueur le 15/12/2016 "
            "(versions : 2016 [2016-12-16 → 2019-12-31], 2020 [2020-01-01 → …])"
        )

    def test_unknown_version_and_id(self, registry):
        """Unknown versions and ids are named with what exists."""
        with pytest.raises(UnknownCertificationError, match="version « 1999 » inconnue pour « secu.mo »"):
            registry.referentiel("secu.mo", version="1999")
        with pytest.raises(UnknownCertificationError, match=r"certification « secu.x » inconnue \(certifications disponibles : secu.mo\)"):
            registry.referentiel("secu.x")


class TestEnvironment:
    """Environment switches choose which installed plugins load."""

    def test_bundled_plugins_load_through_entry_points(self):
        """The two bundled plugins come from entry points of group cqpkit, not from a core import."""
        registry = cqpkit.load_registry()
        names = {p.name: p for p in registry.plugins()}
        assert {"cqp_mo", "mutualite"} <= set(names)
        assert names["cqp_mo"].distribution == "cqpkit" and not names["cqp_mo"].builtin
        assert names["cqpkit.plugins.default_referentiels"].builtin

    def test_disable(self, monkeypatch):
        """CQPKIT_DISABLE_PLUGINS removes a plugin and its référentiels."""
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "cqp_mo")
        registry = cqpkit.load_registry()
        assert "cqp_mo" not in {p.name for p in registry.plugins()}
        assert all(r.plugin != "cqp_mo" for r in registry.fiches())

    @pytest.mark.parametrize("var", ["CQPKIT_LOAD_PLUGINS", "CQPKIT_DISABLE_PLUGINS"])
    def test_switch_naming_no_installed_plugin(self, monkeypatch, var):
        """A name in a switch that no installed plugin has (a typo) is a failure that says so, with the close name."""
        monkeypatch.setenv(var, "mutualite,cqpmo")
        registry = cqpkit.load_registry(cache=False)
        [failure] = registry.failures
        assert failure.plugin == "cqpmo"
        assert failure.raison.startswith(f"nommée dans {var} mais aucune extension installée ne porte ce nom (installées : ")
        assert "cqp_mo" in failure.raison and failure.raison.endswith(" ; vouliez-vous dire « cqp_mo » ?")
        monkeypatch.setenv(var, "mutualite")
        assert cqpkit.load_registry(cache=False).failures == []  # a name installed: no failure

    def test_switch_typo_fails_cqpkit_list(self):
        """`cqpkit list` with a misspelt CQPKIT_LOAD_PLUGINS: the error on stderr, exit 1 (it listed nothing, silently)."""
        result = run_cli("list", env={"CQPKIT_LOAD_PLUGINS": "mutualit"})
        assert result.returncode == 1
        assert "erreur : extension « mutualit » : nommée dans CQPKIT_LOAD_PLUGINS mais aucune extension installée" in result.stderr
        assert "vouliez-vous dire « mutualite » ?" in result.stderr

    def test_load_none(self, monkeypatch):
        """An empty CQPKIT_LOAD_PLUGINS loads no installed plugin, only the builtins."""
        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        registry = cqpkit.load_registry()
        from cqpkit.plugins.manager import DEFAULT_PLUGINS

        assert [p.name for p in registry.plugins()] == list(DEFAULT_PLUGINS)
        assert all(p.builtin for p in registry.plugins()) and len(DEFAULT_PLUGINS) == 13

    def test_referentiels_path(self, tmp_path, monkeypatch):
        """The builtin plugin registers the files of CQPKIT_REFERENTIELS_PATH (files or directories)."""
        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        d = tmp_path / "brouillons"
        d.mkdir()
        write(d, "a.toml", ref_text("demo.a"))
        single = write(tmp_path, "b.toml", ref_text("demo.b"))
        monkeypatch.setenv("CQPKIT_REFERENTIELS_PATH", f"{d}{__import__('os').pathsep}{single}")
        registry = cqpkit.load_registry()
        assert [(r.id, r.plugin) for r in registry.fiches()] == [
            ("demo.a", "cqpkit.plugins.default_referentiels"),
            ("demo.b", "cqpkit.plugins.default_referentiels"),
        ]


class TestCache:
    """The validation cache saves work and never changes a result."""

    def test_edit_invalidates(self, tmp_path, only_test_plugins):
        """A file made invalid after being cached is reported invalid on the next load."""
        path = write(tmp_path, "a.toml", ref_text())
        plugin = [("p", FilesPlugin(path))]
        assert cqpkit.load_registry(plugins=plugin).failures == []
        assert cqpkit.load_registry(plugins=plugin).fiches()[0].domaines == 2  # served from the cache
        path.write_text(ref_text() + '\n[[domaines]]\nid = "D1"\nintitule = "Doublon"\n', encoding="utf-8")
        registry = cqpkit.load_registry(plugins=plugin)
        assert registry.fiches() == []
        assert "identifiant « D1 » en double" in registry.failures[0].raison

    def test_cache_file_written(self, tmp_path, monkeypatch, only_test_plugins):
        """A valid file's summary is stored in CQPKIT_CACHE_DIR and reused (the cached summary is what is shown)."""
        import json

        monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
        path = write(tmp_path, "a.toml", ref_text())
        cqpkit.load_registry(plugins=[("p", FilesPlugin(path))])
        data = json.loads((tmp_path / "cache" / "referentiels-v1.json").read_text(encoding="utf-8"))
        (entry,) = data["entries"].values()
        assert entry["summary"]["id"] == "demo.essai"
        # Prove the cache is read: tamper with the stored title and see it come back.
        entry["summary"]["intitule"] = "Titre du cache"
        (tmp_path / "cache" / "referentiels-v1.json").write_text(json.dumps(data), encoding="utf-8")
        assert cqpkit.load_registry(plugins=[("p", FilesPlugin(path))]).fiches()[0].intitule == "Titre du cache"
        assert cqpkit.load_registry(plugins=[("p", FilesPlugin(path))], cache=False).fiches()[0].intitule == "CQP d'essai"

    def test_no_cache_env(self, tmp_path, monkeypatch, only_test_plugins):
        """CQPKIT_NO_CACHE=1 writes nothing."""
        monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("CQPKIT_NO_CACHE", "1")
        cqpkit.load_registry(plugins=[("p", FilesPlugin(write(tmp_path, "a.toml", ref_text())))])
        assert not (tmp_path / "cache").exists()


class Supplier:
    """A test plugin that supplies the Mutualité référentiels itself: the dossier hooks reach only the supplier.

    Used with the bundled ``mutualite`` plugin disabled (``CQPKIT_DISABLE_PLUGINS``), so that its hooks below
    are called for the example dossier of the Spécialiste prestations.
    """

    @hookimpl
    def cqpkit_referentiels(self, register):
        from tests.conftest import ROOT

        register(ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "referentiels")


class TestEngineHooks:
    """The Registry calls the dossier hooks; plugins add to or replace the generic engine."""

    @staticmethod
    def _dossier():
        from cqpkit.formats.dossiers import load_dossier
        from tests.conftest import ROOT

        registry = cqpkit.load_registry()
        return registry, load_dossier(ROOT / "examples" / "dossier-specialiste-prestations-formation.toml", registry)

    def test_hook_cqpkit_decide_plugin_answers_first(self, monkeypatch):
        """A plugin's decide answers before the builtin generic engine (firstresult, builtin trylast)."""
        import datetime as dt

        from attrs import evolve

        _, dossier = self._dossier()

        class Override(Supplier):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                from cqpkit.rules.decision import decide

                return evolve(decide(referentiel, dossier, date), statut="en_cours")

        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
        registry = cqpkit.load_registry(plugins=[("surcharge", Override())])
        assert registry.decide(dossier, dt.date(2014, 7, 1)).statut == "en_cours"
        monkeypatch.delenv("CQPKIT_DISABLE_PLUGINS")
        assert cqpkit.load_registry().decide(dossier, dt.date(2014, 7, 1)).statut == "certifie"

    def test_hook_cqpkit_check_dossier_contributions_merge(self, monkeypatch):
        """A plugin's findings are added to the generic ones."""
        import datetime as dt

        from cqpkit.model import Constat

        _, dossier = self._dossier()

        class Extra(Supplier):
            @hookimpl
            def cqpkit_check_dossier(self, referentiel, dossier, date):
                return [Constat(code="regle_maison", niveau="information", message="Règle propre à l'extension.")]

        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
        found = cqpkit.load_registry(plugins=[("maison", Extra())]).check(dossier, dt.date(2014, 7, 1))
        assert "regle_maison" in [c.code for c in found]

    def test_hook_cqpkit_funding_raising_plugin_is_named(self, monkeypatch):
        """A plugin raising in a hook is named in a PluginError, not a traceback."""
        import datetime as dt

        from cqpkit.exceptions import PluginError

        _, dossier = self._dossier()

        class Boom(Supplier):
            @hookimpl
            def cqpkit_funding(self, referentiel, dossier, date):
                raise ZeroDivisionError("taux nul")

        line = Boom.cqpkit_funding.__code__.co_firstlineno + 2
        with pytest.raises(PluginError) as info:
            monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
            cqpkit.load_registry(plugins=[("boum", Boom())]).funding(dossier, dt.date(2014, 7, 1))
        assert info.value.plugin == "boum"
        assert str(info.value) == (
            f"extension « boum » : erreur dans cqpkit_funding : ZeroDivisionError: taux nul (levée à {__file__}:{line})"
        )
        assert info.value.lieu == f"{__file__}:{line}" and info.value.hook == "cqpkit_funding"

    def test_raising_hook_is_named_without_being_called_again(self, monkeypatch):
        """The plugin that raised is found in the traceback: a hook that raises once is named, with its line, and called once."""
        import datetime as dt

        from cqpkit.exceptions import PluginError

        _, dossier = self._dossier()
        calls = []

        class Once(Supplier):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                calls.append(date)
                if len(calls) == 1:
                    raise RuntimeError("base indisponible")

        line = Once.cqpkit_decide.__code__.co_firstlineno + 4
        with pytest.raises(PluginError) as info:
            monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
            cqpkit.load_registry(plugins=[("une_fois", Once())]).decide(dossier, dt.date(2014, 7, 1))
        assert str(info.value) == (
            f"extension « une_fois » : erreur dans cqpkit_decide : RuntimeError: base indisponible (levée à {__file__}:{line})"
        )
        assert len(calls) == 1

    def test_hook_cqpkit_plan_parcours_and_check_session(self):
        """plan and check_session go through the hooks to the generic engine."""
        import datetime as dt

        from cqpkit.formats.dossiers import load_session
        from tests.conftest import ROOT

        registry, dossier = self._dossier()
        parcours = registry.plan(dossier, dt.date(2013, 3, 1))
        assert [d.domaine for d in parcours.domaines] == ["D1", "D2", "D3", "D4", "D5"]
        session = load_session(ROOT / "tests" / "scenarios" / "sessions" / "jury-2014-05-trois-membres.toml")
        codes = [c.code for c in registry.check_session(session, [dossier])]
        assert "jury_composition" in codes


class TestOneDecision:
    """One decision per dossier, the registry's: funding and check read it, whichever plugin gave it."""

    def test_plugin_decision_gives_the_gratification(self, monkeypatch):
        """A plugin that certifies a dossier the generic engine does not: the gratification follows the plugin's decision.

        Guide 1.4: « attribuée à toute personne ayant obtenu un CQP de la branche »; 120 × 7,99 € = 958,80 €,
        at the point value of the day the plugin says the CQP was delivered (in 2014, the only year known).
        """
        import datetime as dt

        from attrs import evolve

        _, dossier = TestEngineHooks._dossier()
        day = dt.date(2014, 6, 1)  # before the example's certifying jury of 30/06/2014
        assert cqpkit.load_registry().decide(dossier, day).statut != "certifie"
        assert cqpkit.load_registry().funding(dossier, day) == []

        class Certifie(Supplier):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                from cqpkit.rules.decision import decide

                return evolve(decide(referentiel, dossier, date), statut="certifie", date_certification=dt.date(2014, 5, 20))

        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
        registry = cqpkit.load_registry(plugins=[("jury_maison", Certifie())])
        [line] = registry.funding(dossier, day)
        assert (line.code, line.montant, line.date_evenement) == ("gratification", 958.80, dt.date(2014, 5, 20))

    def test_check_reports_the_decisions_findings_once(self):
        """A passage after the certification (a decision finding) is in `check`, once."""
        import datetime as dt

        from attrs import evolve

        from cqpkit.model import PassageJury

        _, dossier = TestEngineHooks._dossier()
        later = PassageJury(session="J-2014-09", date=dt.date(2014, 9, 15), decisions={"D1": "acquis"})
        dossier = evolve(dossier, passages=(*dossier.passages, later))
        registry = cqpkit.load_registry()
        decided = [c.code for c in registry.decide(dossier, dt.date(2014, 10, 1)).constats]
        checked = [c.code for c in registry.check(dossier, dt.date(2014, 10, 1))]
        assert "passage_apres_certification" in decided
        assert checked.count("passage_apres_certification") == 1

    def test_explain_decides_once(self, monkeypatch):
        """explain asks the decide hooks once and its findings and lines read that decision."""
        import datetime as dt

        calls = []

        class Counting(Supplier):
            @hookimpl
            def cqpkit_decide(self, referentiel, dossier, date):
                calls.append(date)

        _, dossier = TestEngineHooks._dossier()
        monkeypatch.setenv("CQPKIT_DISABLE_PLUGINS", "mutualite")  # the test plugin supplies the référentiel
        explication = cqpkit.load_registry(plugins=[("compte", Counting())]).explain(dossier, dt.date(2014, 7, 1))
        assert len(calls) == 1
        assert explication.resultat.statut == "certifie" and [x.montant for x in explication.financement] == [958.80]
