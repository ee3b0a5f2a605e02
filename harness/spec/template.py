"""Templates in journey fields (`/v1/entitlements/{event}`, `Bearer {token}`)
and in a targets file's commands (`{target}`, `{fault}`).

`{name}` is replaced by the variable's value, `{account.username}` by a
column of the viewer's account; `{{` and `}}` are literal braces. Nothing
else is special: no expressions, no filters, so a template is checked
completely when the journey is validated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_PART = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)?")


class TemplateError(ValueError):
    """A template that cannot be read, or a variable without a value."""


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[str | tuple[str], ...]  # literal text, or (variable name,)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(part[0] for part in self.parts if isinstance(part, tuple))

    def render(self, variables: Mapping[str, str]) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] in variables:
                out.append(variables[part[0]])
            else:
                raise TemplateError(
                    f"variable {part[0]} has no value for this viewer (the step "
                    f"that sets it did not run)"
                )
        return "".join(out)


def parse(text: str) -> Template:
    """The template in `text`; TemplateError says what is wrong with it."""
    parts: list[str | tuple[str]] = []
    end = 0
    for match in _PART.finditer(text):
        parts.append(text[end : match.start()])
        end = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif match.group(1) is None:
            raise TemplateError(
                f"a lone {token!r} at character {match.start() + 1} (write "
                f"{token * 2} for a literal brace)"
            )
        elif not NAME.fullmatch(match.group(1).strip()):
            raise TemplateError(
                f"{{{match.group(1)}}} is not a variable name (write e.g. "
                f"{{token}} or {{account.username}})"
            )
        else:
            parts.append((match.group(1).strip(),))
    parts.append(text[end:])
    return Template(text, tuple(part for part in parts if part != ""))
