"""A new version of a stored dossier naming another candidate is refused, with the file, line and key (both engines).

Every row of a dossier (versions, evaluations, passages' notes) is encrypted with its candidate's key, which erasure
destroys: a dossier keeps its candidate. Before, such a file ended in « erreur interne : InvalidTag » when the dossier
had a passage already stored (its notes were decrypted with the new candidate's key).
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.test_store_support and used as parameters)

from __future__ import annotations

import json
import shutil

from tests.conftest import run_cli
from tests.test_store_support import CAMPAIGN, db  # noqa: F401

DOSSIER = CAMPAIGN / "dossiers" / "oemm-2014-0206.toml"  # candidate C-0206 (line 18), two passages with notes


def test_another_candidate_is_refused(db, tmp_path):
    lot = tmp_path / "a.toml"
    shutil.copy(DOSSIER, lot)
    first = run_cli("import", "--db", db, str(CAMPAIGN / "sessions"), str(lot))
    assert first.returncode == 0, first.stderr
    before = run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--json")
    assert before.returncode == 0, before.stderr
    text = lot.read_text("utf-8")
    assert text.splitlines()[17] == 'id = "C-0206"'
    lot.write_text(text.replace('id = "C-0206"', 'id = "C-9999"', 1), "utf-8")
    result = run_cli("import", "--db", db, str(lot))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "interne" not in result.stderr, result.stderr
    assert "rien n'a été enregistré" in result.stderr
    assert (
        f"{lot}:18: candidat.id: le dossier « OEMM-2014-0206 » est celui du candidat « C-0206 » dans la base : un dossier "
        "ne change pas de candidat (pour un autre candidat, importez-le sous un autre identifiant de dossier)"
    ) in result.stderr
    after = run_cli("dossier", "show", "OEMM-2014-0206", "--db", db, "--json")
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert run_cli("db", "verify", "--db", db).returncode == 0
