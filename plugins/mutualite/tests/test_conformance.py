"""The cqpkit conformance suite on the bundled plugin ``mutualite``: the lines a third-party plugin writes."""

from pathlib import Path
from typing import ClassVar

from cqpkit.testing import Capability, ConformanceSuite

ROOT = Path(__file__).resolve().parents[3]


class TestConformite(ConformanceSuite):
    """Every conformance check on ``mutualite``."""

    plugin = "mutualite"
    certifications = (
        "mutualite.assistant-commercial",
        "mutualite.charge-accueil-relation-clients",
        "mutualite.conseiller-mutualiste",
        "mutualite.specialiste-prestations",
        "mutualite.teleconseiller",
    )
    # The guides of these four CQPs lack their référentiels de compétences (complet = false).
    capabilities: ClassVar = {
        "mutualite.assistant-commercial": (Capability.INCOMPLETE,),
        "mutualite.charge-accueil-relation-clients": (Capability.INCOMPLETE,),
        "mutualite.conseiller-mutualiste": (Capability.INCOMPLETE,),
        "mutualite.teleconseiller": (Capability.INCOMPLETE,),
    }
    # Besides the package's own scenarios/: the engine scenarios of the project on these certifications.
    scenarios = (ROOT / "tests" / "scenarios",)
