"""The conformance suite: mixin test classes, and :class:`ConformanceSuite` that gathers them.

(Why ~620 lines: one method per test of the suite, each with its French failure message; the
reusable checks are in :mod:`cqpkit.testing.checks` and the dossiers in :mod:`cqpkit.testing.witness`.)

Every test takes the plugin from the fixtures of :class:`~cqpkit.testing.PluginFixtures`
and fails with a French message that says what to fix, every problem at once, without
a Python traceback. Each mixin can be used alone (with the fixtures class) and any test
can be overridden by subclassing; "not applicable" is a declared
:class:`~cqpkit.testing.Capability`, and a test it makes irrelevant is skipped with that
reason.

The engine properties run on dossiers generated from the plugin's own référentiels
(:func:`cqpkit.testing.strategies.dossiers`) with hypothesis, derandomised (the same
examples at each run, so that a CI verdict does not change from one run to the next) and
without a deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from cqpkit.plugins.registry import HookReturnError
from cqpkit.testing import checks
from cqpkit.testing.documents import DocumentTests
from cqpkit.testing.fixtures import Capability, PluginFixtures, PluginUnderTest

if TYPE_CHECKING:  # pragma: no cover
    from cqpkit.model import Dossier, Referentiel

__all__ = ["ConformanceSuite", "EngineTests", "PluginTests", "ReferentielTests", "ScenarioTests"]

_LOADING = (
    "échec du chargement",
    "enregistrement refusé",
    "hook inconnu",
    "erreur dans cqpkit_referentiels",
    "nom d'extension utilisé deux fois",
)
_DOSSIER_HOOKS = ("cqpkit_check_dossier", "cqpkit_check_session", "cqpkit_plan_parcours", "cqpkit_decide", "cqpkit_funding")


def fail(header: str, problems: Sequence[str] = ()) -> NoReturn:
    """Fail the current test with ``header`` and one indented line per problem, without a traceback."""
    lines = [header, *(f"  - {p}".replace("\n", "\n    ") for p in problems)]
    pytest.fail("\n".join(lines), pytrace=False)


def _where(ref: Referentiel, fichier: str | None) -> str:
    return fichier or f"<{ref.id} {ref.version}>"


def _refs(put: PluginUnderTest) -> list[tuple[Referentiel, str | None]]:
    refs = put.referentiels()
    if not refs:
        pytest.skip("l'extension ne fournit aucun référentiel valide : voir test_plugin_loads et test_referentiels_validate")
    return refs


# ----------------------------------------------------------------------------------- plugin
class PluginTests:
    """The plugin is installed, loads, supplies the certifications it declares and keeps to them."""

    def test_plugin_loads(self, plugin_under_test: PluginUnderTest) -> None:
        """The plugin imports, registers, marks its hooks and answers ``cqpkit_referentiels`` without error."""
        from cqpkit.plugins.manager import exception_text

        put = plugin_under_test
        problems = [f.raison for f in put.failures if f.raison.startswith(_LOADING)]
        if put.contribution_error is not None:
            exc = put.contribution_error
            problems = [p for p in problems if not p.startswith("erreur dans cqpkit_referentiels")]
            problems.append(f"erreur dans cqpkit_referentiels : {exception_text(exc)}{put.raised_at(exc)}")
        problems += [
            f"{hook} n'a pas le marqueur @hookimpl : cqpkit ne l'appelle jamais ; écrivez `@hookimpl` (`from cqpkit "
            "import hookimpl`) sur la ligne au-dessus de sa définition"
            for hook in put.unmarked_hooks()
        ]
        if problems:
            fail(f"L'extension « {put.name} » ne se charge pas ; corrigez :", problems)

    def test_supplies_declared_certifications(self, plugin_under_test: PluginUnderTest) -> None:
        """The plugin registers at least one référentiel, and supplies exactly the declared certifications."""
        put = plugin_under_test
        if put.source is None:
            pytest.skip("extension non chargée : voir test_plugin_loads")
        if not put.contributions and put.contribution_error is None:
            fail(
                f"L'extension « {put.name} » n'enregistre aucun référentiel : son hook cqpkit_referentiels doit appeler "
                "`register(chemin_du_fichier_toml)` pour chaque référentiel (voir docs/writing-a-plugin.md)."
            )
        got, want = set(put.certifications()), set(put.declared)
        problems = [
            f"« {c} » est déclarée dans `certifications` mais l'extension ne la fournit pas (référentiel invalide ? "
            "voir test_referentiels_validate ; identifiant mal écrit ?)"
            for c in sorted(want - got)
        ] + [f"« {c} » est fournie par l'extension : ajoutez-la à `certifications`" for c in sorted(got - want)]
        if problems:
            fail("Les certifications fournies ne sont pas celles déclarées :", problems)

    def test_hooks_reach_only_own_certifications(self, plugin_under_test: PluginUnderTest) -> None:
        """The registry calls the plugin's dossier hooks for its own référentiels only: no guard is needed.

        Checked on the callers the registry uses for a référentiel of another plugin (the builtin
        ``default_referentiels``, which serves ``CQPKIT_REFERENTIELS_PATH``) and for the plugin's own.
        """
        put = plugin_under_test
        if put.source is None:
            pytest.skip("extension non chargée : voir test_plugin_loads")
        problems = []
        for hook in (h for h in _DOSSIER_HOOKS if h in put.hooks()):
            other = {i.plugin_name for i in put.registry.hook_caller(hook, "cqpkit.plugins.default_referentiels").get_hookimpls()}
            own = {i.plugin_name for i in put.registry.hook_caller(hook, put.name).get_hookimpls()}
            if put.name in other:
                problems.append(f"{hook} serait appelé pour le référentiel d'une autre extension")
            if put.name not in own:
                problems.append(f"{hook} ne serait pas appelé pour les référentiels de l'extension")
        if problems:
            fail(f"Le routage des hooks de « {put.name} » est faux (défaut de cqpkit, à signaler) :", problems)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"


# ------------------------------------------------------------------------------ référentiels
class ReferentielTests:
    """Each référentiel validates, round-trips, is sourced, consistent, usable and complete (or says it is not)."""

    def test_referentiels_validate(self, plugin_under_test: PluginUnderTest) -> None:
        """Every référentiel the plugin registers validates (every error at once, with file, line and key)."""
        put = plugin_under_test
        problems = [f.raison for f in put.failures if not f.raison.startswith(_LOADING)]
        if problems:
            fail(
                f"Des référentiels de « {put.name} » sont invalides ; corrigez chaque erreur (fichier:ligne: clé: message), "
                "puis vérifiez avec `cqpkit validate FICHIER` :",
                problems,
            )

    def test_referentiels_round_trip(self, plugin_under_test: PluginUnderTest) -> None:
        """Each référentiel, written to TOML and read back, is equal to itself."""
        problems = [p for ref, f in _refs(plugin_under_test) for p in checks.round_trip_problems(ref, _where(ref, f))]
        if problems:
            fail("Des référentiels ne survivent pas à l'aller-retour TOML :", problems)

    def test_dated_values_are_sourced_without_gaps_or_overlaps(self, plugin_under_test: PluginUnderTest) -> None:
        """Every dated value (barème) has a source (document and section); values follow each other without gap or overlap."""
        put = plugin_under_test
        problems: list[str] = []
        for path in put.files():
            problems += checks.dated_value_problems_in_file(path)
        for item in put.contributions:
            if not isinstance(item, (str, bytes)) and hasattr(item, "financement"):
                problems += checks.dated_value_problems(item, f"<{item.id} {item.version}>")  # type: ignore[attr-defined]
        problems += checks.version_overlaps(ref for ref, _ in put.referentiels())
        if problems:
            fail(
                "Valeurs datées : chaque valeur d'un barème cite sa source (document et section) et court jusqu'à la "
                "suivante ; corrigez :",
                problems,
            )

    def test_epreuves_reference_existing_echelles_and_domaines(self, plugin_under_test: PluginUnderTest) -> None:
        """Every épreuve's échelle, verdict, domaines and mention exist; every critère can be rated."""
        problems = [p for ref, f in _refs(plugin_under_test) for p in checks.reference_problems(ref, _where(ref, f))]
        if problems:
            fail("Des épreuves renvoient à ce qui n'existe pas :", problems)

    def test_rule_parameters_are_usable(self, plugin_under_test: PluginUnderTest) -> None:
        """Every funding line, échelle, jury condition, duration and rule can be used by the engine."""
        put = plugin_under_test
        problems = [
            p
            for ref, f in _refs(put)
            for p in checks.parameter_problems(
                ref, _where(ref, f), incomplete=put.declares(Capability.INCOMPLETE, ref.id) and checks.incomplete(ref)
            )
        ]
        if problems:
            fail("Des paramètres de règles sont inutilisables par le moteur :", problems)

    def test_every_domaine_is_reachable(self, plugin_under_test: PluginUnderTest) -> None:
        """Every domaine is evaluated by some épreuve, unless the référentiel is incomplete and says so."""
        put = plugin_under_test
        problems, excused = [], []
        for ref, f in _refs(put):
            missing = checks.unreachable_domaines(ref)
            if not ref.domaines:
                if not (put.declares(Capability.INCOMPLETE, ref.id) and checks.incomplete(ref)):
                    problems.append(
                        f"{_where(ref, f)} : aucun domaine : ajoutez les [[domaines]] de la certification, ou marquez le "
                        "référentiel `complet = false` et déclarez Capability.INCOMPLETE"
                    )
                else:
                    excused.append(f"{ref.id} {ref.version} (aucun domaine)")
                continue
            for d in missing:
                if put.declares(Capability.INCOMPLETE, ref.id) and (not d.complet or not ref.certification.complet):
                    excused.append(f"{ref.id} {ref.version} {d.id}")
                else:
                    problems.append(
                        f"{_where(ref, f)} : le domaine « {d.id} » n'est évalué par aucune épreuve : ajoutez « {d.id} » "
                        "aux `domaines` d'une épreuve (ou à un critère) ; si les sources ne le disent pas, marquez le "
                        "domaine `complet = false` et déclarez Capability.INCOMPLETE"
                    )
        if problems:
            fail("Des domaines ne peuvent être atteints par aucune épreuve :", problems)
        if excused:
            pytest.skip(f"non applicable (Capability.INCOMPLETE) : domaines sans épreuve {', '.join(excused)}")

    def test_completeness_is_declared(self, plugin_under_test: PluginUnderTest) -> None:
        """Capability.INCOMPLETE is declared exactly for the référentiels marked ``complet = false``."""
        put = plugin_under_test
        problems = []
        for ref, f in _refs(put):
            declared, marked = put.declares(Capability.INCOMPLETE, ref.id), checks.incomplete(ref)
            if marked and not declared:
                problems.append(
                    f"{_where(ref, f)} : le référentiel est marqué incomplet (`complet = false`) : déclarez "
                    f"Capability.INCOMPLETE pour « {ref.id} » (ou complétez-le)"
                )
            elif declared and not marked:
                problems.append(
                    f"{_where(ref, f)} : Capability.INCOMPLETE est déclarée mais le référentiel et ses domaines sont "
                    "complets : retirez la capacité"
                )
        if problems:
            fail("Capacité INCOMPLETE et référentiels ne concordent pas :", problems)

    def test_vae_route(self, plugin_under_test: PluginUnderTest) -> None:
        """Each certification has a VAE route whose admissibility can be checked, unless it declares Capability.NO_VAE."""
        from cqpkit.testing import witness

        put = plugin_under_test
        problems, excused = [], []
        for ref, f in _refs(put):
            routes = checks.vae_routes(ref)
            if put.declares(Capability.NO_VAE, ref.id):
                vae_epreuves = [e.id for e in ref.epreuves if e.type == "vae"]
                if routes or vae_epreuves:
                    what = ", ".join([f"voie « {v.id} »" for v in routes] + [f"épreuve « {e} »" for e in vae_epreuves])
                    problems.append(f"{_where(ref, f)} : Capability.NO_VAE est déclarée mais le référentiel a une VAE ({what}) : retirez la capacité")
                else:
                    excused.append(f"{ref.id} {ref.version}")
                continue
            if not routes:
                problems.append(
                    f"{_where(ref, f)} : aucune voie VAE : ajoutez une [[voies]] `id = \"vae\"` avec sa condition "
                    "`experience`, ou déclarez Capability.NO_VAE"
                )
                continue
            for voie in routes:
                if voie.experience is None:
                    problems.append(
                        f"{_where(ref, f)} : la voie « {voie.id} » n'énonce pas de condition d'expérience : ajoutez "
                        "`experience = { duree = \"P3Y\", … }` (la durée que la source fixe) pour que la recevabilité soit vérifiée"
                    )
                    continue
                dossier = witness.ladder_dossier(ref, (), voie=voie.id)
                try:
                    found = put.registry.check(dossier, witness.ladder_start(ref) + dt.timedelta(days=1))
                except Exception as exc:
                    problems.append(
                        f"{_where(ref, f)} : check lève {type(exc).__name__}: {exc} sur un dossier de la voie « {voie.id} » "
                        "(voir test_no_hook_raises_on_valid_dossiers)"
                    )
                    continue
                if not [c for c in found if c.niveau == "erreur"]:
                    problems.append(
                        f"{_where(ref, f)} : un dossier de la voie « {voie.id} » sans aucune expérience n'a aucun constat "
                        "d'erreur : la recevabilité VAE n'est pas vérifiée (hook cqpkit_check_dossier qui masque les constats ?)"
                    )
        if problems:
            fail("Voie VAE :", problems)
        if excused:
            pytest.skip(f"non applicable (Capability.NO_VAE) : {', '.join(excused)}")

    def test_funding_is_declared(self, plugin_under_test: PluginUnderTest) -> None:
        """Each certification has a funding barème (or the plugin a funding hook), unless it declares Capability.NO_FUNDING."""
        put = plugin_under_test
        hook = "cqpkit_funding" in put.hooks()
        problems, excused = [], []
        for ref, f in _refs(put):
            if put.declares(Capability.NO_FUNDING, ref.id):
                if ref.financement:
                    problems.append(
                        f"{_where(ref, f)} : Capability.NO_FUNDING est déclarée mais le référentiel a [financement.{next(iter(ref.financement))}] : retirez la capacité"
                    )
                else:
                    excused.append(f"{ref.id} {ref.version}")
            elif not ref.financement and not hook:
                problems.append(
                    f"{_where(ref, f)} : aucun financement : ajoutez un barème [financement.<id>] avec ses "
                    "[[financement.<id>.valeurs]] datées et sourcées, ou déclarez Capability.NO_FUNDING"
                )
        if problems:
            fail("Financement :", problems)
        if excused:
            pytest.skip(f"non applicable (Capability.NO_FUNDING) : {', '.join(excused)}")


# ---------------------------------------------------------------------------------- engine
def _hypothesis() -> Any:
    try:
        import hypothesis
    except ImportError:  # pragma: no cover - depends on the environment
        fail("Les propriétés du moteur demandent hypothesis : `pip install hypothesis` (ou l'extra « test » de l'extension).")
    return hypothesis


class EngineTests:
    """The engine invariants hold on dossiers generated from the plugin's référentiels (hypothesis)."""

    #: Generated dossiers per property (hypothesis ``max_examples``); see :class:`PluginFixtures`.
    max_examples: int = 25

    def _settings(self) -> Any:
        hypothesis = _hypothesis()
        return hypothesis.settings(
            max_examples=self.max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
        )

    def _run(self, put: PluginUnderTest, body: Callable[[Referentiel, Dossier, dt.date, Any], None]) -> None:
        """Run ``body(ref, dossier, as_of, data)`` on generated valid dossiers; fail with its message."""
        hypothesis = _hypothesis()
        from hypothesis import strategies as st

        from cqpkit.formats.dossiers import validate_dossier
        from cqpkit.testing.strategies import dossiers

        refs = [ref for ref, _ in _refs(put)]

        @self._settings()
        @hypothesis.given(st.data())
        def run(data: Any) -> None:
            ref = refs[data.draw(st.integers(0, len(refs) - 1), label="référentiel n°")]
            dossier = data.draw(dossiers(ref), label="dossier")
            hypothesis.assume(not validate_dossier(dossier, ref))
            start = dossier.dossier.inscription
            as_of = data.draw(st.dates(start, start + dt.timedelta(days=3000)), label="au")
            try:
                body(ref, dossier, as_of, data)
            except AssertionError:
                raise
            except HookReturnError as exc:  # a wrong answer: said here, detailed by test_no_hook_raises_on_valid_dossiers
                raise AssertionError(
                    f"{exc.raison} (voir test_no_hook_raises_on_valid_dossiers).\nDossier en cause :\n{_toml(dossier)}"
                ) from None
            except Exception as exc:  # a hook raising: said here, detailed by test_no_hook_raises_on_valid_dossiers
                raise AssertionError(
                    f"un hook lève une exception au {as_of.isoformat()} : {type(exc).__name__}: {exc}{put.raised_at(exc)} "
                    f"(voir test_no_hook_raises_on_valid_dossiers).\nDossier en cause :\n{_toml(dossier)}"
                ) from None

        message = None
        try:
            run()
        except AssertionError as exc:
            message = str(exc)
        except BaseExceptionGroup as group:  # hypothesis found several distinct failures: show each, no traceback
            leaves = _leaves(group)
            if not all(isinstance(e, AssertionError) for e in leaves):
                raise
            message = f"{len(leaves)} problèmes distincts :\n\n" + "\n\n".join(str(e) for e in leaves)
        if message is not None:
            fail(message)

    def test_no_hook_raises_on_valid_dossiers(self, plugin_under_test: PluginUnderTest) -> None:
        """check, check_session, plan, decide and funding neither raise nor return the wrong type on valid dossiers."""
        import attrs

        from cqpkit.model import Constat, LigneFinancement, Parcours, Resultat
        from cqpkit.testing.strategies import sessions

        put = plugin_under_test
        reg = put.registry

        def body(ref: Referentiel, dossier: Dossier, day: dt.date, data: Any) -> None:
            session = data.draw(sessions(), label="session")
            session = attrs.evolve(session, session=attrs.evolve(session.session, certifications=(ref.id,), date=day))
            calls: list[tuple[str, Callable[[], Any], Callable[[Any], bool], str]] = [
                ("cqpkit_check_dossier", lambda: reg.check(dossier, day), lambda r: all(isinstance(c, Constat) for c in r), "une liste de Constat"),
                ("cqpkit_check_session", lambda: reg.check_session(session, [dossier]), lambda r: all(isinstance(c, Constat) for c in r), "une liste de Constat"),
                ("cqpkit_plan_parcours", lambda: reg.plan(dossier, day), lambda r: isinstance(r, Parcours), "un Parcours"),
                ("cqpkit_decide", lambda: reg.decide(dossier, day), lambda r: isinstance(r, Resultat), "un Resultat"),
                ("cqpkit_funding", lambda: reg.funding(dossier, day), lambda r: all(isinstance(x, LigneFinancement) for x in r), "une liste de LigneFinancement"),
            ]
            for hook, call, ok, expected in calls:
                try:
                    result = call()
                except HookReturnError as exc:  # the registry checks the type of each plugin's answer
                    raise AssertionError(
                        f"extension « {exc.plugin} » : {exc.raison}.\nDossier en cause (TOML, à copier dans un scénario "
                        f"pour reproduire) :\n{_toml(dossier)}"
                    ) from None
                except Exception as exc:
                    raise AssertionError(
                        f"{hook} lève une exception sur un dossier valide, au {day.isoformat()} : {type(exc).__name__}: {exc}"
                        f"{put.raised_at(exc)}\n"
                        "Un hook ne lève jamais sur une entrée valide : il renvoie des constats (Constat) ou None. "
                        f"Dossier en cause (TOML, à copier dans un scénario pour reproduire) :\n{_toml(dossier)}"
                    ) from None
                if not ok(result):
                    raise AssertionError(f"{hook} renvoie {_short(result)} au lieu d'{expected}.")

        self._run(put, body)

    def test_engine_is_deterministic(self, plugin_under_test: PluginUnderTest) -> None:
        """decide, check and funding give equal results when called twice on the same dossier and date."""
        reg = plugin_under_test.registry

        def body(ref: Referentiel, dossier: Dossier, day: dt.date, data: Any) -> None:
            for hook, call in (("cqpkit_decide", reg.decide), ("cqpkit_check_dossier", reg.check), ("cqpkit_funding", reg.funding)):
                first, second = call(dossier, day), call(dossier, day)
                if first != second:
                    raise AssertionError(
                        f"{hook} n'est pas déterministe : deux appels sur le même dossier au {day.isoformat()} donnent "
                        f"{_short(first)} puis {_short(second)}. Un hook ne dépend que du référentiel, du dossier et de la "
                        "date (ni de l'heure, ni du hasard, ni d'un état gardé entre deux appels).\n"
                        f"Dossier en cause :\n{_toml(dossier)}"
                    )

        self._run(plugin_under_test, body)

    def test_decide_is_monotonic(self, plugin_under_test: PluginUnderTest) -> None:
        """One more "acquis" decision never lowers the status nor shrinks the acquired domaines (a ladder, then generated dossiers)."""
        import attrs
        from hypothesis import strategies as st

        from cqpkit.model import CERTIFICATION_ENTIERE, PassageJury
        from cqpkit.testing import witness

        put = plugin_under_test
        reg = put.registry
        who = f"le hook cqpkit_decide de « {put.name} »" if "cqpkit_decide" in put.hooks() else "le moteur générique"

        def compare(before: Any, after: Any, added: PassageJury, dossier: Dossier, day: dt.date) -> None:
            rank_before, rank_after = _rank(before.statut), _rank(after.statut)
            lost = {a.domaine for a in before.acquis} - {a.domaine for a in after.acquis}
            if rank_after < rank_before or lost:
                (dom,) = added.decisions
                what = []
                if rank_after < rank_before:
                    what.append(f"le statut passe de « {before.statut} » à « {after.statut} »")
                if lost:
                    what.append(f"les domaines acquis perdent {', '.join(sorted(lost))}")
                raise AssertionError(
                    f"cqpkit_decide n'est pas monotone : au {day.isoformat()}, après l'ajout d'un passage du "
                    f"{added.date.isoformat()} qui déclare « {dom} » acquis, {' et '.join(what)}. Un acquis de plus ne "
                    f"doit jamais dégrader le résultat : corrigez {who}.\nDossier avant l'ajout :\n{_toml(dossier)}"
                )

        # A ladder: the domaines acquired one passage at a time.
        for ref, _ in _refs(put):
            passages = witness.ladder_passages(ref)
            day = (passages[-1].date if passages else witness.ladder_start(ref)) + dt.timedelta(days=1)
            message = None
            for k in range(len(passages)):
                before = witness.ladder_dossier(ref, passages[:k])
                after = witness.ladder_dossier(ref, passages[: k + 1])
                try:
                    compare(reg.decide(before, day), reg.decide(after, day), passages[k], before, day)
                except AssertionError as exc:
                    message = str(exc)
                    break
                except Exception as exc:
                    message = f"cqpkit_decide lève {type(exc).__name__}: {exc} (voir test_no_hook_raises_on_valid_dossiers)"
                    break
            if message is not None:
                fail(message)

        # Generated dossiers: one more attended passage, inserted in date order.
        def body(ref: Referentiel, dossier: Dossier, day: dt.date, data: Any) -> None:
            start = dossier.dossier.inscription
            when = data.draw(st.dates(start, max(start, day)), label="date du passage ajouté")
            # Without domaines, the jury decides on the whole certification (key CERTIFICATION_ENTIERE).
            keys = [d.id for d in ref.domaines] or [CERTIFICATION_ENTIERE]
            dom = data.draw(st.sampled_from(keys), label="domaine acquis")
            added = PassageJury(session="CONFORMITE-AJOUT", date=when, decisions={dom: "acquis"})
            ps = list(dossier.passages)
            index = sum(1 for p in ps if p.date <= when)
            longer = attrs.evolve(dossier, passages=(*ps[:index], added, *ps[index:]))
            compare(reg.decide(dossier, day), reg.decide(longer, day), added, dossier, day)

        self._run(put, body)

    def test_funding_is_non_negative_and_within_caps(self, plugin_under_test: PluginUnderTest) -> None:
        """No amount or quantity is negative; each line stays within the caps of the barème it uses."""
        from cqpkit.rules.asof import value_as_of

        put = plugin_under_test
        reg = put.registry
        eps = 1e-9

        def body(ref: Referentiel, dossier: Dossier, day: dt.date, data: Any) -> None:
            lines = reg.funding(dossier, day)
            if lines and put.declares(Capability.NO_FUNDING, ref.id):
                raise AssertionError(
                    f"{ref.id} déclare Capability.NO_FUNDING mais funding renvoie {len(lines)} ligne(s) "
                    f"({', '.join(x.code for x in lines)}) : retirez la capacité."
                )
            totals: dict[tuple[str, str], float] = {}
            for x in lines:
                problems = []
                if x.montant < 0:
                    problems.append(f"montant négatif ({x.montant})")
                if x.quantite < 0:
                    problems.append(f"quantité négative ({x.quantite})")
                fin = ref.financement.get(x.code)
                bareme = None
                if fin is not None:
                    bareme = next((v for v in fin.valeurs if v.depuis == x.depuis), None) or value_as_of(fin.valeurs, day)
                if bareme is not None:
                    if bareme.plafond_quantite is not None and x.quantite > bareme.plafond_quantite + eps:
                        problems.append(f"quantité {x.quantite} au-delà du plafond_quantite {bareme.plafond_quantite}")
                    if bareme.plafond_annuel is not None and x.montant > bareme.plafond_annuel + eps:
                        problems.append(f"montant {x.montant} au-delà du plafond_annuel {bareme.plafond_annuel}")
                    if bareme.plafond_montant is not None:
                        key = (x.code, x.notes)
                        totals[key] = totals.get(key, 0.0) + x.montant
                        if totals[key] > bareme.plafond_montant + eps:
                            problems.append(f"total {totals[key]} au-delà du plafond_montant {bareme.plafond_montant}")
                if problems:
                    raise AssertionError(
                        f"Ligne de financement « {x.code} » au {day.isoformat()} : {' ; '.join(problems)}. Un montant "
                        "n'est jamais négatif et respecte les plafonds du barème en vigueur : corrigez le barème ou le "
                        f"hook cqpkit_funding.\nLigne : {_short(x)}\nDossier en cause :\n{_toml(dossier)}"
                    )

        self._run(put, body)


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    """The exceptions of a (nested) exception group, in order."""
    out: list[BaseException] = []
    for exc in group.exceptions:
        out += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return out


def _rank(statut: str) -> int:
    from cqpkit.rules.decision import STATUTS

    if statut not in STATUTS:
        raise AssertionError(f"cqpkit_decide renvoie le statut inconnu « {statut} » (statuts possibles : {', '.join(STATUTS)}).")
    return STATUTS.index(statut)


def _toml(dossier: Dossier) -> str:
    from cqpkit.formats.dossiers import dump_dossier

    try:
        return dump_dossier(dossier)
    except Exception:  # a dossier tomli-w cannot write: show it as Python
        return repr(dossier)


# ------------------------------------------------------------------------------- scenarios
class ScenarioTests:
    """The plugin's scenario files all pass."""

    def test_scenarios_pass(self, plugin_under_test: PluginUnderTest, scenario_files: list[str]) -> None:
        """Every scenario file of the plugin gives the expected findings, result and funding."""
        from cqpkit.exceptions import CqpkitError, PluginError
        from cqpkit.scenarios import load_scenario, run_scenario

        put = plugin_under_test
        unavailable = sorted(set(put.declared) - set(put.certifications()))
        if unavailable:
            pytest.skip(
                f"certification(s) indisponible(s) : {', '.join(unavailable)} : voir test_referentiels_validate et "
                "test_supplies_declared_certifications"
            )
        declared = put.declares(Capability.NO_SCENARIOS)
        if not scenario_files:
            if declared:
                pytest.skip("non applicable (Capability.NO_SCENARIOS) : l'extension n'a pas de scénario")
            fail(
                f"Aucun scénario pour « {put.name} » : ajoutez des fichiers de scénario (docs/scenarios.md) dans le "
                "répertoire `scenarios/` du paquet de l'extension, ou déclarez Capability.NO_SCENARIOS."
            )
        if declared:
            fail(
                f"Capability.NO_SCENARIOS est déclarée mais {len(scenario_files)} scénario(s) existent "
                f"({scenario_files[0]}…) : retirez la capacité."
            )
        problems = []
        for path in scenario_files:
            try:
                outcome = run_scenario(load_scenario(path, put.registry), put.registry)
            except PluginError as exc:  # the scenario is fine: a hook raised or answered the wrong type
                problems.append(f"{path} : une extension échoue en jouant ce scénario : {exc}{put.raised_at(exc)}")
                continue
            except CqpkitError as exc:
                problems.append(f"{path} : scénario illisible ou invalide :\n{exc}")
                continue
            except Exception as exc:  # third-party code failing outside a hook call
                problems.append(f"{path} : exception en jouant ce scénario : {type(exc).__name__}: {exc}{put.raised_at(exc)}")
                continue
            if not outcome.ok:
                problems.append("\n".join([f"{path} — « {outcome.description} » :", *outcome.differences]))
        if problems:
            fail(
                f"{len(problems)} scénario(s) sur {len(scenario_files)} échouent : corrigez la règle, ou l'attendu du "
                "scénario s'il était faux (`cqpkit test FICHIER` pour le détail) :",
                problems,
            )


# ---------------------------------------------------------------------------------- all of it
class ConformanceSuite(PluginFixtures, PluginTests, ReferentielTests, EngineTests, ScenarioTests, DocumentTests):
    """The whole conformance suite. A plugin's test module subclasses it and sets ``plugin`` and ``certifications``::

        from cqpkit.testing import Capability, ConformanceSuite

        class TestConformite(ConformanceSuite):
            plugin = "ma_branche"
            certifications = ("ma-branche.agent",)
            capabilities = (Capability.NO_VAE,)
    """
