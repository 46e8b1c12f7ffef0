"""La suite de conformité de cqpkit sur l'extension « __NAME__ » (guide : `cqpkit doc plugin`)."""

from cqpkit.testing import Capability, ConformanceSuite


class TestConformite(ConformanceSuite):
    """Toutes les vérifications de conformité sur l'extension « __NAME__ »."""

    plugin = "__ENTRY_POINT__"
    certifications = ("__CERTIFICATION__",)
    # Ce qui ne s'applique pas. Le référentiel de départ n'a pas de voie VAE : retirez la capacité
    # quand vous en ajoutez une (la suite vous le rappellera).
    capabilities = (Capability.NO_VAE,)
