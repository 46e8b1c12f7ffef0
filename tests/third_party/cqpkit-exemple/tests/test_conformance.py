"""The cqpkit conformance suite on this plugin: the few lines every plugin writes."""

from cqpkit.testing import ConformanceSuite


class TestConformite(ConformanceSuite):
    """Every conformance check on the plugin ``exemple``."""

    plugin = "exemple"
    certifications = ("exemple.agent-test",)
    document_kinds = ("attestation:courte",)  # its own kind, printed by test_documents_print too
