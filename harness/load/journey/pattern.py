"""The regular expressions of `extract: {regex: PATTERN}`, bounded: what a
journey file writes and what a platform answers must not stall a viewer.

Python's own `re` cannot be stopped once a search starts, and a pattern as
plain as `a*b` takes seconds on a body of `a`s (and `(x+x+)+y` forever). So
patterns are compiled by the `regex` engine in its `re`-compatible mode
(VERSION0), whose searches take a time limit:

- a pattern has at most PATTERN_CHARS characters, and whatever compiling it
  raises (a syntax error, RecursionError, OverflowError, ValueError ...) is a
  PatternError, reported at its line;
- a search reads at most SEARCH_CHARS characters of the answer and gives up
  after SEARCH_SECONDS: that step's extraction fails, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

PATTERN_CHARS = 1000
SEARCH_CHARS = 256 * 1024
SEARCH_SECONDS = 0.05  # the engine checks its clock now and then: a search may take twice this
# What compiling a pattern raises besides its own syntax errors (nesting past the
# recursion limit, a repeat count past the C range, a bad group reference ...).
_COMPILE_ERRORS = (regex.error, OverflowError, ValueError, TypeError, IndexError, MemoryError)


class PatternError(ValueError):
    """A pattern that cannot be used; says why."""


@dataclass(frozen=True)
class Pattern:
    text: str
    compiled: regex.Pattern

    def first(self, body: str) -> str:
        """The first group of the first match in `body` (the match when there is no
        group); LookupError when there is none, or when the search runs out of time."""
        try:
            match = self.compiled.search(body[:SEARCH_CHARS], timeout=SEARCH_SECONDS)
        except TimeoutError:
            raise LookupError(
                f"/{self.text}/ took longer than {SEARCH_SECONDS:g}s on the "
                f"answer (a pattern that backtracks; make it more specific)"
            ) from None
        if match is None:
            raise LookupError(f"/{self.text}/ matches nothing in the body")
        return match.group(1) if self.compiled.groups else match.group(0)


def compile_pattern(text: str) -> Pattern:
    if len(text) > PATTERN_CHARS:
        raise PatternError(
            f"is {len(text):,} characters long; a pattern here has at most {PATTERN_CHARS:,}"
        )
    try:
        return Pattern(text, regex.compile(text, regex.VERSION0))
    except RecursionError:
        raise PatternError("its groups nest too deeply") from None
    except _COMPILE_ERRORS as error:
        raise PatternError(str(error) or type(error).__name__) from None
