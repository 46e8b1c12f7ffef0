"""How a database address is shown: :func:`display_url`, the one function that renders ``--db`` for people.

Every message, report header and JSON ``base`` field names the database through
:attr:`cqpkit.store.engine.Target.label`, which is :func:`display_url`; the CLI also passes what argparse
echoes of the command line through it. Standard library only: the CLI uses it before any database is
opened (and ``cqpkit list`` never imports it).

A password may hold any character a user can type (``/ ? # @ : %``…), percent-encoded or not, and an
address may be mistyped (``postgresql:/…``, no scheme at all, an unknown scheme): no parser can say for
sure where a password ends. So the rule is deliberately coarse — it may hide more than the password,
never less:

- in ``scheme://user:password@host…`` (or ``user:password@host…`` without ``//``), everything from the
  first ``:`` of the user part up to the LAST ``@`` of the text is the password;
- the value of a ``password=`` or ``sslpassword=`` parameter is masked up to the end of the text (a
  value may hold ``&``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["display_url", "scrub"]

#: A URL's scheme, as RFC 3986 writes it (``postgresql``, ``postgresql+psycopg``, ``mysql``…).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: Query parameters that hold a secret (libpq's ``password`` and ``sslpassword``).
_SECRET_PARAM = re.compile(r"(?i)([?&;]|^)((?:ssl)?password=)")


def _split_secret(text: str) -> tuple[str, str | None, str]:
    """``(user part, password, "@host…")`` of an address; ``(text, None, "")`` when it holds no password."""
    if "@" not in text:
        return text, None, ""
    at = text.rindex("@")
    m = _SCHEME.match(text)
    start = m.end() + 2 if m and text.startswith("//", m.end()) else 0
    colon = text.find(":", start, at)
    if colon < 0:
        return text, None, ""
    return text[:colon], text[colon + 1 : at], text[at:]


def display_url(text: str) -> str:
    """``text`` (a ``--db`` value: path, URL, anything) with its password left out: ``postgresql://user@host/base``.

    The password of the user part is dropped with its ``:`` (as the address would be written without
    one); a ``password=`` parameter keeps its name and shows ``***``. A path without ``@`` nor
    ``password=`` (a SQLite file) comes back unchanged.
    """
    user, secret, rest = _split_secret(text)
    param = _SECRET_PARAM.search(text)
    if secret is not None and param is not None and param.start() < len(user) + 1 + len(secret):
        # The last « @ » is after a ``password=``: inside its value (``?password=p@ss``), or the parameter is inside
        # the user's password. Either reading hides a part the other shows: everything from the first of them is hidden.
        return text[: min(len(user), param.end())] + "***"
    shown = user + rest if secret is not None else text
    m = _SECRET_PARAM.search(shown)
    if m:
        shown = shown[: m.end()] + "***"
    return shown


def _secrets(text: str) -> list[str]:
    """The secret parts of an address, as typed and percent-decoded, longest first."""
    _, secret, _ = _split_secret(text)
    found = [secret] if secret else []
    m = _SECRET_PARAM.search(text)
    if m and text[m.end() :]:
        found.append(text[m.end() :])
    parts = {p for s in found for p in (s, unquote(s), s.split("&")[0], unquote(s.split("&")[0])) if len(p) >= 3}
    return sorted(parts, key=len, reverse=True)


def scrub(message: str, text: str) -> str:
    """``message`` (a driver's, a parser's) with every secret part of the address ``text`` replaced by ``***``.

    Parts shorter than three characters are left: they would erase ordinary words; :func:`display_url`
    is what keeps a password out, this is a second line for a driver that quotes what it read.
    """
    for secret in _secrets(text):
        message = message.replace(secret, "***")
    return message
