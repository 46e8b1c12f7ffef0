"""The service's limits and its access log.

- **Body size** (:attr:`Limits.max_body`, default 2 Mio: a dossier is a few ko): a larger body is refused
  with 413 before it is read (Litestar's ``request_max_body_size``; the answer in French,
  :mod:`cqpkit.web.problems`).
- **Dossiers per request** (:attr:`Limits.max_dossiers`, default 100): a JSON array holding more is refused
  with 422, before any is read.
- **Time per request** (:attr:`Limits.timeout`, seconds, default 30): the engine runs in a worker thread;
  past the limit the client gets 503 « délai dépassé » (French problem), and the thread's answer, when it
  comes, is dropped (Python cannot stop a thread: the work ends on its own, bounded by the size limits).
  A body of at most :attr:`Limits.inline_body` (default 16 Kio: one dossier or a few) is computed at once, in
  the event loop: handing it to a thread and back costs more than its work on a loaded machine (two thread
  wake-ups; ``bench/serve.py``: 0.5 to 2.4 ms per request under a load of 11 on 2 cores, for a computation of
  0.7 ms), and its computation is bounded by its size (a few milliseconds). The store endpoints, which wait on
  the base, always use the thread.
- **Access log**: one JSON line per request on the logger ``cqpkit.web.access``: ``method``, ``path``
  (without the query string), ``status``, ``ms``. Never a body, a header, a token or a password.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["ACCESS_LOGGER", "AccessLog", "Limits", "run_limited"]

ACCESS_LOGGER = "cqpkit.web.access"
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Limits:
    """What one request may ask of the service."""

    max_body: int = 2 * 1024 * 1024
    max_dossiers: int = 100
    timeout: float = 30.0
    #: The engine computes a body up to this size (bytes) in the event loop, without the worker thread (0: never).
    inline_body: int = 16 * 1024


async def run_limited(fn: Callable[[], T], timeout: float) -> T:
    """``fn()`` in a worker thread, waited for at most ``timeout`` seconds (then a 503 problem)."""
    import anyio
    import anyio.to_thread

    from cqpkit.web.problems import Problem

    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
    except TimeoutError:
        raise Problem(
            503,
            f"délai dépassé : le calcul a pris plus de {timeout:g} s (--timeout de cqpkit serve) ; envoyer moins de dossiers par requête",
            headers={"Retry-After": "1"},
        ) from None


class AccessLog:
    """ASGI middleware: one JSON line per HTTP request on :data:`ACCESS_LOGGER` (method, path, status, ms)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if self.log.isEnabledFor(logging.INFO):
                line = {
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "status": status[0],
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                }
                self.log.info(json.dumps(line))  # ASCII: nothing in a path can act on a terminal
