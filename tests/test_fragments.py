"""Référentiel fragments: ``extends``, the merge rules, their errors, and the registry cache."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import cqpkit
import pytest
from cqpkit import hookimpl
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.fragments import merge
from cqpkit.formats.referentiels import load_referentiel
from cqpkit.formats.tomlfile import parse_toml

from tests.conftest import ROOT, run_cli

CERTIFICATION = """\
[certification]
id = "demo.essai"
intitule = "CQP d'essai"
branche = "demo"
certificateur = "Commission d'essai"
version = "1"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def merged(*texts: str) -> dict:
    """The tables of the given TOML texts merged left to right."""
    merger_input = [(doc, dict(doc.data)) for doc in (parse_toml(t, f"f{i}.toml") for i, t in enumerate(texts))]
    return merge(merger_input).data


def errors(path: Path) -> list[str]:
    with pytest.raises(InvalidFileError) as info:
        load_referentiel(path)
    return [str(e) for e in info.value.erreurs]


class TestMergeRules:
    """Each rule of referentials/README.md « extends », on both sides."""

    def test_tables_merge_key_by_key(self):
        assert merged("[a]\nx = 1\n", "[a]\ny = 2\n") == {"a": {"x": 1, "y": 2}}

    def test_equal_values_given_twice_are_kept_once(self):
        assert merged("[a]\nx = 1\n", "[a]\nx = 1\n") == {"a": {"x": 1}}

    def test_lists_of_tables_merge_on_id(self):
        """Same id: merged, earlier order kept; a new id is appended."""
        a = '[[v]]\nid = "b"\nx = 1\n[[v]]\nid = "a"\n'
        b = '[[v]]\nid = "a"\ny = 2\n[[v]]\nid = "c"\n[[v]]\nid = "b"\nz = 3\n'
        assert merged(a, b) == {"v": [{"id": "b", "x": 1, "z": 3}, {"id": "a", "y": 2}, {"id": "c"}]}

    def test_lists_without_ids_concatenate_without_repeats(self):
        assert merged("l = [1, 2]\n", "l = [2, 3]\n") == {"l": [1, 2, 3]}
        # A list of tables of which one has no id is an ordinary list.
        assert merged('l = [{ id = "a" }]\n', "l = [{ x = 1 }]\n") == {"l": [{"id": "a"}, {"x": 1}]}

    def test_notes_join_with_a_blank_line(self):
        assert merged('[a]\nnotes = "un"\n', '[a]\nnotes = "deux"\n') == {"a": {"notes": "un\n\ndeux"}}
        assert merged('[a]\nnotes = ""\n', '[a]\nnotes = "deux"\n') == {"a": {"notes": "deux"}}

    def test_other_text_given_twice_is_a_conflict_not_a_join(self):
        doc = merge([(d, dict(d.data)) for d in (parse_toml('[a]\nnote = "un"\n', "a.toml"),
                                                 parse_toml('[a]\nnote = "deux"\n', "b.toml"))])  # fmt: skip
        assert [e.message.startswith("valeur en conflit avec a.toml:2") for e in doc._merger.errors] == [True]

    def test_gabarits_give_defaults_to_epreuves_of_their_types(self, tmp_path):
        """The épreuve of a listed type without evaluateurs gets them; one that sets them, or of another type, does not."""
        frag = write(tmp_path, "f.toml", """\
            [_gabarits.entreprise]
            types = ["finale_entreprise"]
            evaluateurs = { nombre = 2, distincts = true }
            """)  # fmt: skip
        path = write(tmp_path, "r.toml", f"""\
            extends = ["{frag.name}"]
            {CERTIFICATION.replace(chr(10), chr(10) + " " * 12)}
            [[epreuves]]
            id = "E1"
            intitule = "Finale"
            type = "finale_entreprise"

            [[epreuves]]
            id = "E2"
            intitule = "Finale propre"
            type = "finale_entreprise"
            evaluateurs = {{ nombre = 3 }}

            [[epreuves]]
            id = "E3"
            intitule = "Entretien"
            type = "certifiante"
            """)  # fmt: skip
        r = load_referentiel(path)
        nombres = [(e.id, e.evaluateurs.nombre if e.evaluateurs else None) for e in r.epreuves]
        assert nombres == [("E1", 2), ("E2", 3), ("E3", None)]


class TestErrors:
    """Missing fragment, conflict, cycle, and errors located in the fragment that wrote the key."""

    def test_conflict_names_both_places(self, tmp_path):
        write(tmp_path, "branche.toml", '[jury]\nvalidite_acquis_partiels = "P5Y"\n')
        write(tmp_path, "cqp.toml", '# commentaire\n[jury]\nvalidite_acquis_partiels = "P6Y"\n')
        path = write(tmp_path, "r.toml", 'extends = ["branche.toml", "cqp.toml"]\n' + CERTIFICATION)
        (message,) = errors(path)
        assert message.startswith(
            f"{tmp_path / 'cqp.toml'}:3: jury.validite_acquis_partiels: valeur en conflit avec {tmp_path / 'branche.toml'}:2"
        )

    def test_file_itself_conflicts_with_its_fragment(self, tmp_path):
        """The file is merged last: it cannot override a fragment either."""
        write(tmp_path, "branche.toml", '[certification]\nversion = "2"\n')
        path = write(tmp_path, "r.toml", 'extends = ["branche.toml"]\n' + CERTIFICATION)
        (message,) = errors(path)
        assert message.startswith(
            f"{path}:7: certification.version: valeur en conflit avec {tmp_path / 'branche.toml'}:2"
        )

    def test_missing_fragment(self, tmp_path):
        path = write(tmp_path, "r.toml", 'extends = [\n  "ok.toml",\n  "absent.toml",\n]\n' + CERTIFICATION)
        write(tmp_path, "ok.toml", "")
        (message,) = errors(path)
        assert message.startswith(f"{path}:3: extends[1]: fragment illisible : ")
        assert "absent.toml : fichier introuvable" in message

    def test_extends_not_a_list_of_texts(self, tmp_path):
        path = write(tmp_path, "r.toml", 'extends = "branche.toml"\n' + CERTIFICATION)
        assert errors(path) == [f"{path}:1: extends: liste de chemins de fragments (textes) attendue"]

    def test_cycle(self, tmp_path):
        write(tmp_path, "a.toml", 'extends = ["b.toml"]\n')
        write(tmp_path, "b.toml", 'extends = ["a.toml"]\n')
        path = write(tmp_path, "r.toml", 'extends = ["a.toml"]\n' + CERTIFICATION)
        (message,) = errors(path)
        assert message == f"{tmp_path / 'b.toml'}:1: extends[0]: fragments en cycle : a.toml → b.toml → a.toml"

    def test_file_extending_itself_is_a_cycle(self, tmp_path):
        path = write(tmp_path, "r.toml", 'extends = ["r.toml"]\n' + CERTIFICATION)
        assert errors(path) == [f"{path}:1: extends[0]: fragments en cycle : r.toml → r.toml"]

    def test_fragment_syntax_error_is_reported_in_the_fragment(self, tmp_path):
        write(tmp_path, "f.toml", "[jury\n")
        path = write(tmp_path, "r.toml", 'extends = ["f.toml"]\n' + CERTIFICATION)
        (message,) = errors(path)
        assert message.startswith(f"{tmp_path / 'f.toml'}:1: syntaxe TOML invalide")

    def test_error_of_a_key_from_a_fragment_has_the_fragments_line(self, tmp_path):
        """A référentiel error on a key a fragment wrote points at that fragment's line; the file's own at its own."""
        write(tmp_path, "sub/f.toml", '[certification]\nbranche = "demo"\n\n[jury]\nsouverain = "oui"\n')
        path = write(
            tmp_path,
            "r.toml",
            'extends = ["sub/f.toml"]\n' + CERTIFICATION.replace('branche = "demo"\n', "") + "inconnue = 1\n",
        )
        found = errors(path)
        assert f"{tmp_path / 'sub' / 'f.toml'}:5: jury.souverain: type incorrect" in found[0]
        assert any(e.startswith(f"{path}:7: certification.inconnue: clé inconnue") for e in found)

    def test_cli_validate_reports_both_files_exit_1(self, tmp_path):
        write(tmp_path, "branche.toml", '[jury]\nvalidite_acquis_partiels = "P5Y"\n')
        write(tmp_path, "cqp.toml", '[jury]\nvalidite_acquis_partiels = "P6Y"\n')
        path = write(tmp_path, "r.toml", 'extends = ["branche.toml", "cqp.toml"]\n' + CERTIFICATION)
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert "cqp.toml:2: jury.validite_acquis_partiels: valeur en conflit avec" in result.stderr
        assert "Traceback" not in result.stderr


class TestMutualite:
    """The five Mutualité référentiels, now made of fragments, equal those generated before (tests/data)."""

    BEFORE = ROOT / "tests" / "data" / "mutualite-generes-2014"
    NOW = ROOT / "plugins" / "mutualite" / "cqpkit_mutualite" / "referentiels"

    @pytest.mark.parametrize(
        "name",
        [
            "assistant-commercial-2014.toml",
            "charge-accueil-relation-clients-2014.toml",
            "conseiller-mutualiste-2014.toml",
            "specialiste-prestations-2014.toml",
            "teleconseiller-2014.toml",
        ],
    )
    def test_equal_to_the_generated_files(self, name):
        assert load_referentiel(self.NOW / name) == load_referentiel(self.BEFORE / name)

    def test_five_files(self):
        assert sorted(p.name for p in self.NOW.glob("*.toml")) == sorted(p.name for p in self.BEFORE.glob("*.toml"))


class _Files:
    def __init__(self, *paths: Path) -> None:
        self.paths = paths

    @hookimpl
    def cqpkit_referentiels(self, register):
        for p in self.paths:
            register(p)


class TestCache:
    """The registry's validation cache keys on the fragments' contents too."""

    def test_fragment_edit_invalidates(self, tmp_path, monkeypatch):
        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
        frag = write(tmp_path, "frag/base.toml", '[certification]\nintitule = "Premier titre"\n')
        cert = CERTIFICATION.replace('intitule = "CQP d\'essai"\n', "")
        inner = write(tmp_path, "frag/milieu.toml", 'extends = ["base.toml"]\n')
        path = write(tmp_path, "r.toml", 'extends = ["frag/milieu.toml"]\n' + cert)
        plugin = [("p", _Files(path))]
        assert cqpkit.load_registry(plugins=plugin).fiches()[0].intitule == "Premier titre"
        assert (tmp_path / "cache" / "referentiels-v1.json").exists()
        # Same size and time stamp kept: only the content (CRC) of the fragment of a fragment changes.
        stat = frag.stat()
        frag.write_text('[certification]\nintitule = "Second titre"\n', encoding="utf-8")
        os.utime(frag, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert cqpkit.load_registry(plugins=plugin).fiches()[0].intitule == "Second titre"
        assert inner.exists()

    def test_unchanged_fragments_are_served_from_the_cache(self, tmp_path, monkeypatch):
        """The other side: nothing changed, the cached summary is used (tampered title comes back)."""
        import json

        monkeypatch.setenv("CQPKIT_LOAD_PLUGINS", "")
        monkeypatch.setenv("CQPKIT_CACHE_DIR", str(tmp_path / "cache"))
        write(tmp_path, "base.toml", CERTIFICATION)
        path = write(tmp_path, "r.toml", 'extends = ["base.toml"]\n')
        plugin = [("p", _Files(path))]
        cqpkit.load_registry(plugins=plugin)
        cache = tmp_path / "cache" / "referentiels-v1.json"
        data = json.loads(cache.read_text(encoding="utf-8"))
        (entry,) = data["entries"].values()
        entry["summary"]["intitule"] = "Titre du cache"
        cache.write_text(json.dumps(data), encoding="utf-8")
        assert cqpkit.load_registry(plugins=plugin).fiches()[0].intitule == "Titre du cache"


def test_gabarit_key_unknown_to_epreuve_is_reported_at_the_gabarit(tmp_path):
    """A gabarit key that Epreuve does not have: one error per épreuve that got it, at the gabarit's line."""
    frag = write(tmp_path, "f.toml", '[_gabarits.x]\ntypes = ["synthese"]\ninconnue = 1\n')
    epreuve = '\n[[epreuves]]\nid = "E1"\nintitule = "Synthèse"\ntype = "synthese"\n'
    path = write(tmp_path, "r.toml", f'extends = ["{frag.name}"]\n' + CERTIFICATION + epreuve)
    assert [e.partition(" (")[0] for e in errors(path)] == [f"{frag}:3: epreuves[0].inconnue: clé inconnue"]
