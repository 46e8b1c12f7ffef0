"""The data the papers' templates receive hold to their documented, versioned JSON Schema (papiers.schema.json).

Real data: every convocation, PV and notification of the five campaign sessions, every attestation and certificate
they call for, the funding statements of each dossier and of the campaign; and, from the store (both engines), a PV
with the audit head and a correction. Each datum matches its own kind's definition and that one only.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_store_support import campaign_store, db, registry, store  # noqa: F401 (fixtures)

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (extra [test]) valide les données des modèles")

SCHEMA = json.loads((ROOT / "core/cqpkit/documents/papiers.schema.json").read_text(encoding="utf-8"))
CAMPAIGN = ROOT / "examples" / "campaign"
PAPERS = ("convocation", "proces-verbal", "notification", "attestation", "certificat", "etat-financement")


def check(kind: str, data: Any) -> None:
    """``data`` (as the template reads it: through JSON) follows ``kind``'s definition, and no other kind's."""
    data = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    jsonschema.Draft202012Validator({**SCHEMA, "oneOf": [{"$ref": f"#/$defs/{kind}"}]}).validate(data)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)  # oneOf: its kind only


def campaign_data() -> dict[str, list[Any]]:
    from cqpkit import load_registry
    from cqpkit.documents import builder
    from cqpkit.documents.awards import NotAwarded
    from cqpkit.formats.dossiers import load_dossier, load_session

    reg = load_registry()
    dossiers = [load_dossier(p, reg) for p in sorted((CAMPAIGN / "dossiers").glob("*.toml"))]
    out: dict[str, list[Any]] = {k: [] for k in PAPERS}
    for path in sorted((CAMPAIGN / "sessions").glob("*.toml")):
        session = load_session(path, reg)
        for kind in ("convocation", "proces-verbal", "notification"):
            made = builder(kind)(reg, session, dossiers, None)
            out[kind] += [d.data for d in (made if isinstance(made, list) else [made])]
        for kind in ("attestation", "certificat"):
            for d in dossiers:
                try:
                    out[kind].append(builder(kind)(reg, d, session.session.date).data)
                except NotAwarded:
                    continue
    out["etat-financement"] = [builder("etat-financement")(reg, [d], dt.date(2021, 1, 1)).data for d in dossiers]
    out["etat-financement"].append(builder("etat-financement")(reg, dossiers, dt.date(2021, 1, 1)).data)
    return out


def test_the_schema_is_a_valid_draft_2020_12_schema_with_one_definition_per_paper() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert [r["$ref"] for r in SCHEMA["oneOf"]] == [f"#/$defs/{k}" for k in PAPERS]
    from cqpkit.documents.papers import FORMAT

    assert all(SCHEMA["$defs"][k]["properties"]["format"]["const"] == FORMAT for k in PAPERS)


def test_the_campaigns_papers_follow_the_schema() -> None:
    """82 data of the campaign: each kind present (5 PVs, a convocation and notification per candidate presented)."""
    data = campaign_data()
    assert len(data["proces-verbal"]) == 5
    assert len(data["convocation"]) == len(data["notification"]) >= 5
    assert data["attestation"] and data["certificat"]
    for kind, datas in data.items():
        for d in datas:
            assert d["format"] == 1
            check(kind, d)


def test_a_missing_or_unknown_key_is_refused() -> None:
    """The schema is closed: a template can rely on every key it documents, and only on those."""
    pv = campaign_data()["proces-verbal"][0]
    with pytest.raises(jsonschema.ValidationError):
        check("proces-verbal", {k: v for k, v in pv.items() if k != "colleges"})
    with pytest.raises(jsonschema.ValidationError):
        check("proces-verbal", {**pv, "inconnue": ""})


def test_a_stored_pv_with_its_audit_head_and_a_correction(db, campaign_store, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """From the store: the audit head and a correction with its motive fill `audit` and `corrections` as documented."""
    pytest.importorskip("typst", reason="le compilateur Typst (extra [documents]) n'est pas installé")
    from cqpkit.documents import typst as typst_layer

    seen: list[Any] = []
    real = typst_layer.Renderer.render

    def spy(self: Any, doc: Any, **kw: Any) -> bytes:
        seen.append(doc)
        return real(self, doc, **kw)

    monkeypatch.setattr(typst_layer.Renderer, "render", spy)
    campaign_store.decide("OEMM-JURY-2019-03", "OEMM-2018-0203", {"D4": "acquis"}, "test", motif="Erreur de saisie (fictive)")
    result = run_cli("document", "proces-verbal", "--db", db, "--session", "OEMM-JURY-2019-03", "-o", str(tmp_path / "pv.pdf"))
    assert result.returncode == 0, result.stderr
    (doc,) = seen
    check("proces-verbal", doc.data)
    assert doc.data["audit"] is not None and len(doc.data["audit"]["empreinte"]) == 64
    lines = [c for r in doc.data["candidats"] for c in r["corrections"]]
    assert [c["motif"] for c in lines] == ["Erreur de saisie (fictive)"]
