"""Issue 20, points 6 and 9, as a newcomer meets them.

- 6: a plugin author runs ``check`` / ``decide`` / ``funding`` / ``plan`` / ``explain`` on a failing
  scenario file: the dossier of the scenario is read (inline, or the file its ``dossier`` key names) and
  stderr says so, with the scenario's date.
- 9: ``explain`` never repeats a cap as a bare number; the command line follows one naming rule (English
  words, the domain's French nouns) with French aliases; an unknown dossier, session, candidate or
  personne id gets « vouliez-vous dire … ? »; the shell completion (argcomplete) proposes commands and
  French options.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_personnes import dossier_text, write
from tests.test_store_support import CAMPAIGN, db, registry  # noqa: F401 (fixtures)

SCENARIOS = ROOT / "plugins" / "cqp_mo" / "cqpkit_cqp_mo" / "scenarios"
#: An inline scenario whose funding lines are capped (45 h of tutor training, « dans la limite de 40 heures »).
CAPPED = SCENARIOS / "2016-formation-tuteur-45h-plafond-40h.toml"
VAE = ROOT / "examples" / "dossier-specialiste-prestations-vae.toml"


def _run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = run_cli(*args)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


# ------------------------------------------------------------------------- point 6
class TestScenarioAsDossier:
    """The dossier commands read the dossier part of a scenario file, and say so."""

    def test_inline_scenario_is_decided_and_said(self):
        result = _run("decide", str(CAPPED), "--as-of", "2018-06-01")
        assert "ce fichier est un scénario" not in result.stderr
        assert result.stdout.startswith("SCN-MO16-02 (secu.manager-operationnel 2016)")
        assert result.stderr == (
            f"scénario {CAPPED} : dossier lu depuis ses propres tables [dossier] "
            "(date du scénario : 01/06/2018 ; --as-of 2018-06-01 pour la reprendre)\n"
        )

    @pytest.mark.parametrize("command", ["check", "decide", "funding", "plan", "explain"])
    def test_every_dossier_command_reads_a_scenario(self, command):
        result = run_cli(command, str(CAPPED), "--as-of", "2018-06-01", "--json")
        assert result.returncode in (0, 1), result.stderr  # 1: a blocking finding, never an unreadable or invalid file
        data = json.loads(result.stdout)
        assert data["erreurs"] == [] and "dossier lu depuis" in result.stderr

    def test_scenario_naming_a_dossier_file(self, tmp_path):
        """`dossier = "dossiers/x.toml"`: the same output as the dossier file itself, the file named on stderr."""
        (tmp_path / "dossiers").mkdir()
        dossier = tmp_path / "dossiers" / "vae.toml"
        dossier.write_text(VAE.read_text(encoding="utf-8"), encoding="utf-8")
        scenario = tmp_path / "vae-scenario.toml"
        scenario.write_text(
            '[scenario]\ndescription = "VAE"\ndate = 2016-06-30\ndossier = "dossiers/vae.toml"\n\n[attendu]\nstatut = "certifie"\n',
            encoding="utf-8",
        )
        direct = _run("check", str(dossier), "--as-of", "2016-06-30")
        via = _run("check", str(scenario), "--as-of", "2016-06-30")
        assert via.stdout == direct.stdout and direct.stderr == ""
        assert via.stderr.startswith(f"scénario {scenario} : dossier lu depuis {tmp_path / 'dossiers' / 'vae.toml'} (date du scénario : 30/06/2016")

    def test_invalid_scenario_reports_every_error(self, tmp_path):
        """A scenario whose inline dossier is invalid: its errors with file and line, exit 1, not « pas un dossier »."""
        bad = tmp_path / "bad.toml"
        bad.write_text(CAPPED.read_text(encoding="utf-8").replace("[[formations]]", "[[formation]]", 1), encoding="utf-8")
        assert "[[formation]]" in bad.read_text(encoding="utf-8")
        result = _run("decide", str(bad), code=1)
        assert re.search(rf"{re.escape(str(bad))}:\d+: formation: clé inconnue \(vouliez-vous dire « formations » \?\)", result.stderr)
        assert "pas un dossier" not in result.stderr

    def test_other_kinds_are_still_refused(self, tmp_path):
        """A référentiel given as a dossier keeps its one clear error; a dossier's own errors are unchanged."""
        ref = ROOT / "plugins" / "cqp_mo" / "cqpkit_cqp_mo" / "referentiels" / "manager-operationnel-2016.toml"
        result = _run("check", str(ref), code=1)
        assert "pas un dossier" in result.stderr and "scénario" not in result.stderr
        broken = tmp_path / "broken.toml"
        broken.write_text(VAE.read_text(encoding="utf-8").replace("[dossier]", "[dossier]\nvoiee = 1", 1), encoding="utf-8")
        result = _run("check", str(broken), code=1)
        assert "dossier.voiee: clé inconnue" in result.stderr and "scénario" not in result.stderr


# ------------------------------------------------------------------------- point 9: caps
class TestExplainCaps:
    """`explain` shows each cap once, formatted with its unit (« 40 h », « 3 000,00 € »), never « plafond 40 »."""

    def test_capped_lines_state_the_cap_once(self):
        out = _run("explain", str(CAPPED), "--as-of", "2018-06-01").stdout
        assert "45 h, plafond de 40 h appliqué : 40 h × 15,00 €/h = 600,00 € ; barème" in out
        assert "12 mois, plafond de 6 mois appliqué : 6 mois × 230,00 €/mois = 1 380,00 € ; barème" in out
        assert not re.search(r"plafond \d", out), [line for line in out.splitlines() if re.search(r"plafond \d", line)]

    def test_every_bundled_scenario(self):
        """No funding line of any bundled scenario shows a bare cap."""
        seen = 0
        for path in sorted(SCENARIOS.glob("*.toml")):
            day = re.search(r"^date = (\S+)", path.read_text(encoding="utf-8"), re.M)
            assert day is not None, path
            out = run_cli("explain", str(path), "--as-of", day.group(1)).stdout
            seen += out.count("plafond")
            assert not re.search(r"plafond \d", out), path
        assert seen > 5  # the caps are there, stated with their units

    def test_a_cap_the_base_does_not_state(self):
        """A line whose text does not name its cap (a plugin's own line): the cap with its unit, French money format."""
        from cqpkit.model import LigneFinancement
        from cqpkit.render.text import plafond_txt

        def line(**kw: object) -> LigneFinancement:
            base = {"code": "x", "libelle": "X", "base": "45 h × 15,00 €/h", "quantite": 40.0, "unite": "heure", "taux": 15.0, "montant": 600.0}
            return LigneFinancement(**{**base, **kw})  # type: ignore[arg-type]

        assert plafond_txt(line(plafond=40.0)) == " ; plafond de 40 h"
        assert plafond_txt(line(plafond=3000.0, montant=3000.0, quantite=250.0)) == " ; plafond de 3 000,00 €"
        assert plafond_txt(line(plafond=180.0, montant=180.0, en="point", unite="mois_commence", quantite=48.0)) == " ; plafond de 180 points"
        assert plafond_txt(line(plafond=40.0, base="45 h, plafond de 40 h appliqué : 40 h × 15,00 €/h")) == ""
        assert plafond_txt(line()) == ""


# ------------------------------------------------------------------------- point 9: naming rule
#: The words of the command line, English (as the code's identifiers) …
ENGLISH = {
    "list", "show", "validate", "schema", "plugins", "check", "plan", "decide", "funding", "explain", "test", "new-plugin",
    "doc", "db", "init", "upgrade", "verify", "import", "open", "add", "close", "history", "report", "deadlines",
    "campaign", "candidate", "export", "erase", "document", "user", "disable", "token", "revoke",
    "--help", "--debug", "--version", "--json", "--as-of", "--short", "--dest", "--expect", "--db", "--date",
    "--within", "--output", "--confirm", "--force", "--path", "--verbose", "--quiet", "--large", "--anonymous",
    "--id", "--format", "moodle",  # moodle: the LMS's own name (cqpkit export moodle)
    "credential", "keygen", "issue", "--key", "--public-key", "--config", "--issuer-id", "--issuer-name",
    "--issuer-url", "--issuer-email",
    "--role", "--name", "--password", "--password-stdin", "--label", "--expires",
    "serve", "--host", "--port", "--workers", "--public-engine", "--max-body", "--max-dossiers", "--timeout", "--openapi",
    "refresh", "recount", "--refresh", "--batch", "--after", "--status", "--limit", "--jobs",
}
#: … or a noun of the domain, French as in the files and the glossary (an option named after the key it fills).
DOMAIN = {
    "jury", "dossier", "personne", "--session", "--historique", "--certification", "--intitule", "--operateur",
    # France Compétences' register and its fiches (cqpkit rncp import --fiche RNCP1796); the template of a dossier
    # table, named as the issue and the operators name it (cqpkit export modele-dossiers).
    "rncp", "--fiche", "modele-dossiers",
    "--membre", "--president", "--precedente", "--lieu", "--absent", "--excuse", "--present", "--motif", "--candidat",
}


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """(command path, canonical name, its other spellings) of every command and option under ``parser``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: dict[int, list[str]] = {}
            for name, sub in action.choices.items():
                seen.setdefault(id(sub), []).append(name)
            for names in seen.values():
                sub = action.choices[names[0]]
                yield path, names[0], tuple(names[1:])
                yield from _walk(sub, (*path, names[0]))
        elif action.option_strings:  # the long spellings (-h, -o: short forms of --help, --output)
            longs = [o for o in action.option_strings if o.startswith("--")]
            yield path, longs[0], tuple(longs[1:])


def _full_tree():  # type: ignore[no-untyped-def]
    from cqpkit.cli import COMMANDS, build_parser

    for command in COMMANDS:
        top = build_parser(command)
        choices = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices
        yield (), command, tuple(n for n, p in choices.items() if p is choices[command] and n != command)
        yield from _walk(choices[command], (command,))


class TestNamingRule:
    """README « Command line »: one rule, checked on every command and option the parser has."""

    def test_every_command_and_option_follows_the_rule(self):
        from cqpkit.cli import COMMAND_ALIASES, OPTION_ALIASES

        tree = list(_full_tree())
        assert len(tree) > 100
        strange = [(" ".join(p), name) for p, name, _ in tree if name not in ENGLISH | DOMAIN]
        assert strange == [], "neither English nor a domain noun: add an English name (the French one as an alias), or classify it here"
        for path, name, others in tree:
            if name.startswith("-"):
                expected = {OPTION_ALIASES[name]} if name in OPTION_ALIASES else set()
                assert set(others) == expected, (path, name, others)
            else:
                assert others == COMMAND_ALIASES.get(path, {}).get(name, ()), (path, name, others)
        # each alias table entry names something the parser has
        names = {(p, n) for p, n, _ in tree}
        assert all((path, name) in names for path, table in COMMAND_ALIASES.items() for name in table)
        assert {n for _, n, _ in tree} >= set(OPTION_ALIASES)

    def test_help_shows_both_spellings(self):
        help_text = _run("candidate", "erase", "--help").stdout
        assert "--confirm, --confirmer" in help_text
        actions = _run("jury", "--help").stdout
        assert "open (ouvrir)" in actions and "close (clore)" in actions
        assert "candidate (candidat)" in _run("--help").stdout

    def test_french_and_english_spellings_parse_alike(self):
        from cqpkit.cli import build_parser

        english = build_parser("candidate").parse_args(["candidate", "erase", "C-0101", "--confirm"])
        french = build_parser("candidate").parse_args(["candidat", "effacer", "C-0101", "--confirmer"])
        assert english.func is french.func and english.confirmer is french.confirmer is True
        closing = build_parser("jury").parse_args(["jury", "clore", "S-1", "--forcer"])
        assert closing.forcer is True and closing.func.__name__ == "cmd_jury_close"
        assert build_parser("show").parse_args(["show", "x", "--short"]).court is True


# ------------------------------------------------------------------------- point 9: unknown ids
class TestUnknownIds:
    """An id one character off gets « vouliez-vous dire … ? »; an id close to nothing gets no guess."""

    def test_near_matches(self, db, tmp_path):
        _run("import", "--db", db, str(CAMPAIGN), "--operateur", "test")
        _run("import", "--db", db, write(tmp_path / "p", "p.toml", dossier_text("I410-2017-0101", "2017-01-01", "2017-12-31")))
        cases = [
            (("dossier", "show", "OEMM-2014-206"), "dossier « OEMM-2014-206 » inconnu", "OEMM-2014-0206"),
            (("dossier", "history", "OEMM-2014-206"), "dossier « OEMM-2014-206 » inconnu", "OEMM-2014-0206"),
            (("jury", "show", "OEMM-JURY-2019-3"), "session de jury « OEMM-JURY-2019-3 » inconnue", "OEMM-JURY-2019-03"),
            (("candidate", "export", "C-207"), "candidat « C-207 » inconnu", "C-0207"),
            (("candidat", "effacer", "C-207", "--confirmer"), "candidat « C-207 » inconnu", "C-0207"),
            (("personne", "show", "T-042"), "personne « T-042 » inconnue", "T-0042"),
        ]
        for args, head, near in cases:
            err = _run(*args, "--db", db, code=1).stderr
            assert head in err and f"vouliez-vous dire « {near} » ?" in err, (args, err)
        far = _run("dossier", "show", "ZZZ", "--db", db, code=1).stderr
        assert "dossier « ZZZ » inconnu" in far and "vouliez-vous dire" not in far
        # presenting a misspelt dossier at an open session: each unknown id with its guess, nothing stored
        _run("jury", "ouvrir", "OEMM-JURY-2020-01", "--date", "2020-01-10", "--certification", "secu.manager-operationnel", "--db", db)
        err = _run("jury", "add", "OEMM-JURY-2020-01", "OEMM-2018-204", "QQQ", "--db", db, code=1).stderr
        assert "dossier « OEMM-2018-204 » inconnu" in err and "vouliez-vous dire « OEMM-2018-0204 » ?" in err
        assert "dossier « QQQ » inconnu" in err
        shown = json.loads(_run("jury", "show", "OEMM-JURY-2020-01", "--db", db, "--json").stdout)
        assert shown["candidats"] == []


# ------------------------------------------------------------------------- point 9: completion
class TestCompletion:
    """`eval "$(register-python-argcomplete cqpkit)"`: the shell runs cqpkit with argcomplete's variables."""

    def _complete(self, tmp_path: Path, line: str) -> list[str]:
        out = tmp_path / "completions.txt"
        env = {"_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\v", "COMP_LINE": line, "COMP_POINT": str(len(line)), "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
        result = run_cli(env=env)
        assert result.returncode == 0 and result.stdout == "", (result.stdout, result.stderr)
        return out.read_text(encoding="utf-8").split("\v")

    def test_commands_actions_and_french_options(self, tmp_path):
        assert {"check", "decide", "candidate", "candidat", "jury"} <= set(self._complete(tmp_path, "cqpkit "))
        assert self._complete(tmp_path, "cqpkit ju") == ["jury "]
        assert {"open", "ouvrir", "close", "clore"} <= set(self._complete(tmp_path, "cqpkit jury "))
        assert set(self._complete(tmp_path, "cqpkit jury open --p")) == {"--president", "--precedente"}
        assert set(self._complete(tmp_path, "cqpkit candidat effacer --co")) == {"--confirm", "--confirmer"}
        assert "--as-of" in self._complete(tmp_path, "cqpkit decide --")
        assert {"campaign", "campagne"} <= set(self._complete(tmp_path, "cqpkit rapport "))

    def test_ordinary_commands_do_not_load_argcomplete(self):
        """`cqpkit list` stays light: argcomplete is imported only when the shell asks for a completion."""
        import sys

        probe = "import sys, cqpkit.cli; cqpkit.cli.main(['list']); print('argcomplete' in sys.modules)"
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stdout.strip().splitlines()[-1] == "False", result.stderr
