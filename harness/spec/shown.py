"""How a value that comes from a file is shown to people: in error messages,
console tables, status lines, the headline, report.html and junit.xml.

A file may hold anything: a key with a newline and a forged `error:` line
after it, an ESC sequence that rewrites the terminal, a right-to-left
override that turns `fail` around. So every such value is shown `escaped`:
control characters and the invisible bidi and format characters are written
as `\\n`, `\\x1b`, `\\u202e`. A value quoted in a one-line message is `shown`
(cut short); a file that is not the kind of file expected is told by its
`kind`, never by its content (it may be any file: an .env, /etc/passwd).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence

from tabulate import tabulate

# C0 controls (NUL, tab, LF, CR, ESC ...), DEL, C1 controls, and the characters
# that are invisible or turn text around: the Arabic letter mark, zero-width
# characters, LRM/RLM, line and paragraph separators, bidi embeddings,
# overrides and isolates, word joiners and invisible operators, the BOM.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LONGEST = 40  # characters of a value quoted in a one-line message


def _visible(match: re.Match) -> str:
    character = match[0]
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escaped(value: object) -> str:
    """`value` as text with every control, bidi and invisible format character
    written visibly (`\\n`, `\\x1b`, `\\u202e`): one line, read as it is stored."""
    return _INVISIBLE.sub(_visible, str(value))


def shown(value: object) -> str:
    """A value as a one-line message quotes it: YAML's spelling (null, true),
    text quoted, a mapping or list by its kind, cut to LONGEST characters."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and abs(value) >= 10**40:  # repr refuses ints past 4,300 digits
        return f"a number of about {math.floor(value.bit_length() * math.log10(2)) + 1} digits"
    text = escaped(repr(value))  # repr escapes most; escaped catches what it leaves
    return text if len(text) <= LONGEST else text[: LONGEST - 3] + "..."


def is_not(value: object, what: str, hint: str = "") -> str:
    """`value` quoted and what it is not, for a one-line message: "'x' is not a
    number (write e.g. 90s)"."""
    return f"{shown(value)} is not {what}{f' ({hint})' if hint else ''}"


def not_a_mapping(value: object, language: str = "YAML") -> str:
    """A whole file that is no mapping, told by its kind, never its content."""
    return f"the file is {kind(value, language)}, not a mapping"


def kind(value: object, language: str = "YAML") -> str:
    """What a whole file's content is, in words, without any of it: "a YAML
    list", "a string of 37 characters"."""
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, dict):
        return f"a {language} mapping"
    if isinstance(value, list):
        return f"a {language} list"
    if value is None:
        return "empty"
    return f"a {language} {type(value).__name__}"  # a number, true/false


def table(rows: Iterable[Sequence[object]], headers: Sequence[object] = (), **options) -> str:
    """tabulate, every cell and header escaped (a cell with a newline would
    otherwise become lines of its own)."""
    return tabulate(
        [[escaped(cell) if isinstance(cell, str) else cell for cell in row] for row in rows],
        headers=[escaped(h) for h in headers],
        **options,
    )


def markup(value: object) -> str:
    """`value` for HTML text or an attribute: escaped, then HTML-escaped."""
    return html.escape(escaped(value))
