"""cqpkit's HTTP service (``cqpkit serve``, extra ``cqpkit[serve]``): an ASGI app built with Litestar.

Imported only by ``cqpkit serve`` and by applications that mount the app: ``cqpkit list`` never loads it.
See ``docs/api.md``.
"""

from __future__ import annotations

from cqpkit.web.app import create_app
from cqpkit.web.auth import Authenticator
from cqpkit.web.limits import Limits

__all__ = ["Authenticator", "Limits", "create_app"]
