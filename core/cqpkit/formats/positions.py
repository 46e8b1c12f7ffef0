"""Line numbers of the keys of a TOML document, for error messages.

``tomllib`` does not report where a value was written, so this module scans the text
once more (only after ``tomllib`` accepted it) and records the line where each key
path starts: table headers, ``key = value`` pairs (dotted keys included), members of
inline tables and elements of arrays, at any depth. Paths use the same shape as the
error paths: a tuple of keys (``str``) and array indexes (``int``).

The scanner is lenient by design: the text is already known to be valid TOML, so it
only has to find where things start, not to check anything.
"""

from __future__ import annotations

__all__ = ["Path", "key_lines", "line_of"]

Path = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.lines: dict[Path, int] = {}
        self.aot: dict[Path, int] = {}

    # -- low level -----------------------------------------------------------------
    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def advance(self, n: int = 1) -> None:
        chunk = self.s[self.i : self.i + n]
        self.line += chunk.count("\n")
        self.i += n

    def skip_ws(self, newlines: bool) -> None:
        """Skip blanks and comments; also newlines when ``newlines`` is true."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def skip_string(self) -> str:
        """Skip a string starting at the cursor and return its value (escapes kept raw)."""
        s = self.s
        for q in ('"""', "'''"):
            if s.startswith(q, self.i):
                if q == '"""':
                    # A backslash escapes the next character: `\"""` does not close the string.
                    end = self.i + 3
                    while end < len(s) and not s.startswith(q, end):
                        end += 2 if s[end] == "\\" else 1
                    end = -1 if end >= len(s) else end
                else:
                    end = s.find(q, self.i + 3)
                # Closing quotes may be followed by up to two more quote characters.
                while end != -1 and s.startswith(q[0], end + 3):
                    end += 1
                end = len(s) if end == -1 else end
                value = s[self.i + 3 : end]
                self.advance(end + 3 - self.i)
                return value
        q = s[self.i]
        j = self.i + 1
        while j < len(s) and s[j] != q and s[j] != "\n":
            j += 2 if (q == '"' and s[j] == "\\") else 1
        value = s[self.i + 1 : j]
        if q == '"':
            value = _unescape(value)
        self.advance(j + 1 - self.i)
        return value

    # -- keys --------------------------------------------------------------------------
    def key(self) -> list[str]:
        """Read a (possibly dotted) key and return its parts."""
        parts = []
        while True:
            self.skip_ws(False)
            c = self.peek()
            if c in ('"', "'"):
                parts.append(self.skip_string())
            else:
                j = self.i
                while j < len(self.s) and self.s[j] in _BARE:
                    j += 1
                parts.append(self.s[self.i : j])
                self.i = j
            self.skip_ws(False)
            if self.peek() == ".":
                self.advance()
                continue
            return parts

    # -- values ------------------------------------------------------------------------
    def value(self, path: Path) -> None:
        self.skip_ws(False)
        c = self.peek()
        if c == "{":
            self.advance()
            self.skip_ws(True)
            while self.peek() not in ("}", ""):
                line = self.line
                parts = self.key()
                sub = path + tuple(parts)
                self.lines.setdefault(sub, line)
                self.skip_ws(False)
                if self.peek() == "=":
                    self.advance()
                self.value(sub)
                self.skip_ws(True)
                if self.peek() == ",":
                    self.advance()
                    self.skip_ws(True)
            self.advance()
        elif c == "[":
            self.advance()
            index = 0
            self.skip_ws(True)
            while self.peek() not in ("]", ""):
                self.lines.setdefault(path + (index,), self.line)
                self.value(path + (index,))
                index += 1
                self.skip_ws(True)
                if self.peek() == ",":
                    self.advance()
                    self.skip_ws(True)
            self.advance()
        elif c in ('"', "'"):
            self.skip_string()
        else:
            j = self.i
            while j < len(self.s) and self.s[j] not in ",]}\n#":
                j += 1
            self.i = j

    # -- document ----------------------------------------------------------------------
    def header(self, names: list[str], array: bool) -> Path:
        resolved: Path = ()
        for n, name in enumerate(names):
            resolved += (name,)
            last = n == len(names) - 1
            if array and last:
                count = self.aot.get(resolved, 0) + 1
                self.aot[resolved] = count
                resolved += (count - 1,)
            elif resolved in self.aot:
                resolved += (self.aot[resolved] - 1,)
        return resolved

    def document(self) -> dict[Path, int]:
        table: Path = ()
        while True:
            self.skip_ws(True)
            c = self.peek()
            if not c:
                return self.lines
            line = self.line
            if c == "[":
                array = self.s.startswith("[[", self.i)
                self.advance(2 if array else 1)
                names = self.key()
                self.advance(2 if array else 1)
                table = self.header(names, array)
                self.lines.setdefault(table, line)
                # A header line also stands for every parent it creates implicitly.
                for k in range(1, len(table)):
                    self.lines.setdefault(table[:k], line)
            else:
                parts = self.key()
                path = table + tuple(parts)
                for k in range(len(table) + 1, len(path) + 1):
                    self.lines.setdefault(path[:k], line)
                self.skip_ws(False)
                if self.peek() == "=":
                    self.advance()
                self.value(path)


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    try:
        return raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return raw


def key_lines(text: str) -> dict[Path, int]:
    """Map every key path of a valid TOML document to the line (1-based) where it starts."""
    try:
        return _Scanner(text).document()
    except Exception:  # pragma: no cover - the text was already accepted by tomllib
        return {}


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, or of its nearest ancestor that has one (1 for the document)."""
    for k in range(len(path), 0, -1):
        line = lines.get(tuple(path[:k]))
        if line is not None:
            return line
    return 1
