"""The cqpkit conformance suite on the bundled plugin ``cqp_mo``: the lines a third-party plugin writes."""

from pathlib import Path

from cqpkit.testing import Capability, ConformanceSuite

ROOT = Path(__file__).resolve().parents[3]


class TestConformite(ConformanceSuite):
    """Every conformance check on ``cqp_mo``."""

    plugin = "cqp_mo"
    certifications = ("secu.manager-operationnel",)
    # The sources give no VAE route, and lack the annexed référentiels (complet = false). Its scenarios are
    # in cqpkit_cqp_mo/scenarios/.
    capabilities = (Capability.NO_VAE, Capability.INCOMPLETE)
    # Besides the package's own scenarios/: the engine scenarios of the project on this certification.
    scenarios = (ROOT / "tests" / "scenarios",)
