"""Plugin-owned keys: ``[extensions.<plugin>]`` tables validated by the plugin's ``CQPKIT_EXTENSION`` class."""

from __future__ import annotations

import json
import types

import pytest
from attrs import frozen
from cqpkit import hookimpl, load_registry
from cqpkit.exceptions import InvalidFileError
from cqpkit.formats.referentiels import loads_referentiel
from cqpkit.formats.schema import json_schema
from cqpkit_cqp_mo.extension import ExtensionCqpMo

from tests.conftest import ROOT, run_cli

BLOCS = ROOT / "plugins" / "cqp_mo" / "cqpkit_cqp_mo" / "referentiels" / "manager-operationnel-blocs.toml"
TABLE = '[extensions.cqp_mo]\nmodule_conseille_en_premier = "transverse"\n'


def _with_table(tmp_path, table: str):
    """The bloc version, its [extensions.cqp_mo] table replaced by ``table``; (path, line of the table's header)."""
    text = BLOCS.read_text(encoding="utf-8")
    head = text[: text.index("# Keys only the cqp_mo plugin reads")]
    path = tmp_path / "blocs.toml"
    path.write_text(head + table, encoding="utf-8")
    return path, head.count("\n") + 1


def _validate(path):
    result = run_cli("validate", str(path), "--json")
    return result.returncode, json.loads(result.stdout)["fichiers"][0]


class TestValidTable:
    def test_bundled_file_gives_the_structured_object(self):
        """The hooks get the plugin's class, not a raw table."""
        ref = load_registry().referentiel("secu.manager-operationnel", "blocs")
        ext = ref.extension("cqp_mo")
        assert isinstance(ext, ExtensionCqpMo)
        assert ext.module_conseille_en_premier == "transverse"
        assert ref.module("transverse").type == "transverse"  # the id names a module of the file
        assert ref.extension("mutualite") is None

    def test_version_2016_has_no_table(self):
        """« Il est fortement conseillé de débuter le parcours de formation par ce module » concerns the bloc version only."""
        assert load_registry().referentiel("secu.manager-operationnel", "2016").extension("cqp_mo") is None

    def test_validate_accepts_it(self, tmp_path):
        path, _ = _with_table(tmp_path, TABLE)
        code, out = _validate(path)
        assert (code, out["valide"], out["version"]) == (0, True, "blocs")


class TestInvalidTable:
    def test_wrong_type_and_unknown_key_all_at_once(self, tmp_path):
        """Same converter, same path-first French messages, every error at once."""
        path, line = _with_table(tmp_path, "[extensions.cqp_mo]\nmodule_conseille_en_premier = 3\nmodule_conseille = \"x\"\n")
        code, out = _validate(path)
        assert code == 1
        got = {(e["ligne"], e["chemin"], e["message"]) for e in out["erreurs"]}
        assert got == {
            (line + 1, "extensions.cqp_mo.module_conseille_en_premier", "type incorrect : attendu un texte, trouvé un entier (3)"),
            (line + 2, "extensions.cqp_mo.module_conseille", "clé inconnue (vouliez-vous dire « module_conseille_en_premier » ?)"),
        }

    def test_text_output_names_file_line_and_key(self, tmp_path):
        path, line = _with_table(tmp_path, "[extensions.cqp_mo]\nmodule_conseille_en_premier = true\n")
        result = run_cli("validate", str(path))
        assert result.returncode == 1
        assert (
            f"{path}:{line + 1}: extensions.cqp_mo.module_conseille_en_premier: type incorrect : attendu un texte, "
            "trouvé un booléen (true)"
        ) in result.stdout + result.stderr

    def test_unknown_plugin_names_the_close_name(self, tmp_path):
        path, line = _with_table(tmp_path, TABLE.replace("cqp_mo", "cqp_m0"))
        code, out = _validate(path)
        assert code == 1
        [e] = out["erreurs"]
        assert (e["ligne"], e["chemin"]) == (line, "extensions.cqp_m0")
        assert e["message"] == (
            "extension « cqp_m0 » inconnue : aucune extension chargée ne porte ce nom (extensions à table : cqp_mo) ; "
            "vouliez-vous dire « cqp_mo » ?"
        )

    def test_plugin_without_class(self, tmp_path):
        path, line = _with_table(tmp_path, "[extensions.mutualite]\nx = 1\n")
        code, out = _validate(path)
        assert code == 1
        [e] = out["erreurs"]
        assert (e["ligne"], e["chemin"]) == (line, "extensions.mutualite")
        assert e["message"] == "l'extension « mutualite » ne déclare pas de table [extensions.mutualite] (pas de CQPKIT_EXTENSION)"

    def test_loader_given_no_class_refuses_the_table(self):
        """An explicit empty mapping (no plugin loaded): the table is unknown, not ignored."""
        text = BLOCS.read_text(encoding="utf-8")
        with pytest.raises(InvalidFileError) as info:
            loads_referentiel(text, "blocs.toml", extensions={})
        assert [e.chemin for e in info.value.erreurs] == ["extensions.cqp_mo"]


class TestSchemaFragment:
    def test_fragment_under_the_plugin_name(self):
        schema = json_schema("referentiel", {"cqp_mo": ExtensionCqpMo, "mutualite": None})
        ext = schema["properties"]["extensions"]
        assert ext["properties"] == {"cqp_mo": {"$ref": "#/$defs/ExtensionCqpMo"}}
        assert ext["additionalProperties"] is False
        fragment = schema["$defs"]["ExtensionCqpMo"]
        assert fragment["properties"]["module_conseille_en_premier"] == {"type": "string", "maxLength": 30_000}  # formats.limits.TEXTE
        assert fragment["additionalProperties"] is False

    def test_no_plugin_no_table(self):
        assert json_schema("referentiel", {})["properties"]["extensions"]["properties"] == {}

    def test_checked_in_schema_carries_the_bundled_fragment(self):
        data = json.loads((ROOT / "referentials" / "referentiel.schema.json").read_text(encoding="utf-8"))
        assert data["properties"]["extensions"]["properties"] == {"cqp_mo": {"$ref": "#/$defs/ExtensionCqpMo"}}


@frozen(kw_only=True)
class _Seuil:
    """Test extension."""

    seuil: int


class TestThirdPartyPlugin:
    def test_hook_receives_its_object(self, tmp_path):
        """A plugin declaring CQPKIT_EXTENSION gets its structured table in its référentiel."""
        ref_path = tmp_path / "ref.toml"
        ref_path.write_text(
            '[certification]\nid = "test.ext"\nintitule = "Test"\nbranche = "test"\ncertificateur = "Test"\nversion = "1"\n'
            "[extensions.essai]\nseuil = 4\n",
            encoding="utf-8",
        )

        @hookimpl
        def cqpkit_referentiels(register):
            register(str(ref_path))

        plugin = types.ModuleType("essai")
        plugin.cqpkit_referentiels = cqpkit_referentiels
        plugin.CQPKIT_EXTENSION = _Seuil
        registry = load_registry(plugins=[("essai", plugin)], cache=False)
        assert [f.plugin for f in registry.failures] == []
        assert registry.referentiel("test.ext").extension("essai") == _Seuil(seuil=4)

    def test_not_an_attrs_class_is_a_failure(self):
        plugin = types.ModuleType("essai")
        plugin.CQPKIT_EXTENSION = dict
        registry = load_registry(plugins=[("essai", plugin)], cache=False)
        assert [(f.plugin, f.raison) for f in registry.failures] == [
            ("essai", "CQPKIT_EXTENSION doit être une classe attrs, pas type ; ignoré")
        ]
        assert registry.extension_classes()["essai"] is None
